//! What one tab observes while a page loads: CDP events folded into a [`PageState`].
//!
//! The listener runs on headless_chrome's per-tab event thread. It only records, except for
//! one answer that cannot wait for the capture thread: JavaScript dialogs are accepted at
//! once (an open dialog blocks the page's main thread and every later CDP call that needs
//! it). Paused requests are answered elsewhere (`intercept`), which records refusals here.
//! Events for a page that is no longer being captured are dropped (`active` is false).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Network::{self, ResourceType};
use headless_chrome::protocol::cdp::Page::{ClientNavigationReason, HandleJavaScriptDialog};
use headless_chrome::protocol::cdp::types::Event;

use crate::page::{NavKind, NavStep, ResourceKind};

/// A sub-resource seen on the network.
#[derive(Debug, Clone)]
pub(crate) struct ResourceRecord {
    pub request_id: String,
    pub url: String,
    pub kind: ResourceKind,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub finished: bool,
    pub error: Option<String>,
}

/// The main-frame response of one document request.
#[derive(Debug, Clone)]
pub(crate) struct DocResponse {
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub mime_type: String,
    pub ip: Option<String>,
    /// Chromium's security state of the response is `secure`.
    pub secure: bool,
}

/// A download the page started.
#[derive(Debug, Clone)]
pub(crate) struct DownloadRecord {
    pub guid: String,
    pub url: String,
    pub suggested_name: String,
    pub done: bool,
    pub canceled: bool,
}

/// Everything recorded about the page being captured.
#[derive(Debug)]
pub(crate) struct PageState {
    /// Events are recorded only while true.
    pub active: bool,
    /// Sub-resources recorded at most.
    pub max_resources: usize,
    pub main_frame: String,
    pub chain: Vec<NavStep>,
    chain_index: HashMap<String, usize>,
    requested: Vec<(String, ClientNavigationReason)>,
    /// Request id of the last main document that got a response, and that response.
    pub last_document: Option<(String, DocResponse)>,
    raw_headers: HashMap<String, String>,
    pub resources: Vec<ResourceRecord>,
    resource_index: HashMap<String, usize>,
    /// Requests the page waits for, started and not yet finished or failed: request id and
    /// URL. Long-lived kinds (see [`holds_the_page`]) are recorded but not waited for.
    pub in_flight: HashMap<String, String>,
    /// Last network activity: a document request started, a request the page waits for
    /// finished or failed on the network, or `load` fired. Requests refused before they left
    /// the browser (the policy, CSP, mixed content) are no activity.
    pub last_change: Instant,
    /// `load` fired for the current document.
    pub loaded: bool,
    pub blocked: Vec<(String, String)>,
    /// WebSockets the page opened (they are not paused for the policy), capped like resources.
    pub websockets: Vec<String>,
    pub dialogs: u32,
    pub downloads: Vec<DownloadRecord>,
}

impl PageState {
    /// A state for a page in frame `main_frame`, recording nothing until activated.
    pub fn new(main_frame: &str) -> Self {
        PageState {
            active: false,
            max_resources: 100,
            main_frame: main_frame.to_owned(),
            chain: Vec::new(),
            chain_index: HashMap::new(),
            requested: Vec::new(),
            last_document: None,
            raw_headers: HashMap::new(),
            resources: Vec::new(),
            resource_index: HashMap::new(),
            in_flight: HashMap::new(),
            last_change: Instant::now(),
            loaded: false,
            blocked: Vec::new(),
            websockets: Vec::new(),
            dialogs: 0,
            downloads: Vec::new(),
        }
    }

    /// Forgets the previous page and starts recording a new one.
    pub fn start(&mut self, max_resources: usize) {
        let frame = std::mem::take(&mut self.main_frame);
        *self = PageState::new(&frame);
        self.max_resources = max_resources;
        self.active = true;
    }

