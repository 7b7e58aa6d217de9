//! The fast capturer: HTTP only, no browser, thousands of URLs a minute.
//!
//! It walks the navigation hop by hop (3xx, meta refresh, script redirects, `data:` targets
//! recorded but not fetched), every hop through the destination guard and pinned
//! resolution of its session, then records the final document (headers, body, charset,
//! title, certificate) and fetches its assets and favicon. Limits: hops, total time, time per
//! request, body bytes, asset count and asset bytes. Loops stop at the first URL seen twice.
//!
//! Script redirects: a literal one found by reading the inline scripts (`script_redirect`) is
//! taken as is; otherwise the inline scripts run in the bounded sandbox of `script_sandbox`,
//! and its first navigation wins over a meta refresh (scripts run before the refresh fires).
//!
//! Whatever goes wrong is recorded in the returned [`Capture`]; `capture` never fails.
//! Not done here (left to the full capturer): cookies, external scripts, rendering, CSS
//! `url()` references.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use scraper::{Html, Selector};
use tokio::time::Instant;
use url::Url;

use super::assets::{self, AssetLimits, AssetRef};
use super::body::BodyPlan;
use super::charset::{self, DecodedDocument};
use super::data_url;
use super::fetch::{Destination, FetchError, Fetched, Session, SessionConfig, after};
use super::guard::GuardPolicy;
use super::model::{
    AssetType, BlockedRequest, Capture, CaptureMode, CapturedAsset, FetchedBody, Hop, HopKind,
};
use super::redirect;
use super::resolve::Resolver;
use super::script_sandbox::{self, PageScripts, SandboxLimits, SandboxPage};
use super::sniff::{is_html_like, is_text_like};
use super::tls::{self, Trust};
use crate::blobs::BlobStore;

/// A current desktop Chrome on Windows.
pub const CHROME_USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
    AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

/// Limits and identity of a capture.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Bound on the whole capture, assets included.
    pub timeout_total: Duration,
    /// Bound on each request, body included.
    pub timeout_per_request: Duration,
    /// Redirects followed (of any kind) before giving up.
    pub max_hops: usize,
    /// Cap on each document body, after decompression.
    pub max_body_bytes: u64,
    /// Cap on each asset body, after decompression.
    pub max_asset_bytes: u64,
    /// Assets fetched per page.
    pub max_assets: usize,
    /// Asset requests in flight at once.
    pub asset_concurrency: usize,
    /// `User-Agent` sent.
    pub user_agent: String,
    /// Destination policy.
    pub guard: GuardPolicy,
    /// Check the certificate issuer with a second, verifying handshake.
    pub check_trust: bool,
    /// Bounds of the script sandbox run when no literal script redirect is found; `None`
    /// never runs page scripts.
    pub script_sandbox: Option<SandboxLimits>,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            timeout_total: Duration::from_secs(60),
            timeout_per_request: Duration::from_secs(20),
            max_hops: 10,
            max_body_bytes: 5 * 1024 * 1024,
            max_asset_bytes: 2 * 1024 * 1024,
            max_assets: 100,
            asset_concurrency: 6,
            user_agent: CHROME_USER_AGENT.to_owned(),
            guard: GuardPolicy::default(),
            check_trust: true,
            script_sandbox: Some(SandboxLimits::default()),
        }
    }
}

/// The HTTP-only capturer.
pub struct FastCapturer {
    options: CaptureOptions,
    resolver: Arc<dyn Resolver>,
    blobs: BlobStore,
}

/// The last response of the chain: what the capture's top-level fields describe.
struct LastResponse {
    url: Url,
    fetched: Fetched,
    body: Option<FetchedBody>,
    document: Option<DecodedDocument>,
    html_like: bool,
}

