//! Request handling on one listener: Host routing, static files, form posts, and the hand-off
//! of `/__lab/` paths to [`super::hostile`].
//!
//! Static serving answers GET and HEAD with the file's bytes and a Content-Type from its
//! extension, `index.html` for folders (a folder asked without its trailing `/` is redirected
//! to it), a small HTML 404 page otherwise. Paths are percent-decoded segment by segment; a `..`
//! segment (also `%2e%2e`), a decoded `/` or `\`, or a file whose real path (symlinks resolved)
//! leaves the docroot is refused with 403. POST to any path answers "lab: form received" and
//! discards the body. Every request is logged at `debug`. A site whose docroot holds a
//! `.lab-headers` file (`Name: value` lines, `#` comments) sends those headers with every
//! response, so sample sites can carry hostile header values; a line that is not a valid
//! header is skipped.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tracing::debug;

use super::hostile;
use super::serve::Shutdown;

/// Largest form body read (and discarded) before answering a POST.
const MAX_FORM_BODY: usize = 1 << 20;

/// A site as one listener serves it.
#[derive(Debug)]
pub(crate) struct Site {
    /// Hostname (lowercase).
    pub hostname: String,
    /// Docroot, canonicalized at start.
    pub docroot: PathBuf,
}

/// Everything a listener's handler needs.
pub(crate) struct ListenerState {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The bound address (for absolute URLs when a client sends no Host).
    pub local: std::net::SocketAddr,
    /// Sites on this listener, in plan order; empty for hostile-only listeners.
    pub sites: Vec<Site>,
    /// Whether `/__lab/` routes are served.
    pub test_routes: bool,
    /// Fires when the lab shuts down.
    pub shutdown: Shutdown,
}

impl ListenerState {
    /// The site for a Host header; a listener with a single site serves it for any Host.
    fn site_for(&self, host: Option<&str>) -> Option<&Site> {
        let by_name = host.and_then(|h| self.sites.iter().find(|s| s.hostname == h));
        by_name.or(match self.sites.as_slice() {
            [only] => Some(only),
            _ => None,
        })
    }
}

/// The axum router of one listener.
pub(crate) fn router(state: ListenerState) -> Router {
    Router::new().fallback(dispatch).with_state(Arc::new(state))
}

async fn dispatch(State(state): State<Arc<ListenerState>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let host = request_host(&req);

    let response = if state.test_routes && (path == "/__lab" || path.starts_with("/__lab/")) {
        let authority = request_authority(&req).unwrap_or_else(|| state.local.to_string());
        let origin = format!("{}://{authority}", state.scheme);
        hostile::handle(req, &origin, &state.shutdown).await
    } else {
        match state.site_for(host.as_deref()) {
            Some(site) => serve_site(site, req).await,
            None => page(
                StatusCode::NOT_FOUND,
                "Not Found",
                "lab: no site for this host here",
            ),
        }
    };

    debug!(
        listener = %state.local,
        %method,
        host = host.as_deref().unwrap_or("-"),
        %path,
        status = response.status().as_u16(),
        "lab request"
    );
    response
}

async fn serve_site(site: &Site, req: Request) -> Response {
    let mut response = serve_site_files(site, req).await;
    if let Ok(text) = tokio::fs::read_to_string(site.docroot.join(LAB_HEADERS)).await {
        for (name, value) in extra_headers(&text) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// File in a docroot listing extra response headers.
const LAB_HEADERS: &str = ".lab-headers";

/// The valid `Name: value` lines of a `.lab-headers` file.
fn extra_headers(text: &str) -> Vec<(header::HeaderName, HeaderValue)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(name, value)| {
            let name = header::HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
            Some((name, HeaderValue::from_str(value.trim()).ok()?))
        })
        .collect()
}

