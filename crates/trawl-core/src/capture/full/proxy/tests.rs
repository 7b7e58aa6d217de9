//! The capture proxy against loopback servers: tunnels and forwarded requests that are
//! allowed, destinations the guard refuses (before any connection is attempted), sealed
//! names, hostile heads and the connection cap. Every destination dialed is on loopback.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::{CaptureProxy, ProxyLimits};
use crate::capture::full::GuardedPolicy;
use crate::capture::guard::GuardPolicy;
use crate::capture::resolve::ResolverMap;

/// Bound on every socket read in these tests, so a broken proxy fails instead of hanging.
pub(super) const HANG: Duration = Duration::from_secs(20);

pub(super) fn proxy(
    allow_private: bool,
    map: &str,
    sealed: bool,
    limits: ProxyLimits,
) -> CaptureProxy {
    let map = ResolverMap::parse_text(map, "test").unwrap();
    let policy = GuardedPolicy::new(GuardPolicy { allow_private }, map, sealed);
    CaptureProxy::start(Arc::new(policy), limits).unwrap()
}

pub(super) fn connect(proxy: &CaptureProxy) -> TcpStream {
    let stream = TcpStream::connect(proxy.addr()).unwrap();
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream
}

/// Sends `request` on a new connection and reads the answer until the proxy closes.
pub(super) fn exchange(proxy: &CaptureProxy, request: &[u8]) -> String {
    let mut stream = connect(proxy);
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Reads up to the end of a response head.
pub(super) fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "closed in the head: {head:?}"
        );
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// A loopback server that runs `serve` on its first connection.
pub(super) fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            stream.set_read_timeout(Some(HANG)).unwrap();
            serve(stream);
        }
    });
    addr
}

#[test]
fn an_allowed_connect_tunnels_to_the_checked_address() {
    let proxy = proxy(true, "", false, ProxyLimits::default());
    let echo = server(|mut s| {
        let mut buf = [0u8; 4];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    });

    let mut stream = connect(&proxy);
    let request = format!("CONNECT {echo} HTTP/1.1\r\nHost: {echo}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let head = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    stream.write_all(b"ping").unwrap();
    let mut echoed = [0u8; 4];
    stream.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"ping");

    let stats = proxy.stats();
    assert_eq!((stats.dialed, stats.connected, stats.refused), (1, 1, 0));
}

