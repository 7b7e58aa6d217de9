//! Hostile test routes under `/__lab/`, served on every listener when the lab runs with
//! `test_routes` (`--test-routes`). They exist to exercise the capturers' fences: redirect
//! limits, body limits, decompression limits, timeouts, charset detection, browser watchdogs.
//! The routes answer the same whatever the `Host` header says.
//!
//! HTTP level:
//! - `/__lab/`: index of these routes.
//! - `/__lab/redirect/loop`: 302 to itself, forever. `/__lab/redirect/loop/a` and `…/loop/b`:
//!   302 A → B → A …
//! - `/__lab/redirect/chain?n=N`: N hops, then a 200 page (N ≤ 1000, default 5). The hop status
//!   cycles 301/302/303/307/308 with N; odd N gives an absolute `Location`, even N a
//!   path-relative one.
//! - `/__lab/redirect/meta?to=URL&variant=K`: meta refresh to URL (default `/__lab/page/ok`).
//!   K=0 `content="0;url=…"`, K=1 `content="0; URL='…'"`, K=2 uppercase
//!   `<META HTTP-EQUIV="REFRESH" CONTENT='5;URL="…"'>`, K=3 unquoted
//!   `<meta http-equiv=refresh content=0;url=…>`.
//! - `/__lab/redirect/script?kind=K&to=URL`: script redirect, K = `location`, `location.href`,
//!   `location.replace`, `location.assign` or `window.top.location`.
//! - `/__lab/redirect/data`: meta refresh to a `data:text/html;base64,…` URL.
//! - `/__lab/huge`: `Content-Length` 10 GB, the body generated as it is sent.
//! - `/__lab/gzip-bomb`: `Content-Encoding: gzip`, about 10 MB on the wire that inflate to
//!   10 GiB of zeros (one gzip member; a precomputed deflate chunk repeated).
//! - `/__lab/slow?ms=N&chunks=C`: headers at once, then C chunks (default 10) N ms apart
//!   (default 500).
//! - `/__lab/hang`: takes the request and never sends headers (until the lab stops).
//! - `/__lab/charset/<case>`: pages in declared and undeclared encodings, see
//!   [`CHARSET_CASES`].
//! - `/__lab/download`: `Content-Disposition: attachment`, a zip of empty named files.
//!
//! Browser level (`/__lab/page/…`, for the headless Chromium capture):
//! - `ok`: a benign page.
//! - `infinite-loop`: `while (true) {}` after first paint.
//! - `never-loads`: an image from `/__lab/hang`, so `load` never fires.
//! - `tall`: a 50,000-pixel-tall page.
//! - `alert-loop`: alert/confirm/prompt in a loop and on a timer, plus `beforeunload`.
//! - `auto-download`: navigates to `/__lab/download` on load.
//! - `popup-storm`: a burst of `window.open`, then one every 250 ms (200 at most).
//!
//! The TLS-level hostile listeners (expired and self-signed certificates, a handshake that never
//! completes) are separate sockets; see [`super::HostileEndpoints`]. No route stores anything
//! or reaches outside the machine.

mod bodies;
mod pages;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;

pub use bodies::{GZIP_BOMB_INFLATED_BYTES, HUGE_BODY_BYTES};
pub use pages::{CHARSET_CASES, CharsetCase};

use super::serve::Shutdown;
use super::site::{html, page, redirect};

/// Hop statuses of `/__lab/redirect/chain`, picked by `n % 5`.
const CHAIN_STATUSES: [StatusCode; 5] = [
    StatusCode::MOVED_PERMANENTLY,
    StatusCode::FOUND,
    StatusCode::SEE_OTHER,
    StatusCode::TEMPORARY_REDIRECT,
    StatusCode::PERMANENT_REDIRECT,
];

/// Longest chain `/__lab/redirect/chain` makes.
const MAX_CHAIN: u32 = 1000;

/// Default target of the meta and script redirects.
const DEFAULT_TARGET: &str = "/__lab/page/ok";

/// Answers one `/__lab/…` request. `origin` is `scheme://host[:port]` as the client addressed
/// this listener (for absolute `Location` headers).
pub(crate) async fn handle(req: Request, origin: &str, shutdown: &Shutdown) -> Response {
    let path = req
        .uri()
        .path()
        .strip_prefix("/__lab")
        .unwrap_or_default()
        .to_string();
    let query = Query::parse(req.uri().query());

    match path.as_str() {
        "" | "/" => index(),
        "/redirect/loop" => redirect(StatusCode::FOUND, "/__lab/redirect/loop"),
        "/redirect/loop/a" => redirect(StatusCode::FOUND, "/__lab/redirect/loop/b"),
        "/redirect/loop/b" => redirect(StatusCode::FOUND, "/__lab/redirect/loop/a"),
        "/redirect/chain" => chain(&query, origin),
        "/redirect/meta" => meta_refresh(&query),
        "/redirect/script" => script_redirect(&query),
        "/redirect/data" => data_refresh(),
        "/huge" => bodies::huge(shutdown.clone()),
        "/gzip-bomb" => bodies::gzip_bomb(shutdown.clone()).await,
        "/slow" => bodies::slow(query.number("ms"), query.number("chunks"), shutdown.clone()),
        "/hang" => bodies::hang(shutdown).await,
        "/download" => bodies::download(),
        _ => {
            if let Some(case) = path.strip_prefix("/charset/") {
                pages::charset(case)
            } else if let Some(name) = path.strip_prefix("/page/") {
                pages::browser_page(name)
            } else {
                page(
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    "lab: no such test route",
                )
            }
        }
    }
}

/// Decoded query parameters.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
        Query(pairs.into_owned().collect())
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }
}

