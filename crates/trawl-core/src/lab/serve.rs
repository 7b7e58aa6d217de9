//! Starting and stopping the lab: binds every listener (all or nothing), then runs one axum
//! server per listener until [`LabServer::shutdown`].
//!
//! Sites sharing an `ip:port` become one listener; its HTTPS twin listens on `port + offset`.
//! A site's HTTP port also answers TLS (see [`super::sniff`]: browsers upgrade HSTS-preloaded
//! names like `*.dev` to HTTPS on the same port), so the lab CA is always made.
//! Hostile listeners (only with `test_routes`) bind `127.0.0.1` on OS-chosen ports. Nothing is
//! spawned until every socket is bound, so a failed start leaves nothing running.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_native_tls::TlsAcceptor;
use tracing::{info, warn};

use super::plan::{self, SitePlan};
use super::site::{self, ListenerState, Site};
use super::sniff::sniff_listener;
use super::tls::{self, LabCa, tls_listener};
use super::{
    HOSTILE_TLS_HOST, HostileEndpoints, LabError, LabListener, LabOptions, LabSite, ListenerRole,
    PortPolicy,
};

/// How long [`LabServer::shutdown`] waits for open connections before aborting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// IP of the hostile listeners.
const HOSTILE_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A clonable "the lab is stopping" signal.
#[derive(Clone, Debug)]
pub(crate) struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// Wraps the receiving side of the lab's stop channel.
    pub(crate) fn new(rx: watch::Receiver<bool>) -> Shutdown {
        Shutdown(rx)
    }

    /// Resolves once the lab is stopping (or its owner is gone).
    pub(crate) async fn wait(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    /// Whether the lab is stopping.
    pub(crate) fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}

/// A running lab: every listener bound and serving.
///
/// Dropping it tells every listener to stop without waiting; [`LabServer::shutdown`] also waits.
pub struct LabServer {
    sites: Vec<LabSite>,
    listeners: Vec<LabListener>,
    hostile: Option<HostileEndpoints>,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// A bound socket waiting to be served.
enum Pending {
    Http(TcpListener, ListenerState),
    /// A site's HTTP port: plain HTTP, or TLS when the client opens with a handshake.
    HttpOrTls(TcpListener, SocketAddr, TlsAcceptor, ListenerState),
    Https(TcpListener, SocketAddr, TlsAcceptor, ListenerState),
    TlsHang(TcpListener),
}

impl LabServer {
    /// Reads the plan (or the sites folder), binds every listener and starts serving. Returns
    /// once all sockets are listening.
    pub async fn start(opts: LabOptions) -> Result<LabServer, LabError> {
        let plan = match &opts.hosts_plan {
            Some(path) => plan::load_plan(path, &opts.sites_dir)?,
            None => plan::plan_from_folder(&opts.sites_dir)?,
        };
        plan::validate(&plan)?;
        if plan.is_empty() && !opts.test_routes {
            return Err(LabError::NoSites(opts.sites_dir.clone()));
        }

        let https = opts.https_port_offset;
        // Always made: every site's HTTP port answers TLS too (a P-256 key pair, cheap).
        let ca = Some(LabCa::new()?);
        if let (Some(ca), Some(path)) = (&ca, &opts.ca_out) {
            std::fs::write(path, ca.pem()).map_err(|source| LabError::CaOut {
                path: path.clone(),
                source,
            })?;
        }

        let (stop, stop_rx) = watch::channel(false);
        let shutdown = Shutdown::new(stop_rx);
        let mut binder = Binder {
            ports: opts.ports,
            test_routes: opts.test_routes,
            shutdown: shutdown.clone(),
            pending: Vec::new(),
            listeners: Vec::new(),
        };

        let mut sites = Vec::new();
        for group in group_by_listener(&plan) {
            sites.extend(binder.bind_sites(&group, https, ca.as_ref()).await?);
        }
        let hostile = match (&ca, opts.test_routes) {
            (Some(ca), true) => Some(binder.bind_hostile(https.is_some(), ca).await?),
            _ => None,
        };

        let tasks = spawn_all(binder.pending, &shutdown);
        for listener in &binder.listeners {
            info!(%listener, "lab listening");
        }
        info!(
            sites = sites.len(),
            listeners = binder.listeners.len(),
            "lab started"
        );
        Ok(LabServer {
            sites,
            listeners: binder.listeners,
            hostile,
            ca_pem: ca.map(|ca| ca.pem()),
            stop,
            tasks,
        })
    }

