//! The fast capturer's navigation against loopback servers: every redirect kind, loops,
//! the hop cap, fragments, `data:` targets, and the guard and sealed resolver on each hop.

use axum::Router;
use axum::extract::Path;
use axum::response::{Html, Redirect};
use axum::routing::get;
use url::Url;

use super::fast::CaptureOptions;
use super::guard::GuardPolicy;
use super::model::HopKind;
use super::testkit::{
    MAP, capture_lab, capturer, kinds, lab_url, landing, options, path_of, serve,
};

#[tokio::test]
async fn http_redirects_relative_and_absolute_are_followed() {
    let addr_holder = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let port = addr_holder.clone();
    let router = landing()
        .route("/r1", get(|| async { Redirect::to("r2") }))
        .route(
            "/r2",
            get(move || async move {
                let target = format!("http://lab.test:{}/landing", port.get().unwrap());
                Redirect::permanent(&target)
            }),
        );
    let addr = serve(router).await;
    addr_holder.set(addr.port()).unwrap();
    let (_dir, capturer) = capturer(MAP, options());
    let capture = capturer.capture(&lab_url(addr, "/r1")).await;

    assert_eq!(
        kinds(&capture),
        [HopKind::Initial, HopKind::Http, HopKind::Http]
    );
    let statuses: Vec<_> = capture.chain.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [Some(303), Some(308), Some(200)]);
    assert_eq!(path_of(&capture.final_url), "/landing");
    assert_eq!(capture.title.as_deref(), Some("Landed"));
    assert_eq!(capture.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(capture.dns.as_ref().unwrap().source, "resolver-map");
    assert_eq!(capture.error, None);
}

#[tokio::test]
async fn each_meta_refresh_variant_is_followed() {
    let variants = [
        "content=\"0;url=/landing\"",
        "content=\"0; URL='/landing'\"",
        "content='5;URL=\"/landing\"'",
        "content=0;url=landing",
        "CONTENT=\"0; Url = /landing\"",
        "content='1;/landing'",
    ];
    for content in variants {
        let page = format!("<html><head><meta http-equiv='REFRESH' {content}></head>");
        let router = landing().route("/m", get(move || async move { Html(page) }));
        let (_dir, capture) = capture_lab(router, "/m").await;

        assert_eq!(
            kinds(&capture),
            [HopKind::Initial, HopKind::MetaRefresh],
            "{content}"
        );
        assert_eq!(path_of(&capture.final_url), "/landing", "{content}");
    }
}

#[tokio::test]
async fn each_script_redirect_kind_is_followed() {
    let scripts = [
        "location = '/landing';",
        "location.href = \"/landing\";",
        "location.replace('/landing');",
        "location.assign(\"/landing\");",
        "window.location = '/landing';",
        "window.location.href = '/landing';",
        "window.top.location.href = '/landing';",
        "document.location.href = '/landing';",
        "self.location = '/landing';",
        "setTimeout(function () { top.location.replace('/landing') }, 3000);",
    ];
    for script in scripts {
        let page = format!("<html><body><p>wait</p><script>{script}</script></body></html>");
        let router = landing().route("/s", get(move || async move { Html(page) }));
        let (_dir, capture) = capture_lab(router, "/s").await;

        assert_eq!(
            kinds(&capture),
            [HopKind::Initial, HopKind::Script],
            "{script}"
        );
        assert_eq!(capture.title.as_deref(), Some("Landed"), "{script}");
    }
}

#[tokio::test]
async fn a_data_target_is_recorded_and_decoded_but_not_fetched() {
    // Base64 of "<title>inside</title>".
    let page =
        "<meta http-equiv=refresh content='0;data:text/html;base64,PHRpdGxlPmluc2lkZTwvdGl0bGU+'>";
    let router = Router::new().route("/d", get(move || async move { Html(page) }));
    let (dir, capture) = capture_lab(router, "/d").await;

    assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Data]);
    let data_hop = &capture.chain[1];
    assert!(data_hop.url.starts_with("data:text/html;base64,"));
    assert_eq!(data_hop.status, None);
    let body = data_hop.body.as_ref().unwrap();
    assert_eq!(body.content_type.as_deref(), Some("text/html"));
    let store = crate::blobs::BlobStore::new(dir.path().join("blobs"));
    assert_eq!(store.read(&body.blob).unwrap(), b"<title>inside</title>");
    assert_eq!(path_of(&capture.final_url), "/d");
    assert_eq!(capture.error, None);
}

#[tokio::test]
async fn a_redirect_loop_is_stopped() {
    let router = Router::new()
        .route("/a", get(|| async { Redirect::temporary("/b") }))
        .route(
            "/b",
            get(|| async { Html("<meta http-equiv=refresh content='0;url=/a'>") }),
        );
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(MAP, options());
    let capture = capturer.capture(&lab_url(addr, "/a")).await;

    assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Http]);
    assert_eq!(
        capture.error,
        Some(format!("redirect loop at {}", lab_url(addr, "/a")))
    );
}

#[tokio::test]
async fn the_hop_cap_stops_endless_chains() {
    let router = Router::new().route(
        "/hop/{n}",
        get(|Path(n): Path<u32>| async move { Redirect::temporary(&format!("/hop/{}", n + 1)) }),
    );
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(
        MAP,
        CaptureOptions {
            max_hops: 3,
            ..options()
        },
    );
    let capture = capturer.capture(&lab_url(addr, "/hop/0")).await;

    assert_eq!(capture.chain.len(), 4);
    assert_eq!(
        capture.error.as_deref(),
        Some("too many redirects (more than 3)")
    );
    assert_eq!(path_of(&capture.final_url), "/hop/3");
}

