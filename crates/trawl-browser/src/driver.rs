//! Capturing one page in one pooled tab: navigate, wait for the page to settle within its
//! deadline, then snapshot what is there (DOM, screenshots, bodies, favicon, downloads).
//!
//! Wait policy: the page is done when `load` fired for the current main document, no request
//! it waits for is in flight and there was no network activity for `settle` (the recorder's
//! accounting: streams, beacons and prefetches are not waited for, and requests refused inside
//! the browser are no activity); a main document that does not reach `load` within
//! `navigation_timeout` is snapshotted as it is; every step stops at the deadline (minus a
//! reserve for the snapshots). Response bodies are read while the page settles
//! ([`BodyReader`]), and the calls made one after the other go over the tab's own connection
//! ([`Link`]). A page stuck in script is stopped with
//! `Runtime.terminateExecution` before its DOM is read again. A hung call marks the browser
//! failed so the pool replaces it; the page keeps whatever was read before.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use headless_chrome::Tab;
use headless_chrome::protocol::cdp::{Network, Page, Runtime};
use serde_json::{Value, json};

use crate::bodies::{BodyReader, PARALLEL_READS, capped};
use crate::calls::{CallError, call, method};
use crate::link::Link;
use crate::page::{
    Body, Download, MainDocument, NavKind, NavStep, PageRequest, PageResult, Resource,
    ResourceKind, Screenshot,
};
use crate::recorder::PageState;

/// Time kept back from the deadline for the snapshots.
const SNAPSHOT_RESERVE: Duration = Duration::from_secs(6);
/// Longest wait for the viewport screenshot (within the deadline). On 2 busy cores with four
/// pages at once Chromium took over 4 s to answer for an ordinary page (sample 31's
/// `login2.html`), which failed the target and recycled a healthy browser.
const SCREENSHOT_LIMIT: u64 = 12;
/// How often the wait loop looks at the page.
const POLL: Duration = Duration::from_millis(100);

/// Page text read in one evaluation: final URL, title, DOM and declared icon.
const SNAPSHOT_JS: &str = r#"JSON.stringify({
  url: location.href,
  title: document.title,
  dom: document.documentElement ? document.documentElement.outerHTML : "",
  icon: (function () {
    var l = document.querySelector('link[rel~="icon" i], link[rel="shortcut icon" i]');
    return l && l.href ? l.href : null;
  })()
})"#;

/// Run after the DOM is read, before the screenshots, so that pages alike give identical
/// screenshots: the text caret of a focused field (`autofocus`) blinks, so whether it is drawn
/// depends on the moment of the shot (samples 06/07/08, byte-identical Vodia login pages,
/// differed by a few pHash bits); it is made transparent. Whether `autofocus` has run (and drawn
/// its focus ring) by then depends on timing and window focus, so the focused element is
/// blurred. Web fonts still loading are waited for. Resolves to `true`.
const STEADY_JS: &str = r#"(async function () {
  if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
  var style = document.createElement("style");
  style.textContent = "*, *::before, *::after { caret-color: transparent !important; }";
  (document.head || document.documentElement).appendChild(style);
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  return true;
})()"#;

/// One tab's capture context.
pub(crate) struct Driver<'a> {
    /// The tab, on `headless_chrome`'s connection (network events, bodies, certificates).
    pub tab: &'a Arc<Tab>,
    /// The driver's own connection to the same tab, for the calls made one after the other.
    pub link: &'a Link,
    pub state: &'a Arc<Mutex<PageState>>,
    pub downloads_dir: &'a Path,
    /// The `User-Agent` the tab was last told to send.
    pub user_agent: &'a Mutex<Option<String>>,
    pub viewport: (u32, u32),
    /// Closes windows the page opened; returns how many.
    pub close_popups: &'a dyn Fn() -> u32,
}

