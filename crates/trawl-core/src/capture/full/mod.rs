//! The full capturer: headless Chromium through the `trawl-browser` pool, filling the same
//! [`Capture`] record as the fast capturer.
//!
//! This module owns the translation between Trawl's capture settings and the browser crate:
//! the destination guard as the browser's request policy (`policy`) and as the proxy every
//! browser connection goes through (`proxy`, one per capturer, started and stopped with its
//! pool), and the browser's [`PageResult`] as a [`Capture`] with its bodies and screenshots in
//! the blob store (`record`). WebSockets the proxy refused are listed with the requests the
//! policy refused. The pool's blocking work runs on its own threads; `capture` awaits a
//! oneshot answer and never blocks the async runtime.
//!
//! Error policy: as for every capturer, a target's failure is data (`Capture.error`, hop
//! errors, `blocked`); only a missing Chromium, or a proxy that cannot listen on loopback, is
//! an error, when the capturer is built.

mod policy;
mod proxy;
mod record;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use url::Url;

pub use policy::GuardedPolicy;
pub use proxy::{CaptureProxy, ProxyLimits, ProxyStats};
use trawl_browser::{BrowserConfig, BrowserPool, PageRequest, PageResult};

use super::fast::CHROME_USER_AGENT;
use super::guard::GuardPolicy;
use super::model::{Capture, CaptureMode};
use super::resolve::ResolverMap;
use crate::blobs::BlobStore;

pub use trawl_browser::BrowserError;

/// The system Chromium.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Limits and shape of full captures.
#[derive(Debug, Clone)]
pub struct FullOptions {
    /// The Chromium executable.
    pub chromium: PathBuf,
    /// Pages captured at once (browsers × tabs, two tabs per browser).
    pub pages: usize,
    /// A browser is replaced after this many pages.
    pub pages_per_browser: usize,
    /// Bound on one page, snapshots included.
    pub timeout_total: Duration,
    /// Wait for `load` at most this long before snapshotting.
    pub navigation_timeout: Duration,
    /// Quiet time that ends the wait after `load`.
    pub settle: Duration,
    /// Full-page screenshot height cap (CSS px); `None` skips the full-page shot.
    pub full_page_max_height: Option<u32>,
    /// Destination policy.
    pub guard: GuardPolicy,
    /// Names mapped to addresses (the lab's explicit allowance).
    pub map: ResolverMap,
    /// Refuse names the map does not list.
    pub sealed: bool,
}

impl Default for FullOptions {
    fn default() -> Self {
        FullOptions {
            chromium: PathBuf::from(DEFAULT_CHROMIUM),
            pages: 2,
            pages_per_browser: 50,
            timeout_total: Duration::from_secs(30),
            navigation_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(1000),
            full_page_max_height: Some(8000),
            guard: GuardPolicy::default(),
            map: ResolverMap::new(),
            sealed: false,
        }
    }
}

/// The headless-Chromium capturer.
pub struct FullCapturer {
    options: FullOptions,
    pool: BrowserPool,
    /// Declared after the pool: the browsers go before their proxy.
    proxy: CaptureProxy,
    policy: Arc<GuardedPolicy>,
    blobs: BlobStore,
}

impl FullCapturer {
    /// Starts the capture proxy and a pool for `options` (browsers launch on first use).
    /// Fails when Chromium is missing or the proxy cannot listen on loopback.
    pub fn new(options: FullOptions, blobs: BlobStore) -> Result<FullCapturer, BrowserError> {
        if !options.chromium.is_file() {
            return Err(BrowserError::Missing(options.chromium.clone()));
        }
        let policy = Arc::new(GuardedPolicy::new(
            options.guard,
            options.map.clone(),
            options.sealed,
        ));
        let proxy = CaptureProxy::start(policy.clone(), ProxyLimits::default())
            .map_err(|e| BrowserError::Launch(format!("capture proxy: {e}")))?;
        let tabs = options.pages.clamp(1, 2);
        let config = BrowserConfig {
            chromium: options.chromium.clone(),
            browsers: options.pages.max(1).div_ceil(tabs),
            tabs_per_browser: tabs,
            pages_per_browser: options.pages_per_browser.max(1),
            host_map: host_map(&options.map),
            sealed: options.sealed,
            proxy: Some(proxy.addr()),
            control_ports: Some(proxy.control_ports()),
            ..BrowserConfig::default()
        };
        let pool = BrowserPool::start(config)?;
        Ok(FullCapturer {
            options,
            pool,
            proxy,
            policy,
            blobs,
        })
    }

    /// The options in force.
    pub fn options(&self) -> &FullOptions {
        &self.options
    }

    /// Captures `url` in a browser. Never fails: problems are recorded in the result.
    pub async fn capture(&self, url: &Url) -> Capture {
        let started = std::time::Instant::now();
        let mut capture = Capture::new(CaptureMode::Full, url.as_str(), Utc::now());
        capture.fragment = url.fragment().map(str::to_owned);

        let mut result = self.page(url).await;
        self.add_refused_websockets(&mut result);
        self.server_addresses(&mut result);
        let blobs = self.blobs.clone();
        let map = self.options.map.clone();
        let filled = tokio::task::spawn_blocking(move || {
            record::fill(&mut capture, &result, &blobs, &map);
            capture
        })
        .await;
        let mut capture = match filled {
            Ok(capture) => capture,
            Err(e) => {
                let mut failed = Capture::new(CaptureMode::Full, url.as_str(), Utc::now());
                failed.error = Some(format!("recording the capture failed: {e}"));
                failed
            }
        };
        capture.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let hops = capture.chain.len();
        tracing::debug!(url = %url, hops, error = ?capture.error, "full capture done");
        capture
    }

