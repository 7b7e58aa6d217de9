//! The lab web server: replays saved phishing sites on loopback, one origin per sample.
//!
//! Analysts use it to replay kits and test rules offline; the project's tests and demo use it as
//! the fixture web. This module owns the whole server: reading the hosts plan (`plan`),
//! certificates and TLS listeners (`tls`), static serving with Host routing (`site`), the
//! hostile test routes under `/__lab/` ([`hostile`]) and the listener lifecycle (`serve`).
//! The CLI (`trawl lab serve`) is a thin adapter over [`LabServer`].
//!
//! # Policy
//! - Only loopback addresses are ever bound: a plan IP outside `127.0.0.0/8` (or `::1`) is refused
//!   before anything is bound. The server never makes an outbound request of its own.
//! - Every sample is its own origin: sites that share an `ip:port` are one listener that routes by
//!   the `Host` header. HTTPS, when enabled, listens on `port + offset` with a leaf certificate
//!   (SANs: every hostname on that listener plus its IP) signed by a lab CA made at start.
//!   Each site's HTTP port answers TLS too, with the same kind of leaf: a connection opening
//!   with a TLS handshake byte gets TLS (browsers upgrade HSTS-preloaded names such as
//!   `*.pages.dev` to `https://` on the same port), anything else plain HTTP.
//! - Without a plan, each immediate subfolder of the sites folder becomes a site, in sorted
//!   order: hostname `<folder>.lab.test`, IP `127.0.10.N` (N = 1, 2, …; after `.254` the third
//!   octet moves on), port 8080. A subfolder holding a `site/` folder (the corpus layout) serves
//!   that `site/`, and its `meta.json` `entry` names the entry page.
//! - Errors at start (bad plan, bind failure, certificate failure) are [`LabError`]s naming the
//!   sample or the `ip:port`. Once running, a failing request is answered and logged at `debug`;
//!   nothing is retried.
//! - [`LabServer::shutdown`] stops accepting, releases held connections (`/__lab/hang`, streams)
//!   and waits a bounded time for connections to finish before aborting them.

pub mod hostile;
mod plan;
mod serve;
mod site;
mod sniff;
mod tls;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use plan::{SitePlan, load_plan, plan_from_folder};
pub use serve::LabServer;
pub use tls::{EXPIRED_TLS_HOST, HOSTILE_TLS_HOST, SELF_SIGNED_TLS_HOST};

/// The default distance between a site's HTTP port and its HTTPS port (8080 → 8443).
pub const DEFAULT_HTTPS_PORT_OFFSET: u16 = 363;

/// How the server picks the ports it binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortPolicy {
    /// Bind the plan's ports (HTTPS on port + offset). The normal mode.
    #[default]
    AsPlanned,
    /// Keep the plan's IPs and its grouping of sites into listeners, but let the OS pick every
    /// port. For tests and demos that must not collide with a running lab.
    Ephemeral,
}

/// What to serve and how; see [`LabServer::start`].
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// Folder of saved sites. Without a plan, each immediate subfolder is one site; with a plan,
    /// relative docroots not found next to the plan file are looked up here.
    pub sites_dir: PathBuf,
    /// Hosts plan (TSV: `id hostname ip port docroot entry_path`).
    pub hosts_plan: Option<PathBuf>,
    /// HTTPS port = HTTP port + this offset; `None` serves plain HTTP only.
    pub https_port_offset: Option<u16>,
    /// Enable the hostile routes under `/__lab/` and the hostile TLS listeners.
    pub test_routes: bool,
    /// Write the lab CA certificate (PEM) to this file.
    pub ca_out: Option<PathBuf>,
    /// Which ports to bind.
    pub ports: PortPolicy,
}

impl LabOptions {
    /// Options for serving `sites_dir` without a plan: HTTPS at the default offset, no hostile
    /// routes, planned ports.
    pub fn new(sites_dir: impl Into<PathBuf>) -> Self {
        LabOptions {
            sites_dir: sites_dir.into(),
            hosts_plan: None,
            https_port_offset: Some(DEFAULT_HTTPS_PORT_OFFSET),
            test_routes: false,
            ca_out: None,
            ports: PortPolicy::AsPlanned,
        }
    }
}

/// One served sample, with the ports actually bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabSite {
    /// Sample id from the plan (or the folder name).
    pub id: String,
    /// Hostname the site answers to (lowercase).
    pub hostname: String,
    /// Loopback IP it is bound on.
    pub ip: IpAddr,
    /// HTTP port.
    pub port: u16,
    /// HTTPS port, when HTTPS is enabled.
    pub https_port: Option<u16>,
    /// `http://hostname:port/entry_path`: the URL to capture.
    pub entry_url: String,
}