    /// Every served site, in plan order, with the ports actually bound.
    pub fn sites(&self) -> &[LabSite] {
        &self.sites
    }

    /// Every bound listener, sites first, then the hostile ones.
    pub fn listeners(&self) -> &[LabListener] {
        &self.listeners
    }

    /// `host=ip` lines, one per served hostname, in plan order (no comments).
    pub fn resolver_map(&self) -> String {
        self.sites
            .iter()
            .map(|s| format!("{}={}\n", s.hostname, s.ip))
            .collect()
    }

    /// The hostile listeners, when started with `test_routes`.
    pub fn hostile(&self) -> Option<&HostileEndpoints> {
        self.hostile.as_ref()
    }

    /// The lab CA certificate (PEM) that signs every valid lab certificate, when one was made.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Stops accepting, releases held connections, waits up to a few seconds for open
    /// connections to finish, then aborts what is left.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut self.tasks);
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        let all = futures::future::join_all(tasks);
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            warn!("lab: connections still open after {SHUTDOWN_GRACE:?}, aborting them");
            aborts.iter().for_each(|a| a.abort());
        }
        info!("lab stopped");
    }
}

impl Drop for LabServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds sockets and records what to serve on them.
struct Binder {
    ports: PortPolicy,
    test_routes: bool,
    shutdown: Shutdown,
    pending: Vec<Pending>,
    listeners: Vec<LabListener>,
}

impl Binder {
    /// Binds the HTTP (and HTTPS) listener of sites sharing one `ip:port`.
    async fn bind_sites(
        &mut self,
        group: &[&SitePlan],
        https_offset: Option<u16>,
        ca: Option<&LabCa>,
    ) -> Result<Vec<LabSite>, LabError> {
        let (ip, planned_port) = (group[0].ip, group[0].port);
        let hostnames: Vec<String> = group.iter().map(|s| s.hostname.clone()).collect();
        let planned = SocketAddr::new(ip, planned_port);
        let http = self.bind(self.http_addr(planned)).await?;
        let state = self.state("http", http.1, canonical_sites(group)?);
        self.listeners.push(LabListener {
            addr: http.1,
            tls: false,
            role: ListenerRole::Sites(hostnames.clone()),
        });
        match ca {
            Some(ca) => {
                let acceptor = ca.leaf(&hostnames, ip)?;
                let pending = Pending::HttpOrTls(http.0, http.1, acceptor, state);
                self.pending.push(pending);
            }
            None => self.pending.push(Pending::Http(http.0, state)),
        }

        let mut https_port = None;
        if let (Some(offset), Some(ca)) = (https_offset, ca) {
            let tcp = self.bind(self.https_addr(planned, offset)?).await?;
            let acceptor = ca.leaf(&hostnames, ip)?;
            let state = self.state("https", tcp.1, canonical_sites(group)?);
            https_port = Some(tcp.1.port());
            self.push_tls(tcp, acceptor, state, ListenerRole::Sites(hostnames));
        }

        let port = http.1.port();
        Ok(group
            .iter()
            .map(|s| LabSite {
                id: s.id.clone(),
                hostname: s.hostname.clone(),
                ip,
                port,
                https_port,
                entry_url: format!("http://{}:{port}{}", s.hostname, s.entry_path),
            })
            .collect())
    }

