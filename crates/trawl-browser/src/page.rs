//! The plain data exchanged with the browser pool: what to capture ([`PageRequest`]) and what
//! the browser saw ([`PageResult`]).
//!
//! Nothing here knows about CDP: callers (trawl-core's full capturer) turn a [`PageResult`]
//! into their own capture record, store the bodies and compute fingerprints. The destination
//! policy is the caller's too, behind [`RequestPolicy`].

use std::sync::Arc;
use std::time::Duration;

/// Decides whether the browser may make a request (the caller's destination guard).
pub trait RequestPolicy: Send + Sync {
    /// `Ok(())` to let `url` through, or the reason it is refused.
    fn check(&self, url: &str) -> Result<(), String>;
}

/// A policy letting everything through (tests against loopback only).
pub struct AllowAll;

impl RequestPolicy for AllowAll {
    fn check(&self, _url: &str) -> Result<(), String> {
        Ok(())
    }
}

/// One page to capture, with its limits.
#[derive(Clone)]
pub struct PageRequest {
    /// The URL to open.
    pub url: String,
    /// Bound on the whole page, snapshots included.
    pub total_timeout: Duration,
    /// How long to wait for the `load` event before snapshotting what is there.
    pub navigation_timeout: Duration,
    /// Quiet time (no new document, no request in flight) that ends the wait after `load`.
    pub settle: Duration,
    /// Take a full-page screenshot too, up to this many CSS pixels tall; `None` skips it.
    pub full_page_max_height: Option<u32>,
    /// Cap on the main document's body and on a download.
    pub max_body_bytes: usize,
    /// Cap on each sub-resource body.
    pub max_asset_bytes: usize,
    /// Sub-resources recorded per page.
    pub max_assets: usize,
    /// `User-Agent` sent.
    pub user_agent: String,
    /// Which requests may leave the browser.
    pub policy: Arc<dyn RequestPolicy>,
}

impl PageRequest {
    /// A request for `url` with the defaults Trawl uses (30 s total, 10 s to `load`, 1 s
    /// settle, full page up to 8,000 px, 5 MB documents, 2 MB assets, 100 assets).
    pub fn new(url: &str, policy: Arc<dyn RequestPolicy>) -> Self {
        PageRequest {
            url: url.to_owned(),
            total_timeout: Duration::from_secs(30),
            navigation_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(1000),
            full_page_max_height: Some(8000),
            max_body_bytes: 5 * 1024 * 1024,
            max_asset_bytes: 2 * 1024 * 1024,
            max_assets: 100,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            policy,
        }
    }
}

/// The user agent of a current desktop Chrome on Windows (the browser's own says "Headless").
pub const DEFAULT_USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
    AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

/// How a main-frame navigation step was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavKind {
    /// The requested URL.
    Initial,
    /// An HTTP 3xx.
    Http,
    /// A `<meta http-equiv="refresh">` (or a `Refresh` header).
    MetaRefresh,
    /// Script, or anything else the page started by itself.
    Script,
    /// A navigation to a `data:` URL (Chromium refuses top-level ones; recorded, not loaded).
    Data,
}

/// One step of the main frame's navigation.
#[derive(Debug, Clone, PartialEq)]
pub struct NavStep {
    /// The URL requested.
    pub url: String,
    /// How it was reached.
    pub kind: NavKind,
    /// Status of its response, when one arrived.
    pub status: Option<u16>,
    /// Address of the server that answered.
    pub ip: Option<String>,
    /// Why it failed (net error or refusal).
    pub error: Option<String>,
}

/// What a sub-resource is used as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Script.
    Script,
    /// Stylesheet.
    Stylesheet,
    /// Image.
    Image,
    /// Font.
    Font,
    /// A document (frames) or anything else.
    Other,
}

/// A response body read from the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The bytes, cut at the cap.
    pub bytes: Vec<u8>,
    /// Longer than the cap.
    pub truncated: bool,
}

/// The main document that answered last.
#[derive(Debug, Clone, PartialEq)]
pub struct MainDocument {
    /// Its URL.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// Headers in server order and spelling when Chromium had the raw text, else as CDP
    /// lists them.
    pub headers: Vec<(String, String)>,
    /// `mimeType` as Chromium saw it.
    pub mime_type: String,
    /// Server address.
    pub ip: Option<String>,
    /// The body as received.
    pub body: Option<Body>,
    /// Leaf certificate (DER) of an `https` document, as Chromium got it. Certificate errors
    /// are ignored by the browser, so this may be an invalid one.
    pub certificate: Option<Vec<u8>>,
    /// Chromium's verdict on the connection (`securityState == "secure"`); `None` when it
    /// gave none (plain HTTP says "insecure" too, so read it only with a certificate).
    pub secure: Option<bool>,
}

/// One sub-resource the page loaded (or tried to).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Its URL.
    pub url: String,
    /// What it is.
    pub kind: ResourceKind,
    /// HTTP status.
    pub status: Option<u16>,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// The body, when Chromium kept it.
    pub body: Option<Body>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A file the page made the browser download.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    /// Where it came from.
    pub url: String,
    /// The name the server suggested.
    pub suggested_name: String,
    /// Its bytes (never opened), when it completed in time.
    pub body: Option<Body>,
    /// Why it is incomplete.
    pub error: Option<String>,
}

/// A PNG screenshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Everything the browser saw of one page. Failures are data (`error`, step errors).
#[derive(Debug, Clone, Default)]
pub struct PageResult {
    /// Main-frame navigation, the requested URL first.
    pub chain: Vec<NavStep>,
    /// The URL shown at the end.
    pub final_url: String,
    /// The last main document that answered.
    pub main: Option<MainDocument>,
    /// `document.documentElement.outerHTML` at the end.
    pub dom: Option<String>,
    /// `document.title` at the end.
    pub title: Option<String>,
    /// Sub-resources in request order.
    pub resources: Vec<Resource>,
    /// The icon the page declares (or `/favicon.ico`) with its body when it could be read.
    pub favicon: Option<Resource>,
    /// The 1366×768 viewport.
    pub screenshot: Option<Screenshot>,
    /// The whole page up to the height cap.
    pub full_page: Option<Screenshot>,
    /// Downloads the page started.
    pub downloads: Vec<Download>,
    /// Requests refused by the policy: URL and reason.
    pub blocked: Vec<(String, String)>,
    /// WebSocket URLs the page opened (`ws:`, `wss:`), in order. The policy never sees them:
    /// the browser's proxy decides.
    pub websockets: Vec<String>,
    /// JavaScript dialogs answered.
    pub dialogs: u32,
    /// Popup windows closed.
    pub popups_closed: u32,
    /// The page was cut at a deadline (whatever was rendered is kept).
    pub timed_out: bool,
    /// Why the capture failed or is incomplete.
    pub error: Option<String>,
    /// The browser misbehaved (protocol error, hang, crash): the pool recycles it.
    pub browser_failed: bool,
}
