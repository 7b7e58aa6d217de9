//! Test fixtures for the capturer: loopback web servers (axum, raw TCP, TLS) and a capturer
//! whose resolver map points the lab names at them. Nothing here leaves 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::fast::{CaptureOptions, FastCapturer};
use super::guard::GuardPolicy;
use super::model::{Capture, HopKind};
use super::resolve::{CombinedResolver, ResolverMap};
use crate::blobs::BlobStore;

/// Serves `router` on 127.0.0.1 on a free port.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// Serves raw bytes: every connection gets `reply` after its request head, then is closed.
/// `None` accepts and never answers.
pub async fn serve_raw(reply: Option<Vec<u8>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            tokio::spawn(async move {
                read_request_head(&mut stream).await;
                match reply {
                    Some(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        let _ = stream.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(3600)).await,
                }
            });
        }
    });
    addr
}

/// Serves HTTPS with the given PEM certificate chain and PKCS#8 key; answers every request
/// with a small HTML page.
pub async fn serve_tls(cert_pem: &str, key_pem: &str) -> SocketAddr {
    let identity =
        native_tls::Identity::from_pkcs8(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let acceptor = Arc::new(acceptor);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "<html><title>tls lab</title></html>";
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

async fn read_request_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// Serves the files under `root` like a plain static web server (`python3 -m http.server`):
/// content type from the extension, no charset, 404 for anything missing.
pub async fn serve_dir(root: std::path::PathBuf) -> SocketAddr {
    use axum::http::{StatusCode, Uri, header};
    use axum::response::IntoResponse;

    let handler = move |uri: Uri| {
        let root = root.clone();
        async move {
            let relative = percent_encoding::percent_decode_str(uri.path().trim_start_matches('/'))
                .decode_utf8_lossy()
                .into_owned();
            if relative.split('/').any(|part| part == "..") {
                return StatusCode::FORBIDDEN.into_response();
            }
            match tokio::fs::read(root.join(&relative)).await {
                Ok(bytes) => {
                    ([(header::CONTENT_TYPE, content_type(&relative))], bytes).into_response()
                }
                Err(_) => (StatusCode::NOT_FOUND, "File not found").into_response(),
            }
        }
    };
    serve(Router::new().fallback(handler)).await
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "application/javascript",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/vnd.microsoft.icon",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A capturer with a sealed resolver map (`lines`, `host=ip` each) and a temporary blob
/// store. Keep the returned directory alive for as long as the blobs are read.
pub fn capturer(lines: &str, options: CaptureOptions) -> (tempfile::TempDir, FastCapturer) {
    let dir = tempfile::tempdir().unwrap();
    let map = ResolverMap::parse_text(lines, "test map").unwrap();
    let resolver = Arc::new(CombinedResolver::sealed(map));
    let blobs = BlobStore::new(dir.path().join("blobs"));
    (dir, FastCapturer::new(options, resolver, blobs))
}

/// Options for tests: short timeouts, private targets refused unless mapped.
pub fn options() -> CaptureOptions {
    CaptureOptions {
        timeout_total: Duration::from_secs(20),
        timeout_per_request: Duration::from_secs(10),
        guard: GuardPolicy {
            allow_private: false,
        },
        ..CaptureOptions::default()
    }
}

/// `http://lab.test:PORT{path}` for a server on `addr`.
pub fn lab_url(addr: SocketAddr, path: &str) -> Url {
    Url::parse(&format!("http://lab.test:{}{path}", addr.port())).unwrap()
}

/// The resolver map most tests use.
pub const MAP: &str = "lab.test=127.0.0.1";

/// Serves `router` and captures `path` on it with [`MAP`] and [`options`].
pub async fn capture_lab(router: Router, path: &str) -> (tempfile::TempDir, Capture) {
    let addr = serve(router).await;
    let (dir, capturer) = capturer(MAP, options());
    let capture = capturer.capture(&lab_url(addr, path)).await;
    (dir, capture)
}

/// The hop kinds of a capture's chain.
pub fn kinds(capture: &Capture) -> Vec<HopKind> {
    capture.chain.iter().map(|h| h.kind).collect()
}

/// Path and fragment of a URL string.
pub fn path_of(url: &str) -> String {
    let url = Url::parse(url).unwrap();
    let fragment = url.fragment().map(|f| format!("#{f}")).unwrap_or_default();
    format!("{}{fragment}", url.path())
}

/// A router with a `/landing` page titled "Landed".
pub fn landing() -> Router {
    Router::new().route(
        "/landing",
        axum::routing::get(|| async { axum::response::Html("<title>Landed</title>") }),
    )
}