/// Addresses of the listeners that exist only with `test_routes`.
///
/// All of them bind `127.0.0.1` on ports the OS picks. The `/__lab/` routes are also served on
/// every site listener, whatever the `Host` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostileEndpoints {
    /// `http://127.0.0.1:PORT/__lab/`: base URL of the hostile routes (an index page).
    pub base_url: String,
    /// Plain HTTP listener serving only `/__lab/` routes.
    pub http: SocketAddr,
    /// The same routes over TLS with a CA-signed certificate ([`HOSTILE_TLS_HOST`]), when HTTPS
    /// is enabled.
    pub https: Option<SocketAddr>,
    /// TLS with a certificate signed by the lab CA whose validity ended in the past
    /// ([`EXPIRED_TLS_HOST`]).
    pub expired_tls: SocketAddr,
    /// TLS with a self-signed leaf, no CA ([`SELF_SIGNED_TLS_HOST`]).
    pub self_signed_tls: SocketAddr,
    /// Accepts TCP and never answers the TLS ClientHello.
    pub tls_hang: SocketAddr,
}

/// What a bound listener is for (printed by the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerRole {
    /// Serves these sites, routed by `Host`.
    Sites(Vec<String>),
    /// Hostile routes only, valid certificate when TLS.
    Hostile,
    /// TLS with an expired certificate.
    ExpiredTls,
    /// TLS with a self-signed certificate.
    SelfSignedTls,
    /// Accepts TCP, never completes the TLS handshake.
    TlsHang,
}

/// One bound socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabListener {
    /// Bound address.
    pub addr: SocketAddr,
    /// Whether connections speak TLS.
    pub tls: bool,
    /// What it serves.
    pub role: ListenerRole,
}

impl fmt::Display for LabListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}  ", self.addr)?;
        match &self.role {
            ListenerRole::Sites(hosts) => write!(f, "{}", hosts.join(", ")),
            ListenerRole::Hostile => write!(f, "hostile /__lab/ routes"),
            ListenerRole::ExpiredTls => write!(f, "hostile: expired certificate"),
            ListenerRole::SelfSignedTls => write!(f, "hostile: self-signed certificate"),
            ListenerRole::TlsHang => write!(f, "hostile: TLS handshake never completes"),
        }
    }
}

/// Why the lab server could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The sites folder or the plan file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of the hosts plan is malformed.
    #[error("hosts plan {path}, line {line}: {message}")]
    Plan {
        /// The plan file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A site would bind an address outside loopback.
    #[error("site {id}: IP {ip} is not a loopback address; the lab binds 127.0.0.0/8 only")]
    NotLoopback {
        /// Sample id.
        id: String,
        /// The refused IP.
        ip: IpAddr,
    },
    /// Two sites claim the same hostname.
    #[error("hostname {hostname} is planned twice (sites {first} and {second})")]
    DuplicateHost {
        /// The hostname.
        hostname: String,
        /// First sample claiming it.
        first: String,
        /// Second sample claiming it.
        second: String,
    },
    /// A site's document root is missing or not a folder.
    #[error("site {id}: document root {path} is not a folder")]
    Docroot {
        /// Sample id.
        id: String,
        /// The resolved docroot.
        path: PathBuf,
    },
    /// There is nothing to serve.
    #[error("no sites to serve in {0}")]
    NoSites(PathBuf),
    /// `port + offset` does not fit in a port number.
    #[error("HTTPS port for {port} + offset {offset} is out of range")]
    PortRange {
        /// HTTP port.
        port: u16,
        /// HTTPS offset.
        offset: u16,
    },
    /// A socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error (address in use, not permitted, …).
        source: std::io::Error,
    },
    /// Certificate generation or TLS setup failed.
    #[error("TLS setup for {what}: {message}")]
    Tls {
        /// Which certificate or listener.
        what: String,
        /// The underlying error.
        message: String,
    },
    /// The CA certificate could not be written.
    #[error("cannot write the CA certificate to {path}")]
    CaOut {
        /// Target file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The corpus folder for tests: `TRAWL_CORPUS`, else `../shared/corpus` beside the workspace.
/// Prints a skip line and returns `None` when it is absent.
#[cfg(test)]
pub(crate) fn test_corpus() -> Option<PathBuf> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
    let path =
        std::env::var_os("TRAWL_CORPUS").map_or_else(|| PathBuf::from(default), PathBuf::from);
    if path.join("hosts-plan.tsv").is_file() {
        Some(path)
    } else {
        eprintln!("skipping: corpus not found at {}", path.display());
        None
    }
}