    /// Folds one event in.
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::NetworkRequestWillBeSent(ev) => self.request(&ev.params),
            Event::NetworkResponseReceived(ev) => self.response(&ev.params),
            Event::NetworkResponseReceivedExtraInfo(ev) => {
                if let Some(text) = &ev.params.headers_text {
                    self.raw_headers
                        .insert(ev.params.request_id.clone(), text.clone());
                }
            }
            Event::NetworkLoadingFinished(ev) => {
                let id = &ev.params.request_id;
                self.settled(id, true);
                if let Some(&i) = self.resource_index.get(id) {
                    self.resources[i].finished = true;
                }
            }
            Event::NetworkLoadingFailed(ev) => {
                let id = ev.params.request_id.clone();
                let refused = ev.params.blocked_reason.is_some()
                    || ev.params.error_text.contains("ERR_BLOCKED_BY_CLIENT");
                self.settled(&id, !refused);
                let text = ev.params.error_text.clone();
                if let Some(&i) = self.chain_index.get(&id) {
                    self.chain[i].error.get_or_insert(text.clone());
                }
                if let Some(&i) = self.resource_index.get(&id) {
                    self.resources[i].error.get_or_insert(text);
                }
            }
            Event::PageFrameRequestedNavigation(ev) if ev.params.frame_id == self.main_frame => {
                let p = &ev.params;
                self.requested.push((p.url.clone(), p.reason.clone()));
                // Chromium refuses top-level data: navigations without a network request.
                if p.url.starts_with("data:") {
                    let kind = NavKind::Data;
                    self.chain.push(step(&p.url, kind));
                }
            }
            Event::NetworkWebSocketCreated(ev) => {
                if self.websockets.len() < self.max_resources {
                    self.websockets.push(ev.params.url.clone());
                }
            }
            Event::PageLoadEventFired(_) => {
                self.loaded = true;
                self.last_change = Instant::now();
            }
            Event::PageDownloadWillBegin(ev) => self.downloads.push(DownloadRecord {
                guid: ev.params.guid.clone(),
                url: ev.params.url.clone(),
                suggested_name: ev.params.suggested_filename.clone(),
                done: false,
                canceled: false,
            }),
            Event::PageDownloadProgress(ev) => {
                use headless_chrome::protocol::cdp::Page::DownloadProgressEventStateOption as S;
                let p = &ev.params;
                if let Some(d) = self.downloads.iter_mut().find(|d| d.guid == p.guid) {
                    d.done = p.state == S::Completed;
                    d.canceled = p.state == S::Canceled;
                }
            }
            _ => {}
        }
    }

    /// A request ended; `network` when it went out (rather than being refused in the browser).
    fn settled(&mut self, id: &str, network: bool) {
        if self.in_flight.remove(id).is_some() && network {
            self.last_change = Instant::now();
        }
    }

    fn request(&mut self, p: &Network::events::RequestWillBeSentEventParams) {
        let id = p.request_id.clone();
        let url = p.request.url.clone();
        let main = p.Type == Some(ResourceType::Document)
            && p.frame_id.as_deref() == Some(self.main_frame.as_str());
        if main {
            if let Some(previous) = &p.redirect_response
                && let Some(&i) = self.chain_index.get(&id)
            {
                self.chain[i].status = u16::try_from(previous.status).ok();
                self.chain[i].ip = previous.remote_ip_address.clone();
            }
            let kind = match (&p.redirect_response, self.chain.is_empty()) {
                (Some(_), _) => NavKind::Http,
                (None, true) => NavKind::Initial,
                (None, false) => self.kind_of(&url),
            };
            self.chain_index.insert(id.clone(), self.chain.len());
            self.chain.push(step(&url, kind));
            self.loaded = false;
            self.last_change = Instant::now();
            self.in_flight.insert(id, url);
            return;
        }
        if url.starts_with("data:") || url.starts_with("blob:") {
            return;
        }
        if holds_the_page(p.Type.as_ref()) {
            self.in_flight.insert(id.clone(), url.clone());
        }
        if let Some(previous) = &p.redirect_response
            && let Some(&i) = self.resource_index.get(&id)
        {
            self.resources[i].status = u16::try_from(previous.status).ok();
        }
        if self.resources.len() >= self.max_resources {
            return;
        }
        self.resource_index.insert(id.clone(), self.resources.len());
        self.resources.push(ResourceRecord {
            request_id: id,
            url,
            kind: resource_kind(p.Type.as_ref()),
            status: None,
            content_type: None,
            finished: false,
            error: None,
        });
    }

    /// How the page itself started a navigation to `url`.
    fn kind_of(&self, url: &str) -> NavKind {
        let reason = self
            .requested
            .iter()
            .rev()
            .find(|(u, _)| u == url)
            .map(|(_, r)| r);
        match reason {
            Some(
                ClientNavigationReason::MetaTagRefresh | ClientNavigationReason::HttpHeaderRefresh,
            ) => NavKind::MetaRefresh,
            _ => NavKind::Script,
        }
    }

    fn response(&mut self, p: &Network::events::ResponseReceivedEventParams) {
        let r = &p.response;
        let status = u16::try_from(r.status).ok();
        if let Some(&i) = self.chain_index.get(&p.request_id) {
            self.chain[i].status = status;
            self.chain[i].ip = r.remote_ip_address.clone();
            let doc = DocResponse {
                url: r.url.clone(),
                status: status.unwrap_or(0),
                headers: object_headers(&r.headers),
                mime_type: r.mime_type.clone(),
                ip: r.remote_ip_address.clone(),
                secure: r.security_state
                    == headless_chrome::protocol::cdp::Security::SecurityState::Secure,
            };
            self.last_document = Some((p.request_id.clone(), doc));
        }
        if let Some(&i) = self.resource_index.get(&p.request_id) {
            let res = &mut self.resources[i];
            res.status = status;
            res.content_type = object_headers(&r.headers)
                .into_iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v);
        }
    }

    /// The main document's headers: raw text (server order and spelling) when Chromium had
    /// it, else the CDP object.
    pub fn document_headers(&self) -> Vec<(String, String)> {
        let Some((id, doc)) = &self.last_document else {
            return Vec::new();
        };
        match self.raw_headers.get(id) {
            Some(text) => parse_headers_text(text),
            None => doc.headers.clone(),
        }
    }
}