#[test]
fn a_mapped_name_is_forwarded_in_origin_form_and_closed_after_one_response() {
    let (tx, rx) = std::sync::mpsc::channel();
    let web = server(move |mut s| {
        let head = read_head(&mut s);
        tx.send(head).unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi")
            .unwrap();
    });
    let proxy = proxy(false, "lab.test=127.0.0.1", true, ProxyLimits::default());

    let request = format!(
        "GET http://lab.test:{}/page?x=1 HTTP/1.1\r\nHost: lab.test:{}\r\n\
         Proxy-Connection: keep-alive\r\nAccept: text/html\r\n\r\n",
        web.port(),
        web.port()
    );
    let answer = exchange(&proxy, request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    assert!(!answer.contains("keep-alive"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nhi"), "{answer}");

    let sent = rx.recv_timeout(HANG).unwrap();
    let expected = format!(
        "GET /page?x=1 HTTP/1.1\r\nHost: lab.test:{}\r\nAccept: text/html\r\n\
         Connection: close\r\n\r\n",
        web.port()
    );
    assert_eq!(sent, expected);
}

#[test]
fn guarded_addresses_are_refused_before_any_connection_attempt() {
    // Private targets allowed, as in the lab: metadata endpoints are refused all the same.
    let lab = proxy(true, "", false, ProxyLimits::default());
    let answer = exchange(&lab, b"CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(answer.contains("cloud metadata address"), "{answer}");

    let strict = proxy(false, "", false, ProxyLimits::default());
    let answer = exchange(&strict, b"CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(answer.contains("10.0.0.1 is a private address"), "{answer}");
    let answer = exchange(&strict, b"GET http://10.255.255.1:8080/ HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    let answer = exchange(&strict, b"CONNECT [fd00:ec2::254]:80 HTTP/1.1\r\n\r\n");
    assert!(answer.contains("cloud metadata address"), "{answer}");

    for proxy in [&lab, &strict] {
        assert_eq!(proxy.stats().dialed, 0, "{:?}", proxy.stats());
    }
    assert_eq!(strict.stats().refused, 3);
    let reason = strict.refusal("10.255.255.1", 8080).unwrap();
    assert!(reason.contains("private address"), "{reason}");
    assert_eq!(strict.refusal("10.255.255.1", 9), None);
}

#[test]
fn restricted_ports_and_unmapped_names_of_a_sealed_capture_are_refused() {
    let proxy = proxy(true, "lab.test=127.0.0.1", true, ProxyLimits::default());
    let answer = exchange(&proxy, b"CONNECT outside.example:443 HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(answer.contains("not in the resolver map"), "{answer}");

    let answer = exchange(&proxy, b"CONNECT lab.test:25 HTTP/1.1\r\n\r\n");
    assert!(answer.contains("port 25 is a restricted port"), "{answer}");
    assert_eq!(proxy.stats().dialed, 0);
    assert!(proxy.refusal("outside.example", 443).is_some());
}

#[test]
fn malformed_and_oversized_heads_get_an_error_and_a_closed_connection() {
    let limits = ProxyLimits {
        max_head: 1024,
        ..ProxyLimits::default()
    };
    let proxy = proxy(true, "", false, limits);
    for bad in [
        &b"GET /relative HTTP/1.1\r\nHost: a.test\r\n\r\n"[..],
        b"CONNECT a.test HTTP/1.1\r\n\r\n",
        b"GET http://a.test/ HTTP/1.1\r\nBroken header\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET http://a.test/ HTTP/1.1 extra\r\n\r\n",
    ] {
        // read_to_end returning proves the proxy closed the connection.
        let answer = exchange(&proxy, bad);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{bad:?}: {answer}");
    }
    let huge = format!(
        "GET http://a.test/ HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(4096)
    );
    let answer = exchange(&proxy, huge.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    let stats = proxy.stats();
    assert_eq!((stats.malformed, stats.dialed), (6, 0));
}

#[test]
fn connections_past_the_cap_are_refused() {
    let limits = ProxyLimits {
        max_connections: 1,
        ..ProxyLimits::default()
    };
    let proxy = proxy(true, "", false, limits);
    // The first connection holds the only slot while it sends nothing.
    let _holder = connect(&proxy);
    let answer = exchange(&proxy, b"CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert_eq!(proxy.stats().dialed, 0);
}

#[test]
fn stopping_closes_the_listener() {
    let proxy = proxy(true, "", false, ProxyLimits::default());
    let addr = proxy.addr();
    proxy.stop();
    proxy.stop();
    assert!(
        TcpStream::connect(addr).is_err(),
        "still listening on {addr}"
    );
}

#[test]
fn a_dead_destination_fails_a_tunnel_and_closes_a_forwarded_request_without_an_answer() {
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxy = proxy(true, "", false, ProxyLimits::default());

    let answer = exchange(
        &proxy,
        format!("CONNECT {dead} HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 502 "), "{answer}");
    let answer = exchange(
        &proxy,
        format!("GET http://{dead}/ HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert_eq!(
        answer, "",
        "a forwarded request got an answer of the proxy's own"
    );
    assert_eq!(proxy.stats().dialed, 2);
}

/// Whether the proxy has closed `stream`, waiting up to `wait` for it.
pub(super) fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut byte = [0u8; 1];
    let gone = match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    };
    stream.set_read_timeout(Some(HANG)).unwrap();
    gone
}

/// Whether the proxy has closed `stream`, checked without waiting long.
pub(super) fn closed(stream: &mut TcpStream) -> bool {
    closed_within(stream, Duration::from_millis(100))
}

/// A loopback server that echoes what it reads until the connection closes.
pub(super) fn echo_server() -> SocketAddr {
    server(|mut s| {
        let mut buf = [0u8; 1024];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 || s.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    })
}