impl Driver<'_> {
    /// Captures `req`; never fails (errors are in the result).
    pub fn capture(&self, req: &PageRequest) -> PageResult {
        let started = Instant::now();
        let deadline = started + req.total_timeout;
        let wait_until = deadline
            .checked_sub(SNAPSHOT_RESERVE)
            .unwrap_or(started)
            .max(started);
        let mut out = PageResult {
            final_url: req.url.clone(),
            ..PageResult::default()
        };
        self.state.lock().expect("page state").start(req.max_assets);

        if let Err(e) = self.set_user_agent(&req.user_agent) {
            return self.failed(out, e);
        }
        let navigate = method::<Page::Navigate>(json!({"url": req.url}));
        let limit = remaining(wait_until)
            .min(req.navigation_timeout)
            .max(Duration::from_secs(1));
        match self.link.call(limit, navigate) {
            Ok(answer) => {
                if let Some(text) = answer.error_text.filter(|t| !t.is_empty()) {
                    out.error = Some(format!("navigation failed: {text}"));
                }
            }
            Err(e) if e.is_timeout() => out.timed_out = true,
            Err(e) => return self.failed(out, e),
        }

        let navigated = started.elapsed();
        let mut bodies = BodyReader::new(self.tab, PARALLEL_READS);
        self.wait(req, started, wait_until, &mut bodies, &mut out);
        let settled = started.elapsed();
        self.snapshot(req, deadline, &mut bodies, &mut out);
        let shot = started.elapsed();
        self.collect(req, deadline, &mut bodies, &mut out);
        tracing::debug!(
            url = %req.url,
            navigate_ms = navigated.as_millis() as u64,
            settle_ms = (settled - navigated).as_millis() as u64,
            snapshot_ms = (shot - settled).as_millis() as u64,
            collect_ms = (started.elapsed() - shot).as_millis() as u64,
            resources = out.resources.len(),
            "page captured"
        );

        // Stop the page (timers, dialogs, hanging requests) before the tab is reused.
        let blank = method::<Page::Navigate>(json!({"url": "about:blank"}));
        if let Err(e) = self.link.call(Duration::from_secs(3), blank) {
            out.browser_failed = true;
            out.error.get_or_insert(format!("tab did not stop: {e}"));
        }
        out.popups_closed += (self.close_popups)();
        self.state.lock().expect("page state").active = false;
        self.clear_downloads();
        out
    }

    /// Sets the `User-Agent` when it differs from the one the tab already sends.
    fn set_user_agent(&self, user_agent: &str) -> Result<(), CallError> {
        let mut current = self.user_agent.lock().expect("user agent");
        if current.as_deref() == Some(user_agent) {
            return Ok(());
        }
        let ua = method::<Network::SetUserAgentOverride>(json!({"userAgent": user_agent}));
        call(self.tab, Duration::from_secs(3), ua)?;
        *current = Some(user_agent.to_owned());
        Ok(())
    }

    fn failed(&self, mut out: PageResult, e: CallError) -> PageResult {
        out.error = Some(format!("browser: {e}"));
        out.browser_failed = true;
        self.state.lock().expect("page state").active = false;
        out
    }

    /// Waits for the page to settle, a navigation timeout, or the deadline, reading the
    /// bodies of finished requests meanwhile.
    fn wait(
        &self,
        req: &PageRequest,
        started: Instant,
        until: Instant,
        bodies: &mut BodyReader,
        out: &mut PageResult,
    ) {
        let ended = loop {
            out.popups_closed += (self.close_popups)();
            let now = Instant::now();
            if now >= until {
                out.timed_out = true;
                break "deadline";
            }
            let s = self.state.lock().expect("page state");
            let quiet = s.in_flight.is_empty() && now - s.last_change >= req.settle;
            let failed_nav = s.chain.last().is_some_and(|h| h.error.is_some());
            let downloading = s.downloads.iter().any(|d| !d.done && !d.canceled);
            if !downloading && quiet && (s.loaded || failed_nav) {
                break "quiet";
            }
            let stuck = !s.loaded && now - s.last_change.max(started) >= req.navigation_timeout;
            if stuck && !downloading {
                out.timed_out = true;
                break "no load event";
            }
            let finished: Vec<String> = s
                .resources
                .iter()
                .filter(|r| r.finished && !bodies.asked(&r.request_id))
                .map(|r| r.request_id.clone())
                .collect();
            drop(s);
            for id in &finished {
                bodies.ask(id, req.max_asset_bytes);
            }
            bodies.pump(until);
            std::thread::sleep(POLL);
        };
        let s = self.state.lock().expect("page state");
        if !s.in_flight.is_empty() || ended != "quiet" {
            let pending: Vec<&str> = s.in_flight.values().take(5).map(String::as_str).collect();
            tracing::debug!(
                url = %req.url,
                ended,
                loaded = s.loaded,
                in_flight = s.in_flight.len(),
                ?pending,
                "page wait ended"
            );
        }
    }

    /// Reads DOM, title, final URL and screenshots (body reads go on meanwhile).
    fn snapshot(
        &self,
        req: &PageRequest,
        deadline: Instant,
        bodies: &mut BodyReader,
        out: &mut PageResult,
    ) {
        let page = match self.evaluate(SNAPSHOT_JS, false, budget(deadline, 3)) {
            Ok(v) => Ok(v),
            Err(e) if e.is_timeout() => {
                // A page stuck in script: stop it, then read again.
                let stop = Runtime::TerminateExecution(None);
                let _ = self.link.call(budget(deadline, 2), stop);
                self.evaluate(SNAPSHOT_JS, false, budget(deadline, 2))
            }
            Err(e) => Err(e),
        };
        match page.map(|v| {
            v.as_str()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
        }) {
            Ok(Some(v)) => {
                let text = |k: &str| v[k].as_str().map(str::to_owned);
                out.final_url = text("url").unwrap_or_else(|| out.final_url.clone());
                out.title = text("title");
                out.dom = text("dom");
                if let Some(icon) = text("icon") {
                    out.favicon = Some(icon_resource(&icon));
                }
            }
            Ok(None) => {
                out.error.get_or_insert("page text unreadable".to_owned());
            }
            Err(e) => {
                out.browser_failed |= e.is_timeout();
                out.error.get_or_insert(format!("page not readable: {e}"));
            }
        }

        bodies.pump(deadline);

        // Best effort: a page that refuses (no DOM, script stopped) is shot as it is.
        let _ = self.evaluate(STEADY_JS, true, budget(deadline, 2));
        let (width, height) = self.viewport;
        match self.screenshot(None, budget(deadline, SCREENSHOT_LIMIT)) {
            Ok(png) => {
                out.screenshot = Some(Screenshot { png, width, height });
                bodies.pump(deadline);
            }
            Err(e) => {
                out.browser_failed |= e.is_timeout();
                out.error.get_or_insert(format!("no screenshot: {e}"));
                return;
            }
        }
        let Some(cap) = req.full_page_max_height else {
            return;
        };
        let metrics = self
            .link
            .call(budget(deadline, 2), Page::GetLayoutMetrics(None));
        let Ok(metrics) = metrics else { return };
        let full = (metrics.css_content_size.height.ceil() as u32).min(cap);
        if full <= height {
            return;
        }
        let clip = json!({"x": 0, "y": 0, "width": width, "height": full, "scale": 1});
        if let Ok(png) = self.screenshot(Some(clip), budget(deadline, 6)) {
            out.full_page = Some(Screenshot {
                png,
                width,
                height: full,
            });
        }
    }

    fn screenshot(&self, clip: Option<Value>, limit: Duration) -> Result<Vec<u8>, CallError> {
        // Fast PNG encoding: larger files, the same pixels (hashes are taken from pixels).
        let mut params = json!({"format": "png", "fromSurface": true, "optimizeForSpeed": true});
        if let Some(clip) = clip {
            params["clip"] = clip;
            params["captureBeyondViewport"] = json!(true);
        }
        let shot = self
            .link
            .call(limit, method::<Page::CaptureScreenshot>(params))?;
        base64::engine::general_purpose::STANDARD
            .decode(shot.data)
            .map_err(|e| CallError::Protocol {
                method: "Page.captureScreenshot",
                message: e.to_string(),
            })
    }

    fn evaluate(&self, js: &str, await_promise: bool, limit: Duration) -> Result<Value, CallError> {
        let params =
            json!({"expression": js, "returnByValue": true, "awaitPromise": await_promise});
        let answer = self.link.call(limit, method::<Runtime::Evaluate>(params))?;
        if let Some(ex) = answer.exception_details {
            let message = ex.exception.and_then(|e| e.description).unwrap_or(ex.text);
            return Err(CallError::Protocol {
                method: "Runtime.evaluate",
                message,
            });
        }
        Ok(answer.result.value.unwrap_or(Value::Null))
    }

    /// Chain, main document, bodies, favicon, downloads, refusals.
    fn collect(
        &self,
        req: &PageRequest,
        deadline: Instant,
        bodies: &mut BodyReader,
        out: &mut PageResult,
    ) {
        let (chain, last, headers, records, blocked, websockets, dialogs, downloads) = {
            let s = self.state.lock().expect("page state");
            (
                s.chain.clone(),
                s.last_document.clone(),
                s.document_headers(),
                s.resources.clone(),
                s.blocked.clone(),
                s.websockets.clone(),
                s.dialogs,
                s.downloads.clone(),
            )
        };
        out.chain = chain;
        if out.chain.is_empty() {
            let error = out.error.clone();
            out.chain.push(NavStep {
                url: req.url.clone(),
                kind: NavKind::Initial,
                status: None,
                ip: None,
                error,
            });
        }
        for step in &mut out.chain {
            if let Some((_, reason)) = blocked.iter().find(|(u, _)| *u == step.url) {
                step.error = Some(reason.clone());
            }
        }
        out.blocked = blocked;
        out.websockets = websockets;
        out.dialogs = dialogs;

        // Every finished request's body, read in parallel (most were read while waiting).
        if let Some((id, _)) = &last {
            bodies.ask(id, req.max_body_bytes);
        }
        for r in records.iter().filter(|r| r.finished) {
            bodies.ask(&r.request_id, req.max_asset_bytes);
        }
        bodies.finish(deadline);

        if let Some((id, doc)) = last {
            let body = bodies.take(&id);
            let certificate = self.certificate(&doc.url, deadline);
            out.main = Some(MainDocument {
                secure: certificate.as_ref().map(|_| doc.secure),
                url: doc.url,
                status: doc.status,
                headers,
                mime_type: doc.mime_type,
                ip: doc.ip,
                body,
                certificate,
            });
        }

        for r in records {
            let body = bodies.take(&r.request_id);
            let error = match (&r.error, r.finished || r.status.is_some()) {
                (Some(e), _) => Some(e.clone()),
                (None, false) => Some("not finished when the page was captured".to_owned()),
                (None, true) => None,
            };
            let error = out
                .blocked
                .iter()
                .find(|(u, _)| *u == r.url)
                .map(|(_, b)| b.clone())
                .or(error);
            out.resources.push(Resource {
                url: r.url,
                kind: r.kind,
                status: r.status,
                content_type: r.content_type,
                body,
                error,
            });
        }
        self.favicon(req, deadline, out);
        out.downloads = downloads
            .iter()
            .map(|d| self.download(d, req.max_body_bytes))
            .collect();
    }

    /// The leaf certificate (DER) served for an `https` URL's origin, when Chromium has it.
    fn certificate(&self, url: &str, deadline: Instant) -> Option<Vec<u8>> {
        let url = url::Url::parse(url)
            .ok()
            .filter(|u| u.scheme() == "https")?;
        let origin = url.origin().ascii_serialization();
        let get = method::<Network::GetCertificate>(json!({"origin": origin}));
        let answer = call(self.tab, budget(deadline, 2), get).ok()?;
        let leaf = answer.table_names.first()?;
        base64::engine::general_purpose::STANDARD.decode(leaf).ok()
    }

    /// The declared icon (or `/favicon.ico`): from the page's own requests, else fetched in
    /// the page (through the same request policy).
    fn favicon(&self, req: &PageRequest, deadline: Instant, out: &mut PageResult) {
        // The page's own requests are recorded; Trawl's icon fetch is not one of them.
        self.state.lock().expect("page state").active = false;
        let declared = out.favicon.take().map(|f| f.url);
        let url = declared.or_else(|| default_icon(&out.final_url));
        let Some(url) = url else { return };
        if let Some(seen) = out
            .resources
            .iter()
            .find(|r| r.url == url && r.body.is_some())
        {
            out.favicon = Some(seen.clone());
            return;
        }
        let mut icon = icon_resource(&url);
        let js = format!("{FETCH_ICON_JS}({})", json!(url));
        match self.evaluate(&js, true, budget(deadline, 3)) {
            Ok(v) => {
                icon.status = v["status"].as_u64().and_then(|s| u16::try_from(s).ok());
                icon.content_type = v["type"].as_str().map(str::to_owned);
                let b64 = v["b64"].as_str().unwrap_or_default();
                icon.body = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .ok()
                    .map(|b| capped(b, req.max_asset_bytes));
            }
            Err(e) => icon.error = Some(e.to_string()),
        }
        out.favicon = Some(icon);
    }

    fn download(&self, d: &crate::recorder::DownloadRecord, cap: usize) -> Download {
        let mut out = Download {
            url: d.url.clone(),
            suggested_name: d.suggested_name.clone(),
            body: None,
            error: None,
        };
        if !d.done {
            out.error = Some(
                if d.canceled {
                    "download canceled"
                } else {
                    "download unfinished"
                }
                .to_owned(),
            );
            return out;
        }
        match read_capped(&self.downloads_dir.join(&d.suggested_name), cap) {
            Ok(body) => out.body = Some(body),
            Err(e) => out.error = Some(format!("download not readable: {e}")),
        }
        out
    }

    fn clear_downloads(&self) {
        if let Ok(entries) = std::fs::read_dir(self.downloads_dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Fetches an icon from inside the page, at most 1 MiB, as base64.
const FETCH_ICON_JS: &str = r#"(async function (u) {
  const r = await fetch(u, {credentials: "include"});
  const buf = new Uint8Array(await r.arrayBuffer()).subarray(0, 1048576);
  let bin = "";
  for (let i = 0; i < buf.length; i += 8192) {
    bin += String.fromCharCode.apply(null, buf.subarray(i, i + 8192));
  }
  return {status: r.status, type: r.headers.get("content-type"), b64: btoa(bin)};
})"#;

