//! The capture proxy: the one way out of a full-capture browser.
//!
//! Chromium is launched with this proxy as its only route (loopback included), so every
//! connection a page makes — documents, sub-resources, WebSockets, which the browser does not
//! pause for the request policy — arrives here as a `CONNECT host:port` or an absolute-form
//! `http://` request. The proxy resolves the host once with the capture's own rules
//! ([`GuardedPolicy::allowed_addresses`]: resolver map, sealing, system resolver, the guard on
//! every address), checks the port, and connects to an address it checked — never to one the
//! browser or a second lookup chose, which closes DNS rebinding. A refusal is answered 403
//! with the reason and logged at debug; refusals are remembered briefly
//! ([`CaptureProxy::refusal`]) so the capturer can list a page's refused WebSockets.
//!
//! Limits: a connect timeout per address (at most four addresses tried), an idle timeout on every
//! read and write (a whole request head must arrive within it), at most `max_connections` client
//! connections at once (more are answered 503) and a bounded request head (431). Malformed heads
//! get 400; every error answer closes the connection. A destination that does not answer fails a
//! tunnel with 502 and closes a forwarded request's connection without an answer (a 502 would pass
//! for the site's own response). A forwarded `http://` request owns its connection: the server is
//! asked to close after one response and the browser is told so. Nothing is retried here; the
//! browser decides.
//!
//! The proxy runs on its own thread with its own single-threaded runtime, so it serves the
//! browser whatever runtime (or none) the caller has; [`CaptureProxy::stop`] (or dropping it)
//! ends it and every connection.

mod head;
#[cfg(test)]
mod hostile_tests;
mod pipe;
#[cfg(test)]
mod tests;

use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};

use trawl_browser::ControlPorts;

use super::GuardedPolicy;
use crate::capture::guard;
use head::Target;

/// Addresses tried for one destination: a name with dozens of silent addresses must not hold
/// a connection slot for dozens of connect timeouts.
const MOST_ADDRESSES_DIALED: usize = 4;

/// Refusals remembered for [`CaptureProxy::refusal`].
const REMEMBERED_REFUSALS: usize = 256;

/// Connections remembered for [`CaptureProxy::connected_to`].
const REMEMBERED_CONNECTIONS: usize = 1024;

/// Response heads remembered for [`CaptureProxy::response_head`] (each at most
/// [`ProxyLimits::max_head`]).
const REMEMBERED_HEADS: usize = 128;

/// The proxy's bounds.
#[derive(Debug, Clone, Copy)]
pub struct ProxyLimits {
    /// Bound on one connection attempt to one address.
    pub connect_timeout: Duration,
    /// A connection with no traffic either way for this long is closed.
    pub idle_timeout: Duration,
    /// Client connections (and so tunnels) open at once.
    pub max_connections: usize,
    /// Largest request head accepted.
    pub max_head: usize,
}

impl Default for ProxyLimits {
    fn default() -> Self {
        ProxyLimits {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
            max_head: 64 * 1024,
        }
    }
}

/// Counters, for tests and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Client connections accepted.
    pub accepted: u64,
    /// Requests refused by the destination guard (403).
    pub refused: u64,
    /// Malformed or oversized request heads (400, 431).
    pub malformed: u64,
    /// Connection attempts to destinations.
    pub dialed: u64,
    /// Tunnels and forwarded requests that reached their destination.
    pub connected: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    refused: AtomicU64,
    malformed: AtomicU64,
    dialed: AtomicU64,
    connected: AtomicU64,
}

/// What every connection task shares.
struct Shared {
    policy: Arc<GuardedPolicy>,
    limits: ProxyLimits,
    counters: Counters,
    refusals: Mutex<VecDeque<(String, u16, String)>>,
    /// (host, port, address connected to), newest last.
    connections: Mutex<VecDeque<(String, u16, IpAddr)>>,
    /// (forwarded URL, final response head as the server sent it), newest last.
    heads: Mutex<VecDeque<(String, Vec<u8>)>>,
    /// Loopback ports of the capture machinery (this proxy, the browsers' DevTools).
    control_ports: ControlPorts,
}