    /// The browser's view of `url`.
    async fn page(&self, url: &Url) -> PageResult {
        let mut req = PageRequest::new(url.as_str(), self.policy.clone());
        req.total_timeout = self.options.timeout_total;
        req.navigation_timeout = self
            .options
            .navigation_timeout
            .min(self.options.timeout_total);
        req.settle = self.options.settle;
        req.full_page_max_height = self.options.full_page_max_height;
        req.user_agent = CHROME_USER_AGENT.to_owned();

        // The guard first: a refused start is not worth a browser.
        if let Err(reason) = trawl_browser::RequestPolicy::check(self.policy.as_ref(), url.as_str())
        {
            return PageResult {
                chain: vec![trawl_browser::NavStep {
                    url: url.to_string(),
                    kind: trawl_browser::NavKind::Initial,
                    status: None,
                    ip: None,
                    error: Some(reason.clone()),
                }],
                final_url: url.to_string(),
                blocked: vec![(url.to_string(), reason.clone())],
                error: Some(reason),
                ..PageResult::default()
            };
        }
        let first = self.submit(req.clone()).await;
        let Some(transient) = transient_failure(&first) else {
            return first;
        };
        // A connection that broke before any document arrived is tried once more: phishing
        // hosts and loaded lab servers drop connections, and the page itself was never seen.
        tracing::info!(url = %url, error = transient, "connection failed, capturing once more");
        self.submit(req).await
    }

    /// Lists the page's WebSockets that the proxy refused with the refused requests (the
    /// browser does not pause WebSockets for the policy, so only the proxy saw them).
    fn add_refused_websockets(&self, result: &mut PageResult) {
        for socket in &result.websockets {
            let Ok(url) = Url::parse(socket) else {
                continue;
            };
            let host = url.host_str().unwrap_or_default();
            let port = url.port_or_known_default().unwrap_or(80);
            let refused = self.proxy.refusal(host, port);
            if let Some(reason) =
                refused.filter(|_| !result.blocked.iter().any(|(u, _)| u == socket))
            {
                result.blocked.push((socket.clone(), reason));
            }
        }
    }

    /// Puts the servers' addresses in place of the proxy's: the browser reports the proxy as
    /// the address of every response, the proxy knows where it connected.
    fn server_addresses(&self, result: &mut PageResult) {
        let proxy = self.proxy.addr().ip().to_string();
        let server = |url: &str, ip: &mut Option<String>| {
            if ip.as_deref().is_some_and(|ip| ip != proxy) {
                return;
            }
            let Ok(url) = Url::parse(url) else {
                return;
            };
            let host = url.host_str().unwrap_or_default();
            let port = url.port_or_known_default().unwrap_or(80);
            *ip = self.proxy.connected_to(host, port).map(|a| a.to_string());
        };
        for step in &mut result.chain {
            server(&step.url, &mut step.ip);
        }
        if let Some(main) = &mut result.main {
            server(&main.url, &mut main.ip);
            // A plain-http answer reached the browser with its connection headers rewritten:
            // the headers are the server's own, in its order (the headers hash depends on it).
            if let Some(head) = self.proxy.response_head(&main.url) {
                main.headers = header_lines(&head);
            }
        }
    }

    /// Runs one page request in the pool.
    async fn submit(&self, req: PageRequest) -> PageResult {
        let url = req.url.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.submit(req, move |result| {
            let _ = tx.send(result);
        });
        rx.await.unwrap_or_else(|_| PageResult {
            final_url: url,
            error: Some("browser pool stopped".to_owned()),
            ..PageResult::default()
        })
    }

    /// Stops the pool (queued pages fail, running pages finish, browsers are killed), then
    /// the proxy.
    pub fn shutdown(&self) {
        self.pool.shutdown();
        self.proxy.stop();
    }

    /// The proxy's counters (connections, refusals).
    pub fn proxy_stats(&self) -> ProxyStats {
        self.proxy.stats()
    }

    /// Browsers launched and killed so far.
    pub fn stats(&self) -> trawl_browser::PoolStats {
        self.pool.stats()
    }
}

/// Chromium network errors where the connection broke before an answer; the same request may
/// well succeed on a second try.
const TRANSIENT_NET_ERRORS: &[&str] = &[
    "net::ERR_SSL_PROTOCOL_ERROR",
    "net::ERR_CONNECTION_RESET",
    "net::ERR_CONNECTION_CLOSED",
    "net::ERR_EMPTY_RESPONSE",
    "net::ERR_SOCKET_NOT_CONNECTED",
];

/// The transient network error that ended a page with no document, if that is what happened.
fn transient_failure(result: &PageResult) -> Option<&'static str> {
    if result.main.is_some() || !result.blocked.is_empty() {
        return None;
    }
    let mut errors = result
        .chain
        .iter()
        .filter_map(|step| step.error.as_deref())
        .chain(result.error.as_deref());
    errors.find_map(|e| TRANSIENT_NET_ERRORS.iter().copied().find(|t| e.contains(t)))
}

/// The header lines of a response head, in order (the status line left out; lines without a
/// colon skipped), with values trimmed.
fn header_lines(head: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(head)
        .split("\r\n")
        .skip(1)
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// The resolver map as Chromium resolver rules (first address of each entry).
fn host_map(map: &ResolverMap) -> Vec<(String, IpAddr)> {
    map.entries()
        .into_iter()
        .filter_map(|(host, ips)| ips.first().map(|ip| (host, *ip)))
        .collect()
}
