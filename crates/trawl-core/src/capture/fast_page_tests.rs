//! What the fast capturer records of the final page, against loopback servers: charsets,
//! capped and compressed bodies, headers as sent, timeouts, assets, favicons and downloads.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::fast::CaptureOptions;
use super::model::AssetType;
use super::testkit::{
    MAP, capture_lab, capturer, lab_url, landing, options, path_of, serve, serve_raw,
};

fn bytes_page(content_type: Option<&'static str>, body: &'static [u8]) -> Response {
    let mut response = Response::new(Body::from(body));
    if let Some(ct) = content_type {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, ct.parse().unwrap());
    }
    response
}

#[tokio::test]
async fn each_charset_source_is_used() {
    let pages: [(&str, Option<&'static str>, &'static [u8]); 5] = [
        (
            "/bom",
            Some("text/html; charset=iso-8859-2"),
            b"\xef\xbb\xbf<p>caf\xc3\xa9</p>",
        ),
        ("/header", Some("text/html; charset=koi8-r"), b"<p>\xc1</p>"),
        (
            "/meta",
            Some("text/html"),
            b"<meta charset=\"shift_jis\"><p>\x82\xa0</p>",
        ),
        (
            "/equiv",
            None,
            b"<html><meta http-equiv=Content-Type content='text/html; charset=iso-8859-7'>\xe1",
        ),
        ("/default", Some("text/html"), b"<p>caf\xc3\xa9</p>"),
    ];
    let mut router = Router::new();
    for (path, content_type, body) in pages {
        router = router.route(
            path,
            get(move || async move { bytes_page(content_type, body) }),
        );
    }
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(MAP, options());

    let expected = [
        ("/bom", "UTF-8", "bom", "café"),
        ("/header", "KOI8-R", "header", "а"),
        ("/meta", "Shift_JIS", "meta", "あ"),
        ("/equiv", "ISO-8859-7", "meta", "α"),
        ("/default", "windows-1252", "default", "cafÃ©"),
    ];
    for (path, charset, source, text) in expected {
        let capture = capturer.capture(&lab_url(addr, path)).await;
        assert_eq!(capture.charset.as_deref(), Some(charset), "{path}");
        assert_eq!(capture.charset_source.as_deref(), Some(source), "{path}");
        assert!(
            capture.html_text.as_deref().unwrap().contains(text),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_huge_streamed_body_is_cut_at_the_cap() {
    let router = Router::new().route(
        "/huge",
        get(|| async {
            // Up to 10 GB, produced lazily; the capturer must stop long before.
            let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
            let stream = futures::stream::iter(
                (0..160_000).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            (
                [(header::CONTENT_TYPE, "text/html")],
                Body::from_stream(stream),
            )
        }),
    );
    let addr = serve(router).await;
    let cap = 1024 * 1024;
    let (_dir, capturer) = capturer(
        MAP,
        CaptureOptions {
            max_body_bytes: cap,
            ..options()
        },
    );
    let capture = capturer.capture(&lab_url(addr, "/huge")).await;

    let html = capture.html.unwrap();
    assert!(html.truncated);
    assert_eq!(html.size, cap);
    assert_eq!(capture.html_text.unwrap().len(), cap as usize);
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_at_the_cap_and_headers_stay_as_sent() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b' '; 64 << 20]).unwrap();
    let bomb = encoder.finish().unwrap();
    let router = Router::new().route(
        "/bomb",
        get(move || async move {
            let headers = [
                (header::CONTENT_TYPE, "text/html"),
                (header::CONTENT_ENCODING, "gzip"),
            ];
            (headers, bomb.clone()).into_response()
        }),
    );
    let cap = 512 * 1024;
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(
        MAP,
        CaptureOptions {
            max_body_bytes: cap,
            ..options()
        },
    );
    let capture = capturer.capture(&lab_url(addr, "/bomb")).await;

    let html = capture.html.unwrap();
    assert!(html.truncated);
    assert_eq!(html.size, cap);
    let names: Vec<&str> = capture.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"content-encoding") && names.contains(&"content-length"),
        "{names:?}"
    );
    assert!(capture.html_text.unwrap().starts_with("    "));
}