/// A running capture proxy on a loopback port.
pub struct CaptureProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl CaptureProxy {
    /// Starts a proxy on `127.0.0.1` (a port the system picks) deciding with `policy`.
    pub fn start(policy: Arc<GuardedPolicy>, limits: ProxyLimits) -> std::io::Result<Self> {
        let listener = StdListener::bind((IpAddr::from([127, 0, 0, 1]), 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            policy,
            limits,
            counters: Counters::default(),
            refusals: Mutex::new(VecDeque::new()),
            connections: Mutex::new(VecDeque::new()),
            heads: Mutex::new(VecDeque::new()),
            control_ports: ControlPorts::new(Mutex::new(HashSet::from([addr.port()]))),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("capture-proxy".to_owned())
            .spawn(move || {
                runtime.block_on(serve(listener, serving, stop_rx));
                // Lookups still running in the blocking pool are not waited for.
                runtime.shutdown_background();
            })?;
        tracing::info!(%addr, "capture proxy started");
        Ok(CaptureProxy {
            addr,
            shared,
            stop: Mutex::new(Some(stop_tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The address the browser must use.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Loopback ports no page may connect to: this proxy's, and whatever the browsers
    /// register (their DevTools endpoints).
    pub fn control_ports(&self) -> ControlPorts {
        self.shared.control_ports.clone()
    }

    /// Counters so far.
    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        ProxyStats {
            accepted: c.accepted.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            malformed: c.malformed.load(Ordering::Relaxed),
            dialed: c.dialed.load(Ordering::Relaxed),
            connected: c.connected.load(Ordering::Relaxed),
        }
    }

    /// The address the proxy last connected to for `host:port` (`host` as in a URL:
    /// lower-case, IPv6 in brackets). The browser reports the proxy as every server's
    /// address; this is the server's.
    pub fn connected_to(&self, host: &str, port: u16) -> Option<IpAddr> {
        recall(&self.shared.connections, |(h, p, _)| {
            h == host && *p == port
        })
        .map(|c| c.2)
    }

    /// The final response head the server sent for the forwarded `http://` URL `url`, before
    /// the proxy rewrote it to close the connection: what the page's server really said.
    pub fn response_head(&self, url: &str) -> Option<Vec<u8>> {
        recall(&self.shared.heads, |(u, _)| u == url).map(|h| h.1)
    }

    /// Why `host:port` was refused recently, if it was (`host` as in a URL: lower-case, IPv6
    /// in brackets).
    pub fn refusal(&self, host: &str, port: u16) -> Option<String> {
        recall(&self.shared.refusals, |(h, p, _)| h == host && *p == port).map(|r| r.2)
    }

    /// Stops serving and closes every connection. Idempotent.
    pub fn stop(&self) {
        if let Some(stop) = self.stop.lock().ok().and_then(|mut s| s.take()) {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
            tracing::info!(addr = %self.addr, "capture proxy stopped");
        }
    }
}

impl Drop for CaptureProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(listener: StdListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(error = %e, "capture proxy cannot listen");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(shared.limits.max_connections));
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else {
            // Out of descriptors and the like: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        shared.counters.accepted.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(async move {
                    handle(client, &shared).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tracing::debug!("capture proxy: too many connections, refusing one");
                tokio::spawn(async move {
                    let why = "too many connections";
                    answer(client, 503, "Service Unavailable", why, &shared).await;
                });
            }
        }
    }
}

/// Serves one client connection: one tunnel or one forwarded exchange.
async fn handle(mut client: TcpStream, shared: &Shared) {
    let limits = shared.limits;
    // One deadline for the whole head: a head trickled in byte by byte must not hold a slot.
    let head = tokio::time::timeout(limits.idle_timeout, read_head(&mut client, &limits)).await;
    let (head_bytes, rest) = match head.unwrap_or(HeadRead::Gone) {
        HeadRead::Head(head, rest) => (head, rest),
        HeadRead::Gone => return,
        HeadRead::TooLarge => {
            shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
            let why = "request head too large";
            return answer(client, 431, "Request Header Fields Too Large", why, shared).await;
        }
    };
    let request = match head::parse_request(&head_bytes) {
        Ok(request) => request,
        Err(e) => {
            shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(error = %e, "capture proxy: malformed request");
            return answer(client, 400, "Bad Request", &e.to_string(), shared).await;
        }
    };

    let (host, port) = request.destination();
    let addresses = match decide(shared, &host, port).await {
        Ok(addresses) => addresses,
        Err(reason) => {
            shared.counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%host, port, %reason, "capture proxy refused a destination");
            remember_refusal(shared, &host, port, &reason);
            return answer(client, 403, "Forbidden", &reason, shared).await;
        }
    };
    let mut server = match dial(shared, &addresses, port).await {
        Ok(server) => server,
        Err(reason) => {
            tracing::debug!(%host, port, %reason, "capture proxy could not connect");
            // A forwarded request's answer would pass for the site's own: the browser gets
            // a connection closed without an answer instead, as from a dead server.
            return match request.target {
                Target::Connect { .. } => answer(client, 502, "Bad Gateway", &reason, shared).await,
                Target::Forward(_) => {}
            };
        }
    };
    shared.counters.connected.fetch_add(1, Ordering::Relaxed);
    if let Ok(peer) = server.peer_addr() {
        let connection = (host.clone(), port, peer.ip());
        remember(&shared.connections, REMEMBERED_CONNECTIONS, connection);
    }

    let idle = limits.idle_timeout;
    let rewrite = match &request.target {
        Target::Connect { .. } => {
            let ok = b"HTTP/1.1 200 Connection established\r\n\r\n";
            if !pipe::write_within(&mut client, ok, idle).await {
                return;
            }
            false
        }
        Target::Forward(_) => {
            // Closed without an answer, as when the server cannot be reached.
            if !pipe::write_within(&mut server, &request.upstream_head(), idle).await {
                return;
            }
            // Every response head is rewritten, a refused upgrade's too (a 101 passes as is),
            // so the browser never sends a second request down this connection.
            true
        }
    };
    let url = match &request.target {
        Target::Forward(url) => Some(url.to_string()),
        Target::Connect { .. } => None,
    };
    let original = |head: &[u8]| {
        if let Some(url) = url {
            remember(&shared.heads, REMEMBERED_HEADS, (url, head.to_vec()));
        }
    };
    pipe::relay(client, server, rest, rewrite, &limits, original).await;
}

enum HeadRead {
    /// The head and any bytes read past it.
    Head(Vec<u8>, Vec<u8>),
    /// Closed, failed or timed out before a whole head arrived.
    Gone,
    TooLarge,
}

async fn read_head(client: &mut TcpStream, limits: &ProxyLimits) -> HeadRead {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = match client.read(&mut chunk).await {
            Ok(n) if n > 0 => n,
            _ => return HeadRead::Gone,
        };
        // Only the new bytes (and three before them) can complete the end marker.
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(len) = head::head_len(&buf[from..]).map(|l| l + from) {
            if len > limits.max_head {
                return HeadRead::TooLarge;
            }
            let rest = buf.split_off(len);
            return HeadRead::Head(buf, rest);
        }
        if buf.len() > limits.max_head {
            return HeadRead::TooLarge;
        }
    }
}

/// The checked addresses for `host:port`, or why there are none.
async fn decide(shared: &Shared, host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
    guard::check_port(port)?;
    let policy = shared.policy.clone();
    let name = host.to_owned();
    // The system resolver blocks; mapped names and literals return at once.
    let addresses = tokio::task::spawn_blocking(move || policy.allowed_addresses(&name, port))
        .await
        .map_err(|e| format!("blocked: the destination check failed: {e}"))??;
    // Even where loopback is allowed, the capture's own control ports are not.
    let control = shared
        .control_ports
        .lock()
        .map_or(true, |ports| ports.contains(&port));
    let allowed: Vec<IpAddr> = addresses
        .into_iter()
        .filter(|ip| !(control && on_this_machine(*ip)))
        .collect();
    if allowed.is_empty() {
        return Err(format!(
            "blocked: port {port} on loopback belongs to the capture's proxy or browser"
        ));
    }
    Ok(allowed)
}

/// Whether `ip` reaches this machine's loopback (IPv4-mapped forms included).
fn on_this_machine(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Connects to the first of `addresses` that answers, trying at most a few.
async fn dial(shared: &Shared, addresses: &[IpAddr], port: u16) -> Result<TcpStream, String> {
    let mut last = String::from("no address");
    for ip in addresses.iter().take(MOST_ADDRESSES_DIALED) {
        let addr = SocketAddr::new(*ip, port);
        shared.counters.dialed.fetch_add(1, Ordering::Relaxed);
        // Test builds reach loopback servers only, whatever the guard decided.
        #[cfg(test)]
        if !ip.to_canonical().is_loopback() {
            last = format!("{addr} is not on loopback (test build)");
            continue;
        }
        let timeout = shared.limits.connect_timeout;
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => last = format!("cannot connect to {addr}: {e}"),
            Err(_) => last = format!("timed out connecting to {addr}"),
        }
    }
    Err(last)
}

fn remember_refusal(shared: &Shared, host: &str, port: u16, reason: &str) {
    let refusal = (host.to_owned(), port, reason.to_owned());
    remember(&shared.refusals, REMEMBERED_REFUSALS, refusal);
}

/// The newest remembered item that `matches`, if any.
fn recall<T: Clone>(list: &Mutex<VecDeque<T>>, matches: impl Fn(&T) -> bool) -> Option<T> {
    let list = list.lock().ok()?;
    list.iter().rev().find(|item| matches(item)).cloned()
}

/// Appends `item`, dropping the oldest past `most`.
fn remember<T>(list: &Mutex<VecDeque<T>>, most: usize, item: T) {
    if let Ok(mut list) = list.lock() {
        if list.len() == most {
            list.pop_front();
        }
        list.push_back(item);
    }
}

/// Answers with an error status and `reason` as a text body, then closes.
async fn answer(mut client: TcpStream, status: u16, phrase: &str, reason: &str, shared: &Shared) {
    let body = format!("{reason}\n");
    let head = format!(
        "HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nProxy-Connection: close\r\n\r\n",
        body.len()
    );
    let bytes = [head.as_bytes(), body.as_bytes()].concat();
    if pipe::write_within(&mut client, &bytes, shared.limits.idle_timeout).await {
        let _ = client.shutdown().await;
    }
}
