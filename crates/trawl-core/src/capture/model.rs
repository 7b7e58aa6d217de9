//! The capture record both capturers (fast HTTP and full browser) fill.
//!
//! These are raw observations only: what was requested, what answered, what came back. Hashes
//! and other fingerprints are computed by a later pipeline stage from these fields and the
//! blobs they reference. Every type here serialises with serde so captures can be stored as
//! JSON and sent to the UI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::blobs::BlobRef;

/// Which capturer produced a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMode {
    /// HTTP only, no script execution.
    Fast,
    /// Headless Chromium.
    Full,
}

/// How a hop of the redirect chain was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    /// The requested URL.
    Initial,
    /// An HTTP 3xx response's `Location`.
    Http,
    /// A `<meta http-equiv="refresh">`.
    MetaRefresh,
    /// A script assigning or replacing the location.
    Script,
    /// A `data:` URL target: recorded (its payload decoded into `body`), never fetched.
    Data,
}

/// One step of the navigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    /// The URL of this step, fragment included. `data:` URLs are shortened (see `body`).
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// How this step was reached.
    pub kind: HopKind,
    /// The address connected to.
    pub ip: Option<String>,
    /// Why this step failed or was refused.
    pub error: Option<String>,
    /// The document body of this step, when it was read (non-3xx responses, decoded `data:`
    /// payloads). The final document's body is also in [`Capture::html`].
    #[serde(default)]
    pub body: Option<FetchedBody>,
}

/// Name resolution of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsInfo {
    /// The host as it appears in the URL (lower-case, IDNA ASCII).
    pub host: String,
    /// Addresses in the order the resolver gave them.
    pub addresses: Vec<String>,
    /// CNAME targets followed from `host` to the addresses, in order.
    pub cname_chain: Vec<String>,
    /// `"resolver-map"`, `"system"` or `"ip-literal"`.
    pub source: String,
}

/// The leaf certificate of an HTTPS response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsCertInfo {
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS names and IP addresses from the subjectAltName extension.
    pub sans: Vec<String>,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Lower-case hex SHA-256 of the DER certificate.
    pub sha256: String,
    /// No problems found.
    pub valid: bool,
    /// `"expired"`, `"not yet valid"`, `"self-signed"`, `"hostname mismatch"`,
    /// `"untrusted issuer"`.
    pub problems: Vec<String>,
}

/// A response body stored in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedBody {
    /// The stored bytes (after content decoding, up to the size cap).
    pub blob: BlobRef,
    /// Bytes stored.
    pub size: u64,
    /// The body was longer than the cap (or broke off) and was cut.
    pub truncated: bool,
    /// The response's `Content-Type` header as sent.
    pub content_type: Option<String>,
}

/// What a page asset is used as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    /// Script.
    Js,
    /// Stylesheet.
    Css,
    /// Image (including icons).
    Image,
    /// Web font.
    Font,
    /// Anything else referenced by the page.
    Other,
    /// Served as an attachment, or a non-HTML main document.
    Download,
}

/// A sub-resource of the final page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedAsset {
    /// Absolute URL (fragment removed).
    pub url: String,
    /// What the page uses it as.
    pub asset_type: AssetType,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The body, when fetched (and, for the favicon, only when it is an image).
    pub body: Option<FetchedBody>,
    /// Why it failed or was refused.
    pub error: Option<String>,
}

/// A request the destination guard (or the sealed lab resolver) refused to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedRequest {
    /// The URL that was not requested.
    pub url: String,
    /// Why, in words an analyst can act on.
    pub reason: String,
}

/// Screenshots of a full capture, stored in the blob store as PNG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenshotInfo {
    /// The viewport.
    pub blob: BlobRef,
    /// Viewport width in pixels.
    pub width: u32,
    /// Viewport height in pixels.
    pub height: u32,
    /// The whole page up to the height cap, when taller than the viewport.
    pub full_page_blob: Option<BlobRef>,
    /// Height of the full-page shot.
    pub full_page_height: Option<u32>,
}

