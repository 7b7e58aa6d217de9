//! The hostile listeners and `/__lab/` routes.

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use trawl_core::lab::{self, LabOptions, LabServer, hostile};
use x509_parser::prelude::*;

use super::{options, raw_get};

/// The leaf certificate a TLS listener presents.
async fn peer_certificate(addr: SocketAddr) -> Vec<u8> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .danger_accept_invalid_certs(true)
        .tls_info(true)
        .build()
        .unwrap();
    let response = client
        .get(format!("https://{addr}/__lab/page/ok"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let info = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .unwrap();
    info.peer_certificate().unwrap().to_vec()
}

async fn hostile_lab() -> (tempfile::TempDir, LabServer) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("site")).unwrap();
    let opts = LabOptions {
        test_routes: true,
        ..options(dir.path(), None)
    };
    (dir, LabServer::start(opts).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_tls_listeners_present_distinct_certificates() {
    let (_dir, lab) = hostile_lab().await;
    let hostile = lab.hostile().unwrap().clone();

    let expired_der = peer_certificate(hostile.expired_tls).await;
    let (_, expired) = parse_x509_certificate(&expired_der).unwrap();
    assert!(expired.validity().not_after < ASN1Time::now());
    assert_ne!(expired.subject(), expired.issuer());

    let self_signed_der = peer_certificate(hostile.self_signed_tls).await;
    let (_, self_signed) = parse_x509_certificate(&self_signed_der).unwrap();
    assert!(self_signed.validity().is_valid());
    assert_eq!(self_signed.subject(), self_signed.issuer());
    assert!(!self_signed.is_ca());

    // A client trusting only the lab CA accepts the valid listener and refuses the other two.
    let strict = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(lab.ca_pem().unwrap().as_bytes()).unwrap()])
        .resolve(lab::HOSTILE_TLS_HOST, hostile.https.unwrap())
        .resolve(lab::EXPIRED_TLS_HOST, hostile.expired_tls)
        .resolve(lab::SELF_SIGNED_TLS_HOST, hostile.self_signed_tls)
        .build()
        .unwrap();
    let url =
        |host: &str, addr: SocketAddr| format!("https://{host}:{}/__lab/page/ok", addr.port());
    let valid = url(lab::HOSTILE_TLS_HOST, hostile.https.unwrap());
    assert_eq!(strict.get(valid).send().await.unwrap().status(), 200);
    let expired_url = url(lab::EXPIRED_TLS_HOST, hostile.expired_tls);
    assert!(strict.get(expired_url).send().await.is_err());
    let self_signed_url = url(lab::SELF_SIGNED_TLS_HOST, hostile.self_signed_tls);
    assert!(strict.get(self_signed_url).send().await.is_err());

    // The hanging listener accepts TCP and never finishes the handshake.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = impatient
        .get(format!("https://{}/", hostile.tls_hang))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    lab.shutdown().await;
}

/// Reads up to `limit` body bytes, then drops the response.
async fn read_prefix(response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while body.len() < limit {
        match stream.next().await {
            Some(chunk) => body.extend_from_slice(&chunk.unwrap()),
            None => break,
        }
    }
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_bodies_stream_and_the_lab_stays_responsive() {
    let (_dir, lab) = hostile_lab().await;
    let base = lab.hostile().unwrap().base_url.clone();
    let raw = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .build()
        .unwrap();
    let inflating = reqwest::Client::builder().no_proxy().build().unwrap();

    let huge = raw.get(format!("{base}huge")).send().await.unwrap();
    assert_eq!(huge.content_length(), Some(hostile::HUGE_BODY_BYTES));
    assert!(read_prefix(huge, 4 << 20).await.len() >= 4 << 20);

    let bomb = raw.get(format!("{base}gzip-bomb")).send().await.unwrap();
    assert_eq!(bomb.headers()["content-encoding"], "gzip");
    let wire = bomb.content_length().unwrap();
    assert!(wire < 50 << 20, "{wire} bytes on the wire");
    assert_eq!(&read_prefix(bomb, 1 << 20).await[..2], [0x1f, 0x8b]);

    let bomb = inflating
        .get(format!("{base}gzip-bomb"))
        .send()
        .await
        .unwrap();
    let inflated = read_prefix(bomb, 32 << 20).await;
    assert!(inflated.len() >= 32 << 20);
    assert!(inflated.iter().all(|b| *b == 0));

    let ok = inflating
        .get(format!("{base}page/ok"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_never_answers_and_shutdown_releases_it() {
    let (_dir, lab) = hostile_lab().await;
    let base = lab.hostile().unwrap().base_url.clone();

    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(1))
        .build();
    let err = impatient
        .unwrap()
        .get(format!("{base}hang"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // A request still held when the lab stops is released, and shutdown returns.
    let patient = reqwest::Client::builder().no_proxy().build().unwrap();
    let held = tokio::spawn(patient.get(format!("{base}hang")).send());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = tokio::time::timeout(Duration::from_secs(30), lab.shutdown()).await;
    assert!(stopped.is_ok(), "shutdown did not return");
    let released = tokio::time::timeout(Duration::from_secs(30), held).await;
    assert!(released.is_ok(), "held request was not released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_charset_and_download_routes() {
    let (_dir, lab) = hostile_lab().await;
    let base = lab.hostile().unwrap().base_url.clone();
    let following = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: &str| following.get(format!("{base}{path}")).send();

    let end = get("redirect/chain?n=6").await.unwrap();
    assert!(end.url().as_str().ends_with("chain?n=0"), "{}", end.url());
    assert!(get("redirect/loop").await.unwrap_err().is_redirect());
    assert!(get("redirect/loop/a").await.unwrap_err().is_redirect());

    let meta = get("redirect/meta?variant=2&to=/x")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(meta.contains(r#"CONTENT='5;URL="/x"'"#), "{meta}");
    let script = get("redirect/script?kind=location.replace").await.unwrap();
    assert!(
        script
            .text()
            .await
            .unwrap()
            .contains("location.replace(\"/__lab/page/ok\")")
    );
    let data = get("redirect/data").await.unwrap().text().await.unwrap();
    assert!(data.contains("url=data:text/html;base64,"));

    let slow = get("slow?ms=10&chunks=3")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(slow.matches("slow chunk").count(), 3);

    let cyrillic = get("charset/header-windows-1251").await.unwrap();
    assert_eq!(
        cyrillic.headers()["content-type"],
        "text/html; charset=windows-1251"
    );
    let bytes = cyrillic.bytes().await.unwrap();
    let (text, _, had_errors) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert!(
        !had_errors && text.contains("Вход в личный кабинет"),
        "{text}"
    );

    let download = get("download").await.unwrap();
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"));
    assert_eq!(&download.bytes().await.unwrap()[..2], b"PK");

    // The routes also answer on a site listener, whatever the Host.
    let site = &lab.sites()[0];
    let (status, _) = raw_get(SocketAddr::new(site.ip, site.port), "x", "/__lab/page/ok").await;
    assert_eq!(status, 200);
    lab.shutdown().await;
}