impl FastCapturer {
    /// A capturer resolving with `resolver` and storing bodies in `blobs`.
    pub fn new(options: CaptureOptions, resolver: Arc<dyn Resolver>, blobs: BlobStore) -> Self {
        Self {
            options,
            resolver,
            blobs,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &CaptureOptions {
        &self.options
    }

    /// Captures `url`. Never fails: problems are recorded in the result.
    pub async fn capture(&self, url: &Url) -> Capture {
        let clock = Instant::now();
        let mut capture = Capture::new(CaptureMode::Fast, url.as_str(), Utc::now());
        capture.fragment = url.fragment().map(str::to_owned);

        let config = SessionConfig {
            guard: self.options.guard,
            per_request: self.options.timeout_per_request,
            user_agent: self.options.user_agent.clone(),
        };
        let deadline = after(clock, self.options.timeout_total);
        match Session::new(config, self.resolver.clone(), self.blobs.clone(), deadline) {
            Ok(session) => self.run(&session, url, &mut capture).await,
            Err(e) => capture.error = Some(e),
        }

        capture.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let hops = capture.chain.len();
        tracing::debug!(url = %url, hops, error = ?capture.error, "fast capture done");
        capture
    }

    async fn run(&self, session: &Session, url: &Url, capture: &mut Capture) {
        let Some(last) = self.follow_chain(session, url, capture).await else {
            return;
        };

        capture.final_url = last.url.to_string();
        capture.fragment = last.url.fragment().map(str::to_owned);
        capture.http_status = Some(last.fetched.status);
        capture.headers = last.fetched.headers.clone();
        capture.content_type = last.fetched.content_type.clone();
        capture.ip = Some(last.fetched.pin.ip.to_string());
        capture.dns = Some(last.fetched.pin.dns.clone());
        capture.html = last.body.clone();
        if let Some(doc) = &last.document {
            capture.charset = Some(doc.charset.to_owned());
            capture.charset_source = Some(doc.source.to_owned());
            capture.html_text = Some(doc.text.clone());
        }
        capture.tls = self.certificate(session, &last).await;

        // A file served for download, or a successful non-text answer, is listed as one.
        let success = (200..300).contains(&last.fetched.status);
        let download = last.fetched.attachment || (success && last.document.is_none());
        if download && let Some(body) = &last.body {
            capture.assets.push(CapturedAsset {
                url: capture.final_url.clone(),
                asset_type: AssetType::Download,
                status: Some(last.fetched.status),
                body: Some(body.clone()),
                error: None,
            });
        }
        if last.html_like
            && let Some(doc) = &last.document
        {
            self.page_resources(session, &last.url, &doc.text, capture)
                .await;
        }
    }

    /// Walks the navigation; returns the last response received, if any.
    async fn follow_chain(
        &self,
        session: &Session,
        start: &Url,
        capture: &mut Capture,
    ) -> Option<LastResponse> {
        let plan = BodyPlan {
            cap: self.options.max_body_bytes,
            keep: true,
            store: true,
        };
        let mut current = start.clone();
        let mut kind = HopKind::Initial;
        let mut referrer: Option<Url> = None;
        let mut seen = HashSet::new();
        let mut last = None;

        loop {
            if kind != HopKind::Initial && current.scheme() == "data" {
                capture.chain.push(self.data_hop(&current));
                return last;
            }
            if !seen.insert(without_fragment(&current)) {
                capture.error = Some(format!("redirect loop at {current}"));
                return last;
            }

            let fetched = match session
                .fetch(&current, Destination::Document, referrer.as_ref(), plan)
                .await
            {
                Ok(fetched) => fetched,
                Err(error) => {
                    let message = error.message().to_owned();
                    if let FetchError::Refused(reason) = &error {
                        let url = current.to_string();
                        capture.blocked.push(BlockedRequest {
                            url,
                            reason: reason.clone(),
                        });
                    }
                    capture
                        .chain
                        .push(hop(&current, kind, None, None, Some(message.clone())));
                    capture.error = Some(message);
                    return last;
                }
            };
            let ip = Some(fetched.pin.ip.to_string());
            let status = Some(fetched.status);

            // An HTTP redirect: no body, next hop from Location.
            if let Some(location) = fetched.location.clone() {
                let target = redirect::location_target(&current, &location);
                let mut step = hop(&current, kind, status, ip, target.as_ref().err().cloned());
                step.body = None;
                capture.chain.push(step);
                last = Some(LastResponse {
                    url: current.clone(),
                    fetched,
                    body: None,
                    document: None,
                    html_like: false,
                });
                match target {
                    Ok(next) => {
                        if !self.hop_allowed(capture) {
                            return last;
                        }
                        current = next;
                        kind = HopKind::Http;
                        continue;
                    }
                    Err(e) => {
                        capture.error = Some(e);
                        return last;
                    }
                }
            }

            // A document: decode it and look for a navigation it performs itself.
            let outcome = fetched.body.as_ref();
            let bytes = outcome.map_or(&[][..], |b| b.bytes.as_slice());
            let body = outcome.and_then(|b| {
                b.blob.clone().map(|blob| FetchedBody {
                    size: blob.size,
                    blob,
                    truncated: b.truncated,
                    content_type: fetched.content_type.clone(),
                })
            });
            let html_like = is_html_like(fetched.content_type.as_deref(), bytes);
            let document = is_text_like(fetched.content_type.as_deref(), html_like)
                .then(|| charset::decode_document(bytes, fetched.content_type.as_deref()));
            let navigable = document
                .as_ref()
                .filter(|_| html_like && !fetched.attachment);
            let next = match navigable {
                Some(doc) => self.find_redirect(&doc.text, &current).await,
                None => None,
            };

            let body_error = outcome.and_then(|b| b.error.clone());
            let mut step = hop(&current, kind, status, ip, body_error);
            step.body = body.clone();
            capture.chain.push(step);
            last = Some(LastResponse {
                url: current.clone(),
                fetched,
                body,
                document,
                html_like,
            });

            match next {
                Some(next) if !self.hop_allowed(capture) => {
                    tracing::debug!(target = %next.url, "hop limit reached");
                    return last;
                }
                Some(next) => {
                    referrer = Some(current.clone());
                    current = next.url;
                    kind = next.kind;
                }
                None => return last,
            }
        }
    }

    /// Whether one more redirect may be followed; records the error when not.
    fn hop_allowed(&self, capture: &mut Capture) -> bool {
        let followed = capture.chain.len().saturating_sub(1);
        if followed < self.options.max_hops {
            return true;
        }
        capture.error = Some(format!(
            "too many redirects (more than {})",
            self.options.max_hops
        ));
        false
    }

    /// A `data:` target: recorded with its decoded payload, not navigated to.
    fn data_hop(&self, url: &Url) -> Hop {
        let mut step = hop(url, HopKind::Data, None, None, None);
        step.url = data_url::abbreviate(url.as_str(), 256);
        match data_url::decode(url) {
            Ok(decoded) => {
                let cap = usize::try_from(self.options.max_body_bytes).unwrap_or(usize::MAX);
                let truncated = decoded.bytes.len() > cap;
                let bytes = &decoded.bytes[..decoded.bytes.len().min(cap)];
                match self.blobs.put(bytes) {
                    Ok(blob) => {
                        let content_type = Some(decoded.media_type);
                        step.body = Some(FetchedBody {
                            size: blob.size,
                            blob,
                            truncated,
                            content_type,
                        });
                    }
                    Err(e) => step.error = Some(format!("cannot write to the blob store: {e}")),
                }
            }
            Err(e) => step.error = Some(e),
        }
        step
    }

    /// The final HTTPS hop's certificate, with its problems.
    async fn certificate(
        &self,
        session: &Session,
        last: &LastResponse,
    ) -> Option<super::model::TlsCertInfo> {
        let der = last.fetched.certificate.as_ref()?;
        let host = last.url.host_str()?;
        let trust = if self.options.check_trust {
            let port = last.url.port_or_known_default().unwrap_or(443);
            let addr = SocketAddr::new(last.fetched.pin.ip, port);
            let deadline = session
                .deadline()
                .min(after(Instant::now(), self.options.timeout_per_request));
            tls::probe_trust(addr, host, deadline).await
        } else {
            Trust::Unknown("not checked".to_owned())
        };
        match tls::describe(der, host, Utc::now(), &trust) {
            Ok(info) => Some(info),
            Err(e) => {
                tracing::debug!(url = %last.url, error = %e, "certificate not described");
                None
            }
        }
    }

    /// Title, assets and favicon of the final page.
    async fn page_resources(
        &self,
        session: &Session,
        page: &Url,
        text: &str,
        capture: &mut Capture,
    ) {
        let (title, refs, favicon_link) = parse_page(text, page, self.options.max_assets);
        capture.title = title;

        let limits = AssetLimits {
            max_bytes: self.options.max_asset_bytes,
            concurrency: self.options.asset_concurrency,
        };
        let (fetched, blocked) =
            assets::fetch_assets(session, &self.blobs, refs, page, limits).await;
        capture.assets.extend(fetched);
        capture.blocked.extend(blocked);

        let Some(icon_url) = favicon_link.or_else(|| assets::default_favicon(page)) else {
            return;
        };
        let (favicon, blocked) = assets::fetch_favicon(
            session,
            &self.blobs,
            icon_url,
            page,
            self.options.max_asset_bytes,
        )
        .await;
        capture.favicon = Some(favicon);
        capture.blocked.extend(blocked);
    }

    /// The navigation a document performs by itself, unless it only reloads or scrolls.
    async fn find_redirect(&self, text: &str, current: &Url) -> Option<redirect::NextHop> {
        let (found, base, scripts) = read_document(text, current);
        let next = match (found, &self.options.script_sandbox) {
            (Some(found), _) if found.kind == HopKind::Script => Some(found),
            (found, Some(limits)) if !scripts.is_empty() => {
                let page = SandboxPage {
                    url: current.clone(),
                    base,
                    scripts,
                    user_agent: self.options.user_agent.clone(),
                };
                let scripted = script_sandbox::navigation(page, limits.clone()).await;
                scripted.or(found)
            }
            (found, _) => found,
        }?;
        (without_fragment(&next.url) != without_fragment(current)).then_some(next)
    }
}

/// Title, asset references and favicon link of a page (parsed and dropped before any await).
fn parse_page(
    text: &str,
    page: &Url,
    max_assets: usize,
) -> (Option<String>, Vec<AssetRef>, Option<Url>) {
    let document = Html::parse_document(text);
    let base = redirect::base_url(&document, page);
    let selector = Selector::parse("title").expect("static selector");
    let title = document.select(&selector).next().map(|t| {
        t.text()
            .collect::<String>()
            .split_ascii_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let (refs, favicon) = assets::find_assets(&document, &base, max_assets);
    (title, refs, favicon)
}

/// A document's static redirect, base URL and scripts (parsed and dropped before any await).
fn read_document(text: &str, current: &Url) -> (Option<redirect::NextHop>, Url, PageScripts) {
    let document = Html::parse_document(text);
    let base = redirect::base_url(&document, current);
    let found = redirect::document_redirect(&document, &base);
    (found, base, PageScripts::from_document(&document))
}

fn hop(
    url: &Url,
    kind: HopKind,
    status: Option<u16>,
    ip: Option<String>,
    error: Option<String>,
) -> Hop {
    Hop {
        url: url.to_string(),
        status,
        kind,
        ip,
        error,
        body: None,
    }
}

fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}