/// Everything one capture observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// Which capturer produced it.
    pub mode: CaptureMode,
    /// The URL asked for.
    pub requested_url: String,
    /// The URL of the last document that answered (whose headers and body are recorded here).
    pub final_url: String,
    /// The final URL's fragment, carried across redirects as browsers do.
    pub fragment: Option<String>,
    /// Every navigation step, the requested URL first.
    pub chain: Vec<Hop>,
    /// Resolution of the final host.
    pub dns: Option<DnsInfo>,
    /// The address the final document came from.
    pub ip: Option<String>,
    /// Status of the final document.
    pub http_status: Option<u16>,
    /// Final document response headers exactly as sent: server order, names in the server's
    /// spelling, repeated headers repeated.
    pub headers: Vec<(String, String)>,
    /// The final document's `Content-Type` header.
    pub content_type: Option<String>,
    /// The encoding the document was decoded with (encoding_rs name, e.g. `windows-1252`).
    pub charset: Option<String>,
    /// Where the encoding came from: `"bom"`, `"header"`, `"meta"` or `"default"`.
    pub charset_source: Option<String>,
    /// The final document's body as received (decompressed, capped).
    pub html: Option<FetchedBody>,
    /// The final document decoded to text (HTML-like documents only).
    pub html_text: Option<String>,
    /// Text of the first `<title>`, whitespace collapsed.
    pub title: Option<String>,
    /// The DOM after scripts ran (full mode only).
    pub rendered_dom: Option<String>,
    /// The icon the page uses; its body only if it really is an image.
    pub favicon: Option<CapturedAsset>,
    /// Leaf certificate of the final HTTPS document.
    pub tls: Option<TlsCertInfo>,
    /// Scripts, stylesheets, images and other sub-resources of the final page.
    pub assets: Vec<CapturedAsset>,
    /// Requests refused by the guard or the sealed resolver.
    pub blocked: Vec<BlockedRequest>,
    /// Screenshots (full mode only).
    #[serde(default)]
    pub screenshot: Option<ScreenshotInfo>,
    /// JARM TLS fingerprint of the final HTTPS document's address, port and host name (see
    /// `crate::jarm`); filled after the capture by the scan handler.
    #[serde(default)]
    pub jarm: Option<String>,
    /// Why the capture failed, when it did (the last step that went wrong).
    pub error: Option<String>,
    /// When the capture started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: u64,
}

impl Capture {
    /// An empty capture of `requested_url`, to be filled in by a capturer.
    pub fn new(mode: CaptureMode, requested_url: &str, started_at: DateTime<Utc>) -> Self {
        Self {
            mode,
            requested_url: requested_url.to_owned(),
            final_url: requested_url.to_owned(),
            fragment: None,
            chain: Vec::new(),
            dns: None,
            ip: None,
            http_status: None,
            headers: Vec::new(),
            content_type: None,
            charset: None,
            charset_source: None,
            html: None,
            html_text: None,
            title: None,
            rendered_dom: None,
            favicon: None,
            tls: None,
            assets: Vec::new(),
            blocked: Vec::new(),
            screenshot: None,
            jarm: None,
            error: None,
            started_at,
            duration_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_round_trips_through_json() {
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/#x", Utc::now());
        capture.chain.push(Hop {
            url: "http://a.test/#x".to_owned(),
            status: Some(302),
            kind: HopKind::MetaRefresh,
            ip: Some("127.0.0.1".to_owned()),
            error: None,
            body: None,
        });
        capture
            .headers
            .push(("Server".to_owned(), "lab".to_owned()));
        capture.blocked.push(BlockedRequest {
            url: "file:///x".to_owned(),
            reason: "no".to_owned(),
        });

        let json = serde_json::to_string(&capture).unwrap();
        assert!(json.contains("\"kind\":\"meta_refresh\""), "{json}");
        assert_eq!(serde_json::from_str::<Capture>(&json).unwrap(), capture);
    }
}