async fn serve_site_files(site: &Site, req: Request) -> Response {
    match *req.method() {
        Method::GET | Method::HEAD => {
            let uri = req.uri();
            serve_file(&site.docroot, uri.path(), uri.query()).await
        }
        Method::POST => {
            // Kits post credentials here: read and drop the body, store nothing.
            let _ = axum::body::to_bytes(req.into_body(), MAX_FORM_BODY).await;
            page(StatusCode::OK, "Received", "lab: form received")
        }
        _ => {
            let mut response = page(
                StatusCode::METHOD_NOT_ALLOWED,
                "Not Allowed",
                "lab: GET, HEAD or POST",
            );
            let allow = HeaderValue::from_static("GET, HEAD, POST");
            response.headers_mut().insert(header::ALLOW, allow);
            response
        }
    }
}

/// Serves `raw_path` (as sent, percent-encoded) from `docroot` (canonical).
pub(crate) async fn serve_file(docroot: &Path, raw_path: &str, query: Option<&str>) -> Response {
    let segments = match decode_path(raw_path) {
        Ok(segments) => segments,
        Err(PathRefusal::Traversal) => return refused(),
        Err(PathRefusal::Malformed) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "lab: malformed path",
            );
        }
    };
    let candidate = segments
        .iter()
        .fold(docroot.to_path_buf(), |p, s| p.join(s));
    let Some(mut file) = confined(docroot, &candidate).await else {
        return not_found_or_refused(&candidate).await;
    };
    // The Content-Type follows the name asked for, not a symlink's target.
    let mut asked = candidate;

    let is_dir = tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir());
    if is_dir {
        if !raw_path.ends_with('/') {
            // One leading slash only, so the Location never reads as `//other-host/`.
            let path = raw_path.trim_start_matches('/');
            let location = match query {
                Some(q) => format!("/{path}/?{q}"),
                None => format!("/{path}/"),
            };
            return redirect(StatusCode::MOVED_PERMANENTLY, &location);
        }
        asked = asked.join("index.html");
        match confined(docroot, &asked).await {
            Some(index) => file = index,
            None => return not_found(),
        }
    }

    match tokio::fs::read(&file).await {
        Ok(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, content_type(&asked))
            .body(Body::from(bytes))
            .expect("static response parts are valid"),
        Err(_) => not_found(),
    }
}

/// The real path of `candidate` if it exists and stays inside `docroot`.
async fn confined(docroot: &Path, candidate: &Path) -> Option<PathBuf> {
    let real = tokio::fs::canonicalize(candidate).await.ok()?;
    real.starts_with(docroot).then_some(real)
}

/// 403 when the path exists but resolves outside the docroot (a symlink), 404 otherwise.
async fn not_found_or_refused(candidate: &Path) -> Response {
    match tokio::fs::canonicalize(candidate).await {
        Ok(_) => refused(),
        Err(_) => not_found(),
    }
}

/// Why a request path is not served.
#[derive(Debug, PartialEq, Eq)]
enum PathRefusal {
    /// A `..` segment, or a decoded separator inside a segment.
    Traversal,
    /// Bad percent-encoding, or not UTF-8 once decoded.
    Malformed,
}

/// Splits a raw path into decoded segments, dropping empty and `.` segments.
fn decode_path(raw: &str) -> Result<Vec<String>, PathRefusal> {
    let mut segments = Vec::new();
    for raw_segment in raw.split('/') {
        let bytes = percent_decode(raw_segment).ok_or(PathRefusal::Malformed)?;
        let segment = String::from_utf8(bytes).map_err(|_| PathRefusal::Malformed)?;
        match segment.as_str() {
            "" | "." => continue,
            ".." => return Err(PathRefusal::Traversal),
            s if s.contains(['/', '\\', '\0']) => return Err(PathRefusal::Traversal),
            #[cfg(windows)]
            s if s.contains(':') => return Err(PathRefusal::Traversal),
            _ => segments.push(segment),
        }
    }
    Ok(segments)
}

fn percent_decode(segment: &str) -> Option<Vec<u8>> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The hostname a request asks for: Host header (or absolute URI), port and trailing dot
/// removed, lowercase.
fn request_host(req: &Request) -> Option<String> {
    let authority = request_authority(req)?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(h, _)| h),
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// The `host[:port]` a request was sent to, when it is well-formed.
fn request_authority(req: &Request) -> Option<String> {
    let header = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let raw = header.or_else(|| req.uri().authority().map(|a| a.as_str()))?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._:[]".contains(c);
    (!raw.is_empty() && raw.chars().all(allowed)).then(|| raw.to_string())
}

