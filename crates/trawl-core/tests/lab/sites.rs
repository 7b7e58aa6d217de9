//! Serving saved sites: the corpus, Host routing on a shared listener, path confinement,
//! folder mode, start-up errors.

use std::net::SocketAddr;
use std::path::PathBuf;

use trawl_core::lab::{LabError, LabOptions, LabServer, PortPolicy};

use super::{client_for, corpus, options, raw_get};

/// Two sites sharing one `ip:port`, with a secret file beside the docroots.
fn shared_listener_fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, body) in [("a", "site A"), ("b", "site B")] {
        std::fs::create_dir_all(root.join(format!("sites/{name}/sub"))).unwrap();
        std::fs::write(root.join(format!("sites/{name}/index.html")), body).unwrap();
        std::fs::write(root.join(format!("sites/{name}/sub/index.html")), "sub").unwrap();
    }
    std::fs::write(root.join("sites/a/style.css"), "p{}").unwrap();
    std::fs::write(root.join("secret.txt"), "TOP SECRET").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("secret.txt"), root.join("sites/a/escape.txt"))
            .unwrap();
        std::os::unix::fs::symlink(
            root.join("sites/a/style.css"),
            root.join("sites/a/alias.css"),
        )
        .unwrap();
    }
    let plan = root.join("plan.tsv");
    let rows = "id\thostname\tip\tport\tdocroot\tentry_path\n\
                a\ta.lab.test\t127.0.10.200\t8080\tsites/a\t/index.html\n\
                b\tB.lab.test\t127.0.10.200\t8080\tsites/b\t/\n";
    std::fs::write(&plan, rows).unwrap();
    (dir, plan)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_corpus_one_origin_per_sample() {
    let Some(corpus) = corpus() else { return };
    let opts = options(&corpus.join("phish"), Some(corpus.join("hosts-plan.tsv")));
    let lab = LabServer::start(opts).await.unwrap();
    let client = client_for(&lab);

    assert_eq!(lab.sites().len(), 55);
    assert_eq!(lab.resolver_map().lines().count(), 55);
    assert!(
        lab.resolver_map()
            .contains("35.vscustomer.com=127.0.10.6\n")
    );
    let g1: Vec<_> = lab
        .sites()
        .iter()
        .filter(|s| s.id.contains("vscustomer"))
        .collect();
    assert!(g1.iter().all(|s| s.ip == g1[0].ip));
    assert_ne!(g1[0].port, g1[1].port, "G1 members keep their own ports");

    let plan = std::fs::read_to_string(corpus.join("hosts-plan.tsv")).unwrap();
    for (site, row) in lab.sites().iter().zip(plan.lines().skip(1)) {
        let response = client.get(&site.entry_url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", site.entry_url);
        assert_eq!(response.headers()["content-type"], "text/html");

        let fields: Vec<&str> = row.split('\t').collect();
        let file = corpus
            .join(fields[4])
            .join(fields[5].trim_start_matches('/'));
        let body = response.bytes().await.unwrap();
        assert_eq!(body.as_ref(), std::fs::read(&file).unwrap(), "{}", site.id);
    }

    // HTTPS with the lab CA, on a sample with a real-looking hostname.
    let site = &lab.sites()[2];
    let url = format!(
        "https://{}:{}/index.html",
        site.hostname,
        site.https_port.unwrap()
    );
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_by_host_and_confines_paths() {
    let (dir, plan) = shared_listener_fixture();
    let lab = LabServer::start(options(&dir.path().join("sites"), Some(plan)))
        .await
        .unwrap();
    let client = client_for(&lab);
    let [a, b] = lab.sites() else {
        panic!("two sites expected")
    };
    assert_eq!((a.ip, a.port), (b.ip, b.port));
    assert_eq!(b.hostname, "b.lab.test");

    let get = |url: String| client.get(url).send();
    let body_a = get(a.entry_url.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let body_b = get(b.entry_url.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!((body_a.as_str(), body_b.as_str()), ("site A", "site B"));

    let addr = SocketAddr::new(a.ip, a.port);
    let (status, text) = raw_get(addr, "unknown.test", "/index.html").await;
    assert_eq!(status, 404, "{text}");

    let base = format!("http://a.lab.test:{}", a.port);
    let missing = get(format!("{base}/nope.html")).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let css = get(format!("{base}/style.css")).await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css");
    let folder = get(format!("{base}/sub")).await.unwrap();
    assert_eq!(folder.status(), 301);
    assert_eq!(folder.headers()["location"], "/sub/");
    let (_, text) = raw_get(addr, "a.lab.test", "//sub").await;
    assert!(text.contains("location: /sub/\r\n"), "{text}");
    let sub = get(format!("{base}/sub/")).await.unwrap();
    assert_eq!(sub.text().await.unwrap(), "sub");

    let head = client
        .head(format!("{base}/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()["content-length"], "6");
    assert!(head.bytes().await.unwrap().is_empty());
    let post = client
        .post(format!("{base}/login.php"))
        .body("user=x&pass=y")
        .send()
        .await;
    assert!(
        post.unwrap()
            .text()
            .await
            .unwrap()
            .contains("lab: form received")
    );
    let put = client
        .put(format!("{base}/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);

    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/%2E%2E/%2e%2e/secret.txt",
    ] {
        let (status, text) = raw_get(addr, "a.lab.test", target).await;
        assert_eq!(status, 403, "{target}");
        assert!(!text.contains("TOP SECRET"), "{target}");
    }
    #[cfg(unix)]
    {
        let (status, text) = raw_get(addr, "a.lab.test", "/escape.txt").await;
        assert_eq!(status, 403);
        assert!(!text.contains("TOP SECRET"));
        assert_eq!(raw_get(addr, "a.lab.test", "/alias.css").await.0, 200);
    }

    // One HTTPS certificate covers both hostnames of the listener.
    for site in [a, b] {
        let url = format!("https://{}:{}/", site.hostname, site.https_port.unwrap());
        assert_eq!(get(url).await.unwrap().status(), 200, "{}", site.hostname);
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_mode_gives_each_subfolder_its_own_origin() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["beta", "alpha"] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("index.html"), name).unwrap();
    }
    let ca_file = dir.path().join("ca.pem");
    let opts = LabOptions {
        ca_out: Some(ca_file.clone()),
        ..options(dir.path(), None)
    };
    let lab = LabServer::start(opts).await.unwrap();

    let map = lab.resolver_map();
    assert_eq!(map, "alpha.lab.test=127.0.10.1\nbeta.lab.test=127.0.10.2\n");
    assert_eq!(
        std::fs::read_to_string(&ca_file).unwrap(),
        lab.ca_pem().unwrap()
    );
    let client = client_for(&lab);
    for site in lab.sites() {
        let body = client
            .get(&site.entry_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, site.id);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn refuses_outside_ips_and_names_the_busy_address() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.tsv");
    let header = "id\thostname\tip\tport\tdocroot\tentry_path\n";
    std::fs::write(&plan, format!("{header}x\tx.test\t192.0.2.1\t8080\t.\t/\n")).unwrap();
    let err = LabServer::start(options(dir.path(), Some(plan.clone())))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LabError::NotLoopback { .. }), "{err}");

    let busy = tokio::net::TcpListener::bind("127.0.10.201:0")
        .await
        .unwrap();
    let addr = busy.local_addr().unwrap();
    let row = format!("x\tx.test\t{}\t{}\t.\t/\n", addr.ip(), addr.port());
    std::fs::write(&plan, format!("{header}{row}")).unwrap();
    let opts = LabOptions {
        ports: PortPolicy::AsPlanned,
        https_port_offset: None,
        ..options(dir.path(), Some(plan))
    };
    let err = LabServer::start(opts).await.err().unwrap();
    assert!(matches!(err, LabError::Bind { .. }), "{err}");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

/// Regression (full capture of `ufggfnh2.pages.dev`): Chromium upgrades HSTS-preloaded names
/// to `https://` on the same port, so a site's HTTP port must answer a TLS client too — with
/// a lab certificate for the site — and keep answering plain HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_http_port_answers_tls_as_well() {
    let (_dir, plan) = shared_listener_fixture();
    let sites_dir = plan.parent().unwrap().to_path_buf();
    let opts = LabOptions {
        https_port_offset: None,
        ..options(&sites_dir, Some(plan))
    };
    let lab = LabServer::start(opts).await.unwrap();
    let site = &lab.sites()[0];
    let client = client_for(&lab);

    let plain = client.get(&site.entry_url).send().await.unwrap();
    assert_eq!(plain.text().await.unwrap(), "site A");
    // The same port, upgraded: the lab CA-signed leaf names the host, so this verifies.
    let upgraded = site.entry_url.replacen("http://", "https://", 1);
    let tls = client.get(&upgraded).send().await.unwrap();
    assert_eq!(tls.status(), 200);
    assert_eq!(tls.text().await.unwrap(), "site A");
    let (status, _) = raw_get(SocketAddr::new(site.ip, site.port), "b.lab.test", "/").await;
    assert_eq!(status, 200, "plain HTTP still routes by Host");
    lab.shutdown().await;
}
