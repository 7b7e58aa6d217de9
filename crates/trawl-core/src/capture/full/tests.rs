//! The full capturer against the lab server's hostile browser pages, with real Chromium.
//! Skips when `/usr/bin/chromium` is missing.

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::{DEFAULT_CHROMIUM, FullCapturer, FullOptions};
use crate::blobs::BlobStore;
use crate::capture::guard::GuardPolicy;
use crate::capture::model::{AssetType, Capture};
use crate::capture::resolve::ResolverMap;
use crate::lab::{EXPIRED_TLS_HOST, LabOptions, LabServer, PortPolicy};

/// The name the tests reach the lab's hostile routes by. The browser maps it (and the expired
/// certificate's name) to 127.0.0.1 and refuses every other name, so nothing leaves the machine.
const LAB_HOST: &str = "lab.test";

fn chromium_present() -> bool {
    let present = Path::new(DEFAULT_CHROMIUM).is_file();
    if !present {
        eprintln!("skipping: Chromium not found at {DEFAULT_CHROMIUM}");
    }
    present
}

/// A lab with one tiny site and the hostile routes, on ephemeral ports.
async fn lab(dir: &Path) -> LabServer {
    let site = dir.join("sites/one");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<title>one</title><h1>one</h1>").unwrap();
    let mut options = LabOptions::new(dir.join("sites"));
    options.test_routes = true;
    options.https_port_offset = None;
    options.ports = PortPolicy::Ephemeral;
    LabServer::start(options).await.unwrap()
}

fn capturer(dir: &Path, timeout: Duration) -> FullCapturer {
    let names = format!("{LAB_HOST}=127.0.0.1\n{EXPIRED_TLS_HOST}=127.0.0.1\n");
    let options = FullOptions {
        pages: 1,
        timeout_total: timeout,
        navigation_timeout: Duration::from_secs(6),
        guard: GuardPolicy {
            allow_private: true,
        },
        map: ResolverMap::parse_text(&names, "tests").unwrap(),
        sealed: true,
        ..FullOptions::default()
    };
    FullCapturer::new(options, BlobStore::new(dir.join("blobs"))).unwrap()
}

/// The base URL of the lab's hostile routes, under [`LAB_HOST`].
fn hostile_base(lab: &LabServer) -> String {
    let base = &lab.hostile().unwrap().base_url;
    base.replacen("127.0.0.1", LAB_HOST, 1)
}

fn summary(c: &Capture) -> String {
    format!(
        "status {:?} error {:?} chain {:?}",
        c.http_status, c.error, c.chain
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_pages_end_within_their_cap_and_the_pool_goes_on() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path()).await;
    let base = hostile_base(&lab);
    let full = capturer(dir.path(), Duration::from_secs(20));
    let page = |name: &str| Url::parse(&format!("{base}page/{name}")).unwrap();

    for name in [
        "infinite-loop",
        "never-loads",
        "tall",
        "alert-loop",
        "popup-storm",
    ] {
        let c = full.capture(&page(name)).await;
        assert_eq!(c.http_status, Some(200), "{name}: {}", summary(&c));
        assert!(
            c.screenshot.is_some(),
            "{name}: no screenshot: {}",
            summary(&c)
        );
        assert!(c.duration_ms < 20_000 + 10_000, "{name}: ran past its cap");

        // The next page in the same pool is captured normally.
        let ok = full.capture(&page("ok")).await;
        assert_eq!(
            ok.title.as_deref(),
            Some("Lab OK"),
            "after {name}: {}",
            summary(&ok)
        );
        assert!(
            ok.rendered_dom
                .as_deref()
                .unwrap_or("")
                .contains("a benign page")
        );
    }

    let tall = full.capture(&page("tall")).await;
    let shot = tall.screenshot.unwrap();
    assert_eq!((shot.width, shot.height), (1366, 768));
    assert_eq!(
        shot.full_page_height,
        Some(8000),
        "full page cut at the cap"
    );

    let alerts = full.capture(&page("alert-loop")).await;
    assert!(
        alerts
            .rendered_dom
            .unwrap_or_default()
            .contains("dialogs in a loop")
    );

    let download = full.capture(&page("auto-download")).await;
    let file = download
        .assets
        .iter()
        .find(|a| a.asset_type == AssetType::Download);
    let file = file.unwrap_or_else(|| panic!("no download: {:?}", download.assets));
    assert!(file.url.ends_with("/__lab/download"), "{}", file.url);
    assert!(file.body.as_ref().is_some_and(|b| b.size > 0), "{file:?}");

    full.shutdown();
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_recorded_hop_by_hop_and_outside_hosts_are_blocked() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path()).await;
    let base = hostile_base(&lab);
    let full = capturer(dir.path(), Duration::from_secs(20));

    let chain = full
        .capture(&Url::parse(&format!("{base}redirect/chain?n=3")).unwrap())
        .await;
    let kinds: Vec<_> = chain.chain.iter().map(|h| (h.kind, h.status)).collect();
    use crate::capture::HopKind::*;
    assert_eq!(
        kinds,
        [
            (Initial, Some(307)),
            (Http, Some(303)),
            (Http, Some(302)),
            (Http, Some(200))
        ],
        "{}",
        summary(&chain)
    );

    let to = "/__lab/page/ok";
    let meta = full
        .capture(&Url::parse(&format!("{base}redirect/meta?to={to}")).unwrap())
        .await;
    assert_eq!(
        meta.chain.last().map(|h| h.kind),
        Some(MetaRefresh),
        "{}",
        summary(&meta)
    );

    let script = format!("{base}redirect/script?kind=location.replace&to=http://outside.example/x");
    let blocked = full.capture(&Url::parse(&script).unwrap()).await;
    let last = blocked.chain.last().unwrap();
    assert_eq!(last.kind, Script, "{}", summary(&blocked));
    assert!(
        last.url.starts_with("http://outside.example/"),
        "{}",
        summary(&blocked)
    );
    assert!(
        blocked
            .blocked
            .iter()
            .any(|b| b.url.starts_with("http://outside.example/"))
    );

    let data = full
        .capture(&Url::parse(&format!("{base}redirect/data")).unwrap())
        .await;
    assert_eq!(
        data.chain.last().map(|h| h.kind),
        Some(Data),
        "{}",
        summary(&data)
    );
    assert!(data.chain.last().unwrap().body.is_some());

    full.shutdown();
    lab.shutdown().await;
}

