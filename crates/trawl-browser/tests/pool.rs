//! The pool against a loopback server of its own: a page with a script, a stylesheet and a
//! script redirect, captured by real Chromium. Skips when Chromium is not installed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use trawl_browser::{AllowAll, BrowserConfig, BrowserPool, NavKind, PageRequest, ResourceKind};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The name the test server is reached by: the browser maps it to 127.0.0.1 and refuses every
/// other name (its resolver rules are sealed), so nothing leaves the machine.
const HOST: &str = "pool.test";

/// Serves a few fixed pages on 127.0.0.1 until the test process ends; returns the origin
/// (under [`HOST`]).
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{HOST}:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) <= 2 {
                        break;
                    }
                }
                let (status, ctype, body) = match path.as_str() {
                    "/" => ("302 Found", "text/html", String::new()),
                    "/start" => (
                        "200 OK",
                        "text/html",
                        "<script>location.replace('/final')</script>".into(),
                    ),
                    "/final" => (
                        "200 OK",
                        "text/html",
                        "<html><head><title>Final</title>\
                        <link rel=stylesheet href=/s.css><script src=/a.js></script></head>\
                        <body><h1 id=h>hello</h1></body></html>"
                            .into(),
                    ),
                    "/s.css" => ("200 OK", "text/css", "h1 { color: red }".into()),
                    "/a.js" => (
                        "200 OK",
                        "application/javascript",
                        "document.title += '!';".into(),
                    ),
                    _ => ("404 Not Found", "text/plain", "no".into()),
                };
                let location = if path == "/" {
                    "Location: /start\r\n"
                } else {
                    ""
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nX-Lab-First: 1\r\nContent-Type: {ctype}\r\n{location}\
                     Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let mut stream = stream;
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            });
        }
    });
    origin
}

#[test]
fn captures_chain_resources_dom_and_screenshot() {
    if !Path::new(CHROMIUM).is_file() {
        eprintln!("skipping: Chromium not found at {CHROMIUM}");
        return;
    }
    let origin = serve();
    let config = BrowserConfig {
        browsers: 1,
        tabs_per_browser: 1,
        host_map: vec![(HOST.to_owned(), "127.0.0.1".parse().unwrap())],
        sealed: true,
        ..BrowserConfig::default()
    };
    let pool = BrowserPool::start(config).unwrap();

    let result = pool.capture_blocking(PageRequest::new(&format!("{origin}/"), Arc::new(AllowAll)));

    let kinds: Vec<_> = result.chain.iter().map(|h| (h.kind, h.status)).collect();
    assert_eq!(
        kinds,
        [
            (NavKind::Initial, Some(302)),
            (NavKind::Http, Some(200)),
            (NavKind::Script, Some(200))
        ],
        "{result:#?}"
    );
    assert_eq!(result.final_url, format!("{origin}/final"));
    let main = result.main.as_ref().unwrap();
    assert_eq!(main.headers[0], ("X-Lab-First".to_owned(), "1".to_owned()));
    assert!(main.body.as_ref().unwrap().bytes.starts_with(b"<html>"));
    assert!(
        result
            .dom
            .as_deref()
            .unwrap()
            .contains("<h1 id=\"h\">hello</h1>")
    );
    assert_eq!(result.title.as_deref(), Some("Final!"));
    let script = result
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Script)
        .unwrap();
    assert_eq!(
        script.body.as_ref().unwrap().bytes,
        b"document.title += '!';"
    );
    assert!(
        result
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::Stylesheet)
    );
    let shot = result.screenshot.as_ref().unwrap();
    assert!(shot.png.starts_with(b"\x89PNG"));
    assert!(!result.browser_failed, "{result:#?}");
    pool.shutdown();
}