#[tokio::test]
async fn headers_are_recorded_in_server_order() {
    let reply = b"HTTP/1.1 200 OK\r\nX-Zeta: 1\r\nServer: lab\r\nSet-Cookie: a=1\r\n\
                  content-type: text/html\r\nSet-Cookie: b=2\r\nX-ALPHA: 2\r\nContent-Length: 2\r\n\
                  Connection: close\r\n\r\nok";
    let addr = serve_raw(Some(reply.to_vec())).await;
    let (_dir, capturer) = capturer(MAP, options());
    let capture = capturer.capture(&lab_url(addr, "/")).await;

    let names: Vec<&str> = capture.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "X-Zeta",
            "Server",
            "Set-Cookie",
            "content-type",
            "Set-Cookie",
            "X-ALPHA",
            "Content-Length",
            "Connection",
        ]
    );
    assert_eq!(capture.headers[4].1, "b=2");
    assert_eq!(capture.html_text.as_deref(), Some("ok"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let addr = serve_raw(None).await;
    let options = CaptureOptions {
        timeout_per_request: Duration::from_millis(300),
        ..options()
    };
    let (_dir, capturer) = capturer(MAP, options);
    let capture = capturer.capture(&lab_url(addr, "/")).await;

    let error = capture.error.unwrap();
    assert!(error.contains("timed out"), "{error}");
    assert_eq!(capture.chain[0].error.as_deref(), Some(error.as_str()));
    assert_eq!(capture.http_status, None);
}

#[tokio::test]
async fn assets_are_fetched_into_the_blob_store() {
    const JS: &[u8] = b"console.log('kit');";
    const CSS: &[u8] = b"body { color: red }";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really a png";
    let page = "<html><head><link rel=stylesheet href='/s.css'><script src='s.js'></script>\
                <link rel=icon href='/brand.png'></head>\
                <body><img src='/i.png'><img src='http://cdn-outside.test/x.png'>\
                <img src='/missing.png'></body>";
    let router = Router::new()
        .route("/page", get(move || async move { Html(page) }))
        .route(
            "/s.js",
            get(|| async { ([(header::CONTENT_TYPE, "application/javascript")], JS) }),
        )
        .route(
            "/s.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], CSS) }),
        )
        .route(
            "/i.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], PNG) }),
        )
        .route(
            "/brand.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], PNG) }),
        );
    let (dir, capture) = capture_lab(router, "/page").await;

    let sha = |bytes: &[u8]| hex::encode(Sha256::digest(bytes));
    let found: Vec<(String, Option<u16>, Option<String>)> = capture
        .assets
        .iter()
        .map(|a| {
            (
                path_of(&a.url),
                a.status,
                a.body.as_ref().map(|b| b.blob.sha256.clone()),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("/s.css".to_owned(), Some(200), Some(sha(CSS))),
            ("/s.js".to_owned(), Some(200), Some(sha(JS))),
            ("/i.png".to_owned(), Some(200), Some(sha(PNG))),
            ("/x.png".to_owned(), None, None),
            ("/missing.png".to_owned(), Some(404), Some(sha(b""))),
        ]
    );
    let blob = &capture.assets[1].body.as_ref().unwrap().blob;
    assert_eq!(blob.md5, hex::encode(<md5::Md5 as Digest>::digest(JS)));
    let store = crate::blobs::BlobStore::new(dir.path().join("blobs"));
    assert_eq!(store.read(blob).unwrap(), JS);
    assert_eq!(capture.blocked.len(), 1);
    assert!(
        capture.assets[3]
            .error
            .as_deref()
            .unwrap()
            .contains("not in the resolver map")
    );

    let favicon = capture.favicon.unwrap();
    assert_eq!(path_of(&favicon.url), "/brand.png");
    assert_eq!(favicon.body.unwrap().blob.sha256, sha(PNG));
}

#[tokio::test]
async fn the_favicon_falls_back_to_favicon_ico() {
    const ICO: &[u8] = b"\x00\x00\x01\x00\x01\x00\x10\x10";
    let router = landing().route(
        "/favicon.ico",
        get(|| async { ([(header::CONTENT_TYPE, "image/x-icon")], ICO) }),
    );
    let (_dir, capture) = capture_lab(router, "/landing").await;

    let favicon = capture.favicon.unwrap();
    assert_eq!(path_of(&favicon.url), "/favicon.ico");
    assert_eq!(favicon.body.unwrap().size, ICO.len() as u64);
}

#[tokio::test]
async fn an_html_404_is_not_taken_as_an_icon() {
    let router = landing().fallback(|| async {
        (
            StatusCode::NOT_FOUND,
            Html("<!DOCTYPE html><title>404</title>Not Found"),
        )
    });
    let (_dir, capture) = capture_lab(router, "/landing").await;

    let favicon = capture.favicon.unwrap();
    assert_eq!(favicon.status, Some(404));
    assert!(favicon.body.is_none());
    assert_eq!(
        favicon.error.as_deref(),
        Some("not an image (HTTP 404, text/html; charset=utf-8)")
    );
}

#[tokio::test]
async fn an_attachment_is_listed_as_a_download_and_error_pages_are_not() {
    let router = Router::new()
        .route(
            "/invoice",
            get(|| async {
                let headers = [
                    (header::CONTENT_TYPE, "application/zip"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"invoice.zip\"",
                    ),
                ];
                (headers, &b"PK\x03\x04kit"[..])
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "File not found") });
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(MAP, options());

    let download = capturer.capture(&lab_url(addr, "/invoice")).await;
    assert_eq!(download.assets.len(), 1);
    assert_eq!(download.assets[0].asset_type, AssetType::Download);
    assert_eq!(download.assets[0].body.as_ref().unwrap().size, 7);
    assert_eq!(download.html_text, None);

    let missing = capturer.capture(&lab_url(addr, "/missing.php")).await;
    assert_eq!(missing.http_status, Some(404));
    assert!(missing.assets.is_empty());
    assert_eq!(missing.html_text.as_deref(), Some("File not found"));
}