/// Regression (sample 05, `*.pages.dev`: Chromium upgrades HSTS-preloaded names to HTTPS and
/// the lab's certificate is not one it trusts): pages with bad certificates are captured, and
/// what is wrong with the certificate is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_certificates_are_captured_and_recorded() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = lab(dir.path()).await;
    let full = capturer(dir.path(), Duration::from_secs(20));
    let expired = lab.hostile().unwrap().expired_tls;

    let url = format!(
        "https://{EXPIRED_TLS_HOST}:{}/__lab/page/ok",
        expired.port()
    );
    let url = Url::parse(&url).unwrap();
    let c = full.capture(&url).await;
    assert_eq!(c.http_status, Some(200), "{}", summary(&c));
    assert!(c.screenshot.is_some(), "{}", summary(&c));
    let tls = c.tls.as_ref().expect("the certificate is recorded");
    assert!(!tls.valid);
    assert!(tls.problems.iter().any(|p| p == "expired"), "{tls:?}");
    assert!(
        tls.problems.iter().any(|p| p == "untrusted issuer"),
        "{tls:?}"
    );

    full.shutdown();
    lab.shutdown().await;
}

#[test]
fn only_connection_failures_before_any_document_are_tried_again() {
    use trawl_browser::{NavKind, NavStep, PageResult};

    let failed_at = |error: &str| PageResult {
        chain: vec![NavStep {
            url: "https://a.test:8080/".to_owned(),
            kind: NavKind::Initial,
            status: None,
            ip: None,
            error: Some(error.to_owned()),
        }],
        ..PageResult::default()
    };
    let ssl = failed_at("net::ERR_SSL_PROTOCOL_ERROR");
    assert_eq!(
        super::transient_failure(&ssl),
        Some("net::ERR_SSL_PROTOCOL_ERROR")
    );
    assert_eq!(
        super::transient_failure(&failed_at("net::ERR_NAME_NOT_RESOLVED")),
        None
    );
    assert_eq!(
        super::transient_failure(&failed_at("net::ERR_CERT_DATE_INVALID")),
        None
    );

    // Refused by the guard: never retried, whatever the browser said.
    let mut blocked = failed_at("net::ERR_CONNECTION_RESET");
    blocked.blocked.push((
        "https://a.test:8080/".to_owned(),
        "private address".to_owned(),
    ));
    assert_eq!(super::transient_failure(&blocked), None);

    // The failure is on the page-level error when the chain is empty.
    let page_level = PageResult {
        error: Some("navigation failed: net::ERR_EMPTY_RESPONSE".to_owned()),
        ..PageResult::default()
    };
    assert_eq!(
        super::transient_failure(&page_level),
        Some("net::ERR_EMPTY_RESPONSE")
    );
}