fn step(url: &str, kind: NavKind) -> NavStep {
    NavStep {
        url: url.to_owned(),
        kind,
        status: None,
        ip: None,
        error: None,
    }
}

/// Whether the page is not settled while a request of this kind is in flight. Streams
/// (`EventSource`, WebSocket, media), beacons, reports and prefetches may stay open or
/// unanswered for as long as the page lives; a browser does not wait for them either.
fn holds_the_page(kind: Option<&ResourceType>) -> bool {
    !matches!(
        kind,
        Some(
            ResourceType::EventSource
                | ResourceType::WebSocket
                | ResourceType::Media
                | ResourceType::Ping
                | ResourceType::CspViolationReport
                | ResourceType::Prefetch
        )
    )
}

fn resource_kind(kind: Option<&ResourceType>) -> ResourceKind {
    match kind {
        Some(ResourceType::Script) => ResourceKind::Script,
        Some(ResourceType::Stylesheet) => ResourceKind::Stylesheet,
        Some(ResourceType::Image) => ResourceKind::Image,
        Some(ResourceType::Font) => ResourceKind::Font,
        _ => ResourceKind::Other,
    }
}

/// Headers from CDP's JSON object (one entry per name; repeated headers joined by `\n`).
fn object_headers(headers: &Network::Headers) -> Vec<(String, String)> {
    let Some(serde_json::Value::Object(map)) = &headers.0 else {
        return Vec::new();
    };
    map.iter()
        .flat_map(|(name, value)| {
            let text = value.as_str().unwrap_or_default();
            text.split('\n')
                .map(|v| (name.clone(), v.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Header lines of a raw HTTP/1.x response head (status line skipped).
pub(crate) fn parse_headers_text(text: &str) -> Vec<(String, String)> {
    text.split("\r\n")
        .flat_map(|l| l.split('\n'))
        .skip(1)
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// The tab's event listener: records into `state`, accepts dialogs on `tab`.
pub(crate) fn listener(
    state: Arc<Mutex<PageState>>,
    tab: Weak<Tab>,
) -> impl Fn(&Event) + Send + Sync + 'static {
    move |event: &Event| {
        if let Event::PageJavascriptDialogOpening(ev) = event {
            if let Ok(mut s) = state.lock() {
                s.dialogs += 1;
            }
            // Accept everything (a beforeunload "leave", a prompt's default answer).
            if let Some(tab) = tab.upgrade() {
                let answer = HandleJavaScriptDialog {
                    accept: true,
                    prompt_text: ev.params.default_prompt.clone(),
                };
                let _ = tab.call_method(answer);
            }
            return;
        }
        let Ok(mut s) = state.lock() else { return };
        if s.active {
            s.record(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_header_text_keeps_order_case_and_repeats() {
        let text = "HTTP/1.1 200 OK\r\nServer: lab\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\
                    X-Odd:  spaced value \r\n\r\n";
        assert_eq!(
            parse_headers_text(text),
            [
                ("Server".to_owned(), "lab".to_owned()),
                ("Set-Cookie".to_owned(), "a=1".to_owned()),
                ("set-cookie".to_owned(), "b=2".to_owned()),
                ("X-Odd".to_owned(), "spaced value".to_owned()),
            ]
        );
    }

    #[test]
    fn object_headers_split_repeated_values() {
        let headers = Network::Headers(Some(serde_json::json!({"Set-Cookie": "a=1\nb=2"})));
        assert_eq!(object_headers(&headers).len(), 2);
        assert!(object_headers(&Network::Headers(None)).is_empty());
    }

    fn event(method: &str, params: serde_json::Value) -> Event {
        let event = serde_json::json!({"method": method, "params": params});
        serde_json::from_value(event).expect("a valid CDP event")
    }

    fn sent(id: &str, url: &str, kind: &str) -> Event {
        let request = serde_json::json!({
            "url": url, "method": "GET", "headers": {},
            "initialPriority": "High", "referrerPolicy": "no-referrer"
        });
        event(
            "Network.requestWillBeSent",
            serde_json::json!({
                "requestId": id, "loaderId": "L", "documentURL": "http://a.test/",
                "request": request, "timestamp": 1.0, "wallTime": 1.0,
                "initiator": {"type": "other"}, "redirectHasExtraInfo": false,
                "type": kind, "frameId": "F"
            }),
        )
    }

    fn failed(id: &str, error: &str) -> Event {
        let params = serde_json::json!({
            "requestId": id, "timestamp": 2.0, "type": "Script", "errorText": error
        });
        event("Network.loadingFailed", params)
    }

    fn finished(id: &str) -> Event {
        let params = serde_json::json!({"requestId": id, "timestamp": 2.0, "encodedDataLength": 9});
        event("Network.loadingFinished", params)
    }

    /// A page being recorded whose last network activity was long ago.
    fn quiet_page() -> (PageState, Instant) {
        let mut state = PageState::new("F");
        state.start(10);
        let long_ago = Instant::now() - std::time::Duration::from_secs(60);
        state.last_change = long_ago;
        (state, long_ago)
    }

    /// Regression: sub-resources refused by the policy (sample 01 retries its refused beacon
    /// with a growing delay) kept restarting the quiet period, so the page never settled early.
    #[test]
    fn requests_refused_in_the_browser_are_no_network_activity() {
        let (mut state, long_ago) = quiet_page();
        state.record(&sent("1", "http://outside.test/log", "XHR"));
        assert_eq!(state.in_flight.len(), 1, "waited for until it is decided");
        state.record(&failed("1", "net::ERR_BLOCKED_BY_CLIENT"));
        assert!(state.in_flight.is_empty());
        assert_eq!(state.last_change, long_ago);
        assert_eq!(
            state.resources[0].error.as_deref(),
            Some("net::ERR_BLOCKED_BY_CLIENT")
        );

        state.record(&sent("2", "http://a.test/app.js", "Script"));
        state.record(&failed("2", "net::ERR_CONNECTION_RESET"));
        assert!(
            state.last_change > long_ago,
            "a network failure is activity"
        );
        let (mut state, long_ago) = quiet_page();
        state.record(&sent("3", "http://a.test/app.js", "Script"));
        state.record(&finished("3"));
        assert!(state.in_flight.is_empty() && state.last_change > long_ago);
        assert!(state.resources[0].finished);
    }

    #[test]
    fn long_lived_requests_are_recorded_but_not_waited_for() {
        let (mut state, long_ago) = quiet_page();
        state.record(&sent("1", "http://a.test/events", "EventSource"));
        state.record(&sent("2", "http://a.test/ping", "Ping"));
        state.record(&sent("3", "http://a.test/clip.mp4", "Media"));
        assert!(state.in_flight.is_empty(), "{:?}", state.in_flight);
        assert_eq!(state.last_change, long_ago);
        assert_eq!(state.resources.len(), 3);

        state.record(&sent("4", "http://a.test/poll", "XHR"));
        assert_eq!(state.in_flight.len(), 1);
    }

    #[test]
    fn a_new_page_forgets_the_previous_one() {
        let mut state = PageState::new("F");
        state.blocked.push(("u".into(), "r".into()));
        state.dialogs = 3;
        state.start(7);
        assert!(state.active && state.blocked.is_empty() && state.dialogs == 0);
        assert_eq!((state.main_frame.as_str(), state.max_resources), ("F", 7));
    }
}