#[tokio::test]
async fn the_fragment_is_carried_across_http_redirects() {
    let router = landing()
        .route("/f1", get(|| async { Redirect::to("/f2") }))
        .route("/f2", get(|| async { Redirect::to("/landing") }))
        .route("/own", get(|| async { Redirect::to("/landing#own") }));
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(MAP, options());

    let carried = capturer.capture(&lab_url(addr, "/f1#frag")).await;
    assert_eq!(path_of(&carried.final_url), "/landing#frag");
    assert_eq!(carried.fragment.as_deref(), Some("frag"));
    assert!(carried.chain.iter().all(|h| h.url.ends_with("#frag")));

    let replaced = capturer.capture(&lab_url(addr, "/own#frag")).await;
    assert_eq!(replaced.fragment.as_deref(), Some("own"));
}

#[tokio::test]
async fn non_web_schemes_are_refused() {
    let (_dir, capturer) = capturer(MAP, options());
    for target in [
        "file:///etc/passwd",
        "ftp://lab.test/x",
        "data:text/html,hi",
    ] {
        let capture = capturer.capture(&Url::parse(target).unwrap()).await;
        assert_eq!(capture.blocked.len(), 1, "{target}");
        assert!(
            capture.error.unwrap().contains("only http and https"),
            "{target}"
        );
        assert_eq!(capture.chain[0].status, None);
    }
}

#[tokio::test]
async fn private_and_metadata_addresses_are_refused() {
    let addr = serve(landing()).await;
    let (_dir, capturer) = capturer(MAP, options());
    let private = Url::parse(&format!("http://127.0.0.1:{}/landing", addr.port())).unwrap();
    let capture = capturer.capture(&private).await;
    assert_eq!(
        capture.blocked[0].reason,
        "blocked: 127.0.0.1 is a loopback address (use --allow-private for lab targets)"
    );
    assert_eq!(capture.http_status, None);

    let allowing = CaptureOptions {
        guard: GuardPolicy {
            allow_private: true,
        },
        ..options()
    };
    let (_dir2, lab) = super::testkit::capturer("meta.test=169.254.169.254", allowing);
    assert_eq!(
        lab.capture(&private).await.http_status,
        Some(200),
        "allowed explicitly"
    );

    for target in [
        "http://169.254.169.254/latest/meta-data/",
        "http://meta.test/",
    ] {
        let capture = lab.capture(&Url::parse(target).unwrap()).await;
        assert_eq!(
            capture.blocked[0].reason,
            "blocked: 169.254.169.254 is a cloud metadata address"
        );
    }
}

#[tokio::test]
async fn a_mapped_name_may_point_at_loopback() {
    let (_dir, capture) = capture_lab(landing(), "/landing").await;
    assert_eq!(capture.http_status, Some(200));
    assert!(capture.blocked.is_empty());
}

#[tokio::test]
async fn the_sealed_resolver_refuses_outside_hosts() {
    let page = "<script>window.location.href = 'http://fatoff-outside.test/?a=1';</script>\
                <img src='http://cdn-outside.test/logo.png'>";
    let router = Router::new().route("/redir", get(move || async move { Html(page) }));
    let (_dir, capture) = capture_lab(router, "/redir").await;

    let reason = "fatoff-outside.test is not in the resolver map \
                  (lab mode; pass --dns to resolve other names)";
    let last = capture.chain.last().unwrap();
    assert_eq!(last.kind, HopKind::Script);
    assert_eq!(last.error.as_deref(), Some(reason));
    assert_eq!(capture.error.as_deref(), Some(reason));
    assert_eq!(capture.blocked[0].url, "http://fatoff-outside.test/?a=1");
    assert_eq!(
        path_of(&capture.final_url),
        "/redir",
        "the last document that answered"
    );
}

#[tokio::test]
async fn the_guard_applies_to_every_redirect_hop() {
    let router = Router::new()
        .route(
            "/to-file",
            get(|| async { Redirect::to("file:///etc/passwd") }),
        )
        .route(
            "/to-js",
            get(|| async { Html("<meta http-equiv=refresh content='0;url=javascript:alert(1)'>") }),
        )
        .route(
            "/to-ip",
            get(|| async { Redirect::to("http://10.0.0.5/admin") }),
        );
    let addr = serve(router).await;
    let (_dir, capturer) = capturer(MAP, options());

    let expected = [
        (
            "/to-file",
            "blocked: file: URLs are not fetched (only http and https)",
        ),
        (
            "/to-js",
            "blocked: javascript: URLs are not fetched (only http and https)",
        ),
        (
            "/to-ip",
            "blocked: 10.0.0.5 is a private address (use --allow-private for lab targets)",
        ),
    ];
    for (path, reason) in expected {
        let capture = capturer.capture(&lab_url(addr, path)).await;
        assert_eq!(capture.chain.len(), 2, "{path}");
        assert_eq!(capture.chain[1].error.as_deref(), Some(reason), "{path}");
        assert_eq!(capture.blocked.len(), 1, "{path}");
        assert_eq!(path_of(&capture.final_url), path, "{path}");
    }
}