fn index() -> Response {
    let routes = [
        "redirect/loop",
        "redirect/loop/a",
        "redirect/chain?n=5",
        "redirect/meta?variant=0",
        "redirect/meta?variant=1",
        "redirect/meta?variant=2",
        "redirect/meta?variant=3",
        "redirect/script?kind=location.replace",
        "redirect/data",
        "huge",
        "gzip-bomb",
        "slow?ms=500",
        "hang",
        "download",
        "page/ok",
        "page/infinite-loop",
        "page/never-loads",
        "page/tall",
        "page/alert-loop",
        "page/auto-download",
        "page/popup-storm",
    ];
    let charsets = CHARSET_CASES.iter().map(|c| format!("charset/{}", c.name));
    let items: String = routes
        .iter()
        .map(|r| r.to_string())
        .chain(charsets)
        .map(|r| format!("<li><a href=\"/__lab/{r}\">/__lab/{r}</a></li>\n"))
        .collect();
    let body = format!(
        "<!doctype html>\n<html><head><title>lab test routes</title></head>\n\
         <body><h1>lab test routes</h1><ul>\n{items}</ul></body></html>\n"
    );
    html(StatusCode::OK, body)
}

/// `n` hops left: redirect to `n - 1`, or the end page at 0.
fn chain(query: &Query, origin: &str) -> Response {
    let n = query.number("n").unwrap_or(5).min(u64::from(MAX_CHAIN));
    if n == 0 {
        return page(
            StatusCode::OK,
            "Chain end",
            "lab: end of the redirect chain",
        );
    }
    let status = CHAIN_STATUSES[(n % 5) as usize];
    let next = n - 1;
    let location = if n % 2 == 1 {
        format!("{origin}/__lab/redirect/chain?n={next}")
    } else {
        format!("chain?n={next}")
    };
    redirect(status, &location)
}

fn meta_refresh(query: &Query) -> Response {
    let url = escape_html(query.get("to").unwrap_or(DEFAULT_TARGET));
    let tag = match query.get("variant").unwrap_or("0") {
        "0" => format!(r#"<meta http-equiv="refresh" content="0;url={url}">"#),
        "1" => format!(r#"<meta http-equiv="refresh" content="0; URL='{url}'">"#),
        "2" => format!(r#"<META HTTP-EQUIV="REFRESH" CONTENT='5;URL="{url}"'>"#),
        "3" => format!("<meta http-equiv=refresh content=0;url={url}>"),
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "lab: variant is 0, 1, 2 or 3",
            );
        }
    };
    redirect_page(&tag, "", "meta refresh")
}

fn script_redirect(query: &Query) -> Response {
    let url = js_string(query.get("to").unwrap_or(DEFAULT_TARGET));
    let statement = match query.get("kind").unwrap_or("location") {
        "location" => format!("location = {url};"),
        "location.href" => format!("location.href = {url};"),
        "location.replace" => format!("location.replace({url});"),
        "location.assign" => format!("location.assign({url});"),
        "window.top.location" => format!("window.top.location = {url};"),
        _ => {
            let msg = "lab: kind is location, location.href, location.replace, \
                       location.assign or window.top.location";
            return page(StatusCode::BAD_REQUEST, "Bad Request", msg);
        }
    };
    redirect_page(
        "",
        &format!("<script>{statement}</script>"),
        "script redirect",
    )
}

fn data_refresh() -> Response {
    let target = "<!doctype html><title>lab data</title><h1>lab: data URL page</h1>";
    let encoded = base64::engine::general_purpose::STANDARD.encode(target);
    let tag =
        format!(r#"<meta http-equiv="refresh" content="0;url=data:text/html;base64,{encoded}">"#);
    redirect_page(&tag, "", "meta refresh to a data: URL")
}

fn redirect_page(head: &str, body: &str, what: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html><head>{head}<title>lab {what}</title></head>\n\
         <body><p>lab: {what}</p>{body}</body></html>\n"
    );
    html(StatusCode::OK, page)
}

/// Escapes text for an HTML attribute value or element content.
fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A JavaScript string literal that is also safe inside a `<script>` element.
fn js_string(raw: &str) -> String {
    serde_json::to_string(raw)
        .expect("a string always serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(response: &Response) -> &str {
        response.headers()["location"].to_str().unwrap()
    }

    #[test]
    fn chain_alternates_absolute_and_relative_hops_and_ends() {
        let q = |n: &str| Query::parse(Some(&format!("n={n}")));
        let odd = chain(&q("3"), "http://h:1");
        assert_eq!(odd.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(location(&odd), "http://h:1/__lab/redirect/chain?n=2");

        let even = chain(&q("2"), "http://h:1");
        assert_eq!(even.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&even), "chain?n=1");

        assert_eq!(chain(&q("0"), "http://h:1").status(), StatusCode::OK);
    }

    #[test]
    fn every_chain_status_is_a_redirect() {
        assert!(CHAIN_STATUSES.iter().all(StatusCode::is_redirection));
    }

    #[test]
    fn escapes_targets_for_html_and_script() {
        assert_eq!(escape_html(r#"a"b'<c>&"#), "a&quot;b&#39;&lt;c&gt;&amp;");
        assert_eq!(js_string("</script>\"x"), r#""\u003c/script\u003e\"x""#);
    }

    #[test]
    fn unknown_variants_and_kinds_are_refused() {
        let meta = meta_refresh(&Query::parse(Some("variant=9")));
        assert_eq!(meta.status(), StatusCode::BAD_REQUEST);
        let script = script_redirect(&Query::parse(Some("kind=eval")));
        assert_eq!(script.status(), StatusCode::BAD_REQUEST);
    }
}