/// Content-Type by file extension (no charset: pages declare their own).
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" | "shtml" | "php" | "asp" | "aspx" | "jsp" => "text/html",
        "xhtml" => "application/xhtml+xml",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    }
}

/// A small HTML page with `status`.
pub(crate) fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!doctype html>\n<html><head><title>{status} {title}</title></head>\n\
         <body><h1>{title}</h1><p>{message}</p></body></html>\n"
    );
    html(status, body)
}

/// An HTML response with `text/html; charset=utf-8`.
pub(crate) fn html(status: StatusCode, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(body.into())
        .expect("static response parts are valid")
}

/// A redirect with a small HTML body.
pub(crate) fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = page(status, "Moved", "lab: redirect");
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "lab: bad redirect target",
        ),
    }
}

fn not_found() -> Response {
    page(StatusCode::NOT_FOUND, "Not Found", "lab: no such file")
}

fn refused() -> Response {
    page(StatusCode::FORBIDDEN, "Forbidden", "lab: path refused")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_segments_and_refuses_traversal() {
        assert_eq!(
            decode_path("/a/./b%20c//d.html").unwrap(),
            ["a", "b c", "d.html"]
        );
        assert_eq!(decode_path("/").unwrap(), Vec::<String>::new());
        for bad in [
            "/../x",
            "/a/%2e%2e/x",
            "/a/%2E%2e",
            "/a%2fb",
            "/a%5c..",
            "/x%00",
        ] {
            assert_eq!(decode_path(bad), Err(PathRefusal::Traversal), "{bad}");
        }
        assert_eq!(decode_path("/a%zz"), Err(PathRefusal::Malformed));
        assert_eq!(decode_path("/a%ff"), Err(PathRefusal::Malformed));
        assert_eq!(decode_path("/a%4"), Err(PathRefusal::Malformed));
    }

    #[test]
    fn lab_headers_lines_become_headers_and_bad_lines_are_skipped() {
        let text = "# comment\nX-Payload: <img src=x onerror=\"a()\">\nbad line\nX-Two: 2\n";

        let headers = extra_headers(text);

        let names: Vec<_> = headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-payload", "x-two"]);
        assert_eq!(headers[0].1, "<img src=x onerror=\"a()\">");
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type(Path::new("a/index.HTML")), "text/html");
        assert_eq!(content_type(Path::new("x.css")), "text/css");
        assert_eq!(content_type(Path::new("favicon.ico")), "image/x-icon");
        assert_eq!(
            content_type(Path::new("saved_resource")),
            "application/octet-stream"
        );
    }

    #[test]
    fn host_routing_falls_back_only_for_single_site_listeners() {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let site = |h: &str| Site {
            hostname: h.into(),
            docroot: PathBuf::from("/"),
        };
        let mut state = ListenerState {
            scheme: "http",
            local: "127.0.0.1:1".parse().unwrap(),
            sites: vec![site("a.test")],
            test_routes: false,
            shutdown: Shutdown::new(rx),
        };
        assert_eq!(state.site_for(Some("other")).unwrap().hostname, "a.test");

        state.sites.push(site("b.test"));
        assert_eq!(state.site_for(Some("b.test")).unwrap().hostname, "b.test");
        assert!(state.site_for(Some("other")).is_none());
        assert!(state.site_for(None).is_none());
        drop(tx);
    }

    #[test]
    fn host_header_loses_port_case_and_trailing_dot() {
        let req = |host: &str| {
            Request::builder()
                .header("host", host)
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(
            request_host(&req("A.Test.:8080")).as_deref(),
            Some("a.test")
        );
        assert_eq!(request_host(&req("[::1]:80")).as_deref(), Some("::1"));
        assert_eq!(request_host(&req("bad host")), None);
    }
}
