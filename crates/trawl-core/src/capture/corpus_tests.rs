//! The fast capturer against the real-input corpus served on loopback as one origin, with the
//! sealed resolver map keeping every outside host (CDNs, brands' sites) off the network.

use std::time::Instant;

use url::Url;

use super::model::HopKind;
use super::testkit::{capturer, options, serve_dir};
use crate::fingerprint::test_corpus;

/// The corpus URL lists, rewritten from `127.0.0.1:8000` to the lab server.
fn corpus_urls(corpus: &std::path::Path, file: &str, port: u16) -> Vec<Url> {
    let text = std::fs::read_to_string(corpus.join(file)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.replace(
                "http://127.0.0.1:8000/",
                &format!("http://lab.test:{port}/"),
            )
        })
        .map(|l| Url::parse(&l).unwrap())
        .collect()
}

#[tokio::test]
async fn every_corpus_page_is_captured_without_leaving_the_lab() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let addr = serve_dir(corpus.join("phish")).await;
    let (_dir, capturer) = capturer("lab.test=127.0.0.1", options());
    let mut urls = corpus_urls(&corpus, "urls-local.txt", addr.port());
    urls.extend(corpus_urls(&corpus, "urls-local-extra.txt", addr.port()));

    let started = Instant::now();
    let mut assets = 0;
    for url in &urls {
        let capture = capturer.capture(url).await;
        assert_eq!(capture.chain[0].status, Some(200), "{url}");
        assert!(capture.html.is_some(), "{url}");
        for blocked in &capture.blocked {
            assert!(
                blocked.reason.contains("not in the resolver map"),
                "{url}: {blocked:?}"
            );
            assert!(!blocked.url.contains("lab.test"), "{url}: {blocked:?}");
        }
        assets += capture.assets.len();
    }
    println!(
        "captured {} corpus pages with {assets} assets in {:.2}s",
        urls.len(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn corpus_redirect_pages_end_where_a_browser_would() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let addr = serve_dir(corpus.join("phish")).await;
    let (dir, capturer) = capturer("lab.test=127.0.0.1", options());
    let url = |path: &str| Url::parse(&format!("http://lab.test:{}/{path}", addr.port())).unwrap();

    // Sample 15: a meta refresh to a data: URL holding the whole Dropbox page.
    let dropbox = capturer
        .capture(&url("15-pk-dropbox-spacebox/site/SS.html"))
        .await;
    let data_hop = dropbox.chain.last().unwrap();
    assert_eq!(data_hop.kind, HopKind::Data);
    let payload = crate::blobs::BlobStore::new(dir.path().join("blobs"))
        .read(&data_hop.body.as_ref().unwrap().blob)
        .unwrap();
    assert!(String::from_utf8_lossy(&payload).contains("<title>Dropbox</title>"));
    assert!(dropbox.final_url.ends_with("/SS.html"));

    // Sample 17: a meta refresh to a PHP page that was not kept.
    let amex = capturer
        .capture(&url("17-pk-amex-2017/site/myca/index.html"))
        .await;
    let kinds: Vec<HopKind> = amex.chain.iter().map(|h| h.kind).collect();
    assert_eq!(kinds, [HopKind::Initial, HopKind::MetaRefresh]);
    assert!(amex.final_url.ends_with("/myca/index.php"));
    assert_eq!(amex.http_status, Some(404));

    // Sample 01: its refresh sits in <noscript>, which a scripting browser ignores.
    let google = capturer
        .capture(&url("01-pp-accounts.g.cdcde.com/site/index.html"))
        .await;
    assert_eq!(google.chain.len(), 1);
}