fn icon_resource(url: &str) -> Resource {
    Resource {
        url: url.to_owned(),
        kind: ResourceKind::Image,
        status: None,
        content_type: None,
        body: None,
        error: None,
    }
}

fn default_icon(page: &str) -> Option<String> {
    let url = url::Url::parse(page).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.join("/favicon.ico").ok())?
        .map(String::from)
}

fn read_capped(path: &Path, cap: usize) -> std::io::Result<Body> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path)?;
    file.take(cap as u64 + 1).read_to_end(&mut bytes)?;
    Ok(capped(bytes, cap))
}

fn remaining(until: Instant) -> Duration {
    until.saturating_duration_since(Instant::now())
}

/// At most `secs` seconds, and never past the deadline (but at least 200 ms to answer).
fn budget(deadline: Instant, secs: u64) -> Duration {
    remaining(deadline)
        .min(Duration::from_secs(secs))
        .max(Duration::from_millis(200))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_icon_is_at_the_origin_root_for_web_pages_only() {
        assert_eq!(
            default_icon("http://a.test:8080/x/y?z").as_deref(),
            Some("http://a.test:8080/favicon.ico")
        );
        assert_eq!(default_icon("about:blank"), None);
        assert_eq!(default_icon("chrome-error://chromewebdata/"), None);
    }
}
