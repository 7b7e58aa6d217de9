//! The lab web server, started in-process on loopback with OS-chosen ports: the corpus served
//! one origin per sample, Host routing, path confinement, HTTPS with the lab CA ([`sites`]), and
//! the hostile routes and listeners ([`hostile`]). Every client resolves names through
//! `.resolve()` and uses no proxy, so no DNS query or outside connection is made.

mod hostile;
mod sites;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trawl_core::lab::{LabOptions, LabServer, PortPolicy};

pub fn corpus() -> Option<PathBuf> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
    let path =
        std::env::var_os("TRAWL_CORPUS").map_or_else(|| PathBuf::from(default), PathBuf::from);
    if path.join("hosts-plan.tsv").is_file() {
        Some(path)
    } else {
        println!("skipping: corpus not found at {}", path.display());
        None
    }
}

pub fn options(sites_dir: &Path, plan: Option<PathBuf>) -> LabOptions {
    LabOptions {
        hosts_plan: plan,
        ports: PortPolicy::Ephemeral,
        ..LabOptions::new(sites_dir)
    }
}

/// A client that resolves every lab hostname to its IP and trusts the lab CA.
pub fn client_for(lab: &LabServer) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30));
    for site in lab.sites() {
        builder = builder.resolve(&site.hostname, SocketAddr::new(site.ip, 0));
    }
    if let Some(pem) = lab.ca_pem() {
        builder =
            builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

/// Sends one raw HTTP/1.1 request (no URL normalisation) and returns status and body.
pub async fn raw_get(addr: SocketAddr, host: &str, target: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    (status, text)
}