/// A loopback WebSocket server answering every text message with itself.
fn websocket_echo() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8).flatten() {
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let Ok(mut socket) = tungstenite::accept(stream) else {
                    return;
                };
                while let Ok(message) = socket.read() {
                    if message.is_close() || (message.is_text() && socket.send(message).is_err()) {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A page that opens a WebSocket to a private address and one to `echo`, and writes what
/// each gave into its title.
fn websocket_page(echo: std::net::SocketAddr) -> String {
    format!(
        r#"<title>pending</title><script>
function probe(url) {{
  return new Promise(function (done) {{
    var ws = new WebSocket(url);
    ws.onopen = function () {{ ws.send("ping"); }};
    ws.onmessage = function (e) {{ done(e.data); ws.close(); }};
    ws.onerror = function () {{ done("error"); }};
  }});
}}
Promise.all([probe("ws://10.255.255.1:8080/"), probe("ws://echo.test:{}/")])
  .then(function (r) {{ document.title = "private " + r[0] + ", echo " + r[1]; }});
</script>"#,
        echo.port()
    )
}

/// Regression: WebSockets are not paused for the request policy, so a page could open one
/// to any address. The browser's proxy refuses the guarded one before connecting, the refusal
/// is listed in the capture, and a WebSocket to an allowed (mapped) server still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_go_through_the_guarding_proxy() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let echo = websocket_echo();
    let site = dir.path().join("sites/one");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("ws.html"), websocket_page(echo)).unwrap();
    let lab = lab(dir.path()).await;

    // Private addresses refused; only the mapped names reach loopback.
    let site = &lab.sites()[0];
    let names = format!("{LAB_HOST}={}\necho.test=127.0.0.1\n", site.ip);
    let options = FullOptions {
        pages: 1,
        timeout_total: Duration::from_secs(20),
        navigation_timeout: Duration::from_secs(6),
        settle: Duration::from_secs(2),
        map: ResolverMap::parse_text(&names, "tests").unwrap(),
        sealed: true,
        ..FullOptions::default()
    };
    let full = FullCapturer::new(options, BlobStore::new(dir.path().join("blobs"))).unwrap();

    // The browser reaches the lab through the proxy (or the page with the private WebSocket
    // is not loaded at all).
    let port = site.port;
    let ok = Url::parse(&format!("http://{LAB_HOST}:{port}/")).unwrap();
    let first = full.capture(&ok).await;
    assert_eq!(first.title.as_deref(), Some("one"), "{}", summary(&first));
    assert!(full.proxy_stats().connected > 0, "{:?}", full.proxy_stats());

    let page = Url::parse(&format!("http://{LAB_HOST}:{port}/ws.html")).unwrap();
    let c = full.capture(&page).await;
    assert_eq!(
        c.title.as_deref(),
        Some("private error, echo ping"),
        "{}",
        summary(&c)
    );
    let refused = c
        .blocked
        .iter()
        .find(|b| b.url == "ws://10.255.255.1:8080/");
    let refused = refused.unwrap_or_else(|| panic!("not listed: {:?}", c.blocked));
    assert!(refused.reason.contains("private address"), "{refused:?}");
    assert!(full.proxy_stats().refused > 0, "{:?}", full.proxy_stats());

    full.shutdown();
    lab.shutdown().await;
}

/// A plain HTTP server on `ip` answering every request with a small page titled "two".
fn page_server(ip: [u8; 4]) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind((std::net::IpAddr::from(ip), 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().take(16).flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let body = "<title>two</title><p>two</p>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Kit: 1\r\nContent-Type: text/html\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    addr
}

/// The browser reports the proxy as the address of every response and sees the response head
/// the proxy rewrote; the capture records the server's own address and headers, in its order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_are_recorded_with_their_own_address_and_headers() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = page_server([127, 0, 0, 2]);
    let options = FullOptions {
        pages: 1,
        timeout_total: Duration::from_secs(20),
        navigation_timeout: Duration::from_secs(6),
        guard: GuardPolicy {
            allow_private: true,
        },
        map: ResolverMap::parse_text("two.test=127.0.0.2\n", "tests").unwrap(),
        sealed: true,
        ..FullOptions::default()
    };
    let full = FullCapturer::new(options, BlobStore::new(dir.path().join("blobs"))).unwrap();
    let url = Url::parse(&format!("http://two.test:{}/", server.port())).unwrap();
    let c = full.capture(&url).await;
    assert_eq!(c.title.as_deref(), Some("two"), "{}", summary(&c));
    assert_eq!(c.ip.as_deref(), Some("127.0.0.2"), "{}", summary(&c));
    for hop in &c.chain {
        assert_eq!(hop.ip.as_deref(), Some("127.0.0.2"), "{}", summary(&c));
    }
    let names: Vec<&str> = c.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Connection", "X-Kit", "Content-Type", "Content-Length"]
    );
    // The running browser's DevTools port is listed beside the proxy's own, for refusal.
    let control = full.proxy.control_ports().lock().unwrap().len();
    assert_eq!(control, 2, "proxy and one browser");
    full.shutdown();
}