    /// Binds the listeners that exist only with `test_routes`.
    async fn bind_hostile(
        &mut self,
        https: bool,
        ca: &LabCa,
    ) -> Result<HostileEndpoints, LabError> {
        let any_port = SocketAddr::new(HOSTILE_IP, 0);
        let http = self.bind(any_port).await?;
        let state = self.state("http", http.1, Vec::new());
        self.listeners.push(LabListener {
            addr: http.1,
            tls: false,
            role: ListenerRole::Hostile,
        });
        self.pending.push(Pending::Http(http.0, state));

        let mut https_addr = None;
        if https {
            let tcp = self.bind(any_port).await?;
            https_addr = Some(tcp.1);
            let acceptor = ca.leaf(&[HOSTILE_TLS_HOST.to_string()], HOSTILE_IP)?;
            let state = self.state("https", tcp.1, Vec::new());
            self.push_tls(tcp, acceptor, state, ListenerRole::Hostile);
        }

        let expired = self.bind(any_port).await?;
        let expired_addr = expired.1;
        let state = self.state("https", expired.1, Vec::new());
        self.push_tls(
            expired,
            ca.expired_leaf(HOSTILE_IP)?,
            state,
            ListenerRole::ExpiredTls,
        );

        let self_signed = self.bind(any_port).await?;
        let self_signed_addr = self_signed.1;
        let state = self.state("https", self_signed.1, Vec::new());
        let acceptor = tls::self_signed_leaf(HOSTILE_IP)?;
        self.push_tls(self_signed, acceptor, state, ListenerRole::SelfSignedTls);

        let hang = self.bind(any_port).await?;
        self.listeners.push(LabListener {
            addr: hang.1,
            tls: true,
            role: ListenerRole::TlsHang,
        });
        self.pending.push(Pending::TlsHang(hang.0));

        Ok(HostileEndpoints {
            base_url: format!("http://{}/__lab/", http.1),
            http: http.1,
            https: https_addr,
            expired_tls: expired_addr,
            self_signed_tls: self_signed_addr,
            tls_hang: hang.1,
        })
    }

    /// Where the HTTPS twin of `planned` listens: `port + offset`, or an OS-chosen port.
    fn https_addr(&self, planned: SocketAddr, offset: u16) -> Result<SocketAddr, LabError> {
        let port = match self.ports {
            PortPolicy::AsPlanned => planned.port().checked_add(offset),
            PortPolicy::Ephemeral => Some(0),
        };
        let port = port.ok_or(LabError::PortRange {
            port: planned.port(),
            offset,
        })?;
        Ok(SocketAddr::new(planned.ip(), port))
    }

    /// Where the HTTP listener of `planned` listens: there, or on an OS-chosen port.
    fn http_addr(&self, planned: SocketAddr) -> SocketAddr {
        match self.ports {
            PortPolicy::AsPlanned => planned,
            PortPolicy::Ephemeral => SocketAddr::new(planned.ip(), 0),
        }
    }

    async fn bind(&self, addr: SocketAddr) -> Result<(TcpListener, SocketAddr), LabError> {
        let bind_err = |source| LabError::Bind { addr, source };
        let tcp = TcpListener::bind(addr).await.map_err(bind_err)?;
        let local = tcp.local_addr().map_err(bind_err)?;
        Ok((tcp, local))
    }

    fn state(&self, scheme: &'static str, local: SocketAddr, sites: Vec<Site>) -> ListenerState {
        ListenerState {
            scheme,
            local,
            sites,
            test_routes: self.test_routes,
            shutdown: self.shutdown.clone(),
        }
    }

    fn push_tls(
        &mut self,
        (tcp, addr): (TcpListener, SocketAddr),
        acceptor: TlsAcceptor,
        state: ListenerState,
        role: ListenerRole,
    ) {
        self.listeners.push(LabListener {
            addr,
            tls: true,
            role,
        });
        self.pending
            .push(Pending::Https(tcp, addr, acceptor, state));
    }
}

/// Groups sites by `ip:port`, keeping plan order (of first appearance, then within a group).
fn group_by_listener(plan: &[SitePlan]) -> Vec<Vec<&SitePlan>> {
    let mut keys = Vec::new();
    let mut seen = BTreeSet::new();
    for site in plan {
        if seen.insert((site.ip, site.port)) {
            keys.push((site.ip, site.port));
        }
    }
    keys.into_iter()
        .map(|key| plan.iter().filter(|s| (s.ip, s.port) == key).collect())
        .collect()
}

fn canonical_sites(group: &[&SitePlan]) -> Result<Vec<Site>, LabError> {
    group
        .iter()
        .map(|s| {
            let docroot = std::fs::canonicalize(&s.docroot).map_err(|_| LabError::Docroot {
                id: s.id.clone(),
                path: s.docroot.clone(),
            })?;
            Ok(Site {
                hostname: s.hostname.clone(),
                docroot,
            })
        })
        .collect()
}

fn spawn_all(pending: Vec<Pending>, shutdown: &Shutdown) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    for item in pending {
        match item {
            Pending::Http(tcp, state) => tasks.push(serve_site(tcp, state, shutdown)),
            Pending::Https(tcp, local, acceptor, state) => {
                let (listener, accept_task) = tls_listener(tcp, local, acceptor, shutdown.clone());
                tasks.push(accept_task);
                tasks.push(serve_site(listener, state, shutdown));
            }
            Pending::HttpOrTls(tcp, local, acceptor, state) => {
                let (listener, accept_task) =
                    sniff_listener(tcp, local, acceptor, shutdown.clone());
                tasks.push(accept_task);
                tasks.push(serve_site(listener, state, shutdown));
            }
            Pending::TlsHang(tcp) => tasks.push(tls::spawn_tls_hang(tcp, shutdown.clone())),
        }
    }
    tasks
}

/// Serve a site's router on `listener` until shutdown; a failure is logged with the address.
fn serve_site<L>(listener: L, state: ListenerState, shutdown: &Shutdown) -> JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let local = state.local;
    let shutdown = shutdown.clone();
    let server = axum::serve(listener, site::router(state))
        .with_graceful_shutdown(async move { shutdown.wait().await });
    tokio::spawn(async move {
        if let Err(e) = server.await {
            warn!(%local, error = %e, "lab listener failed");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(id: &str, ip: &str, port: u16) -> SitePlan {
        SitePlan {
            id: id.into(),
            hostname: format!("{id}.test"),
            ip: ip.parse().unwrap(),
            port,
            docroot: ".".into(),
            entry_path: "/".into(),
        }
    }

    #[test]
    fn sites_sharing_ip_and_port_form_one_listener_in_plan_order() {
        let plan = [
            planned("b", "127.0.10.2", 8080),
            planned("a", "127.0.10.1", 8080),
            planned("c", "127.0.10.2", 8080),
            planned("d", "127.0.10.2", 8081),
        ];
        let groups: Vec<Vec<&str>> = group_by_listener(&plan)
            .iter()
            .map(|g| g.iter().map(|s| s.id.as_str()).collect())
            .collect();
        assert_eq!(groups, [vec!["b", "c"], vec!["a"], vec!["d"]]);
    }

    #[test]
    fn https_port_is_offset_or_refused_when_out_of_range() {
        let (_tx, rx) = watch::channel(false);
        let binder = |ports| Binder {
            ports,
            test_routes: false,
            shutdown: Shutdown::new(rx.clone()),
            pending: Vec::new(),
            listeners: Vec::new(),
        };
        let planned: SocketAddr = "127.0.10.1:8080".parse().unwrap();
        let as_planned = binder(PortPolicy::AsPlanned);
        assert_eq!(as_planned.https_addr(planned, 363).unwrap().port(), 8443);
        let err = as_planned.https_addr("127.0.0.1:65500".parse().unwrap(), 363);
        assert!(matches!(err, Err(LabError::PortRange { .. })));
        assert_eq!(
            binder(PortPolicy::Ephemeral)
                .https_addr(planned, 363)
                .unwrap()
                .port(),
            0
        );
    }
}
