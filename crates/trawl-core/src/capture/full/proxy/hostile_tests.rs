//! The capture proxy against hostile input: every spelling of a refused address, Host headers
//! and credentials that try to pick the destination, bytes smuggled after a request, refused
//! upgrades, heads trickled in or never ending, garbage and random heads, servers with bare
//! line feeds or many silent addresses, and the capture's own control ports. Every
//! destination dialed is on loopback.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use super::tests::{
    HANG, closed, closed_within, connect, echo_server, exchange, proxy, read_head, server,
};
use super::{CaptureProxy, ProxyLimits};

#[test]
fn every_spelling_of_a_refused_address_is_refused_as_that_address() {
    // Refused even in the lab: metadata endpoints and the unspecified address.
    let anywhere = [
        (
            "CONNECT 0xa9.0xfe.0xa9.0xfe:80",
            "169.254.169.254 is a cloud metadata",
        ),
        (
            "CONNECT 2852039166:80",
            "169.254.169.254 is a cloud metadata",
        ),
        (
            "CONNECT 0251.0376.0251.0376:80",
            "169.254.169.254 is a cloud metadata",
        ),
        (
            "CONNECT 169.254.169.254.:80",
            "169.254.169.254 is a cloud metadata",
        ),
        (
            "CONNECT %31%36%39.254.169.254:80",
            "169.254.169.254 is a cloud metadata",
        ),
        ("CONNECT [::ffff:a9fe:a9fe]:80", "is a cloud metadata"),
        ("CONNECT [::ffff:169.254.169.254]:80", "is a cloud metadata"),
        ("CONNECT [64:ff9b::a9fe:a9fe]:80", "is a cloud metadata"),
        (
            "CONNECT 169.254.170.23:80",
            "169.254.170.23 is a cloud metadata",
        ),
        (
            "CONNECT [FD00:EC2::23]:80",
            "fd00:ec2::23 is a cloud metadata",
        ),
        (
            "GET http://0xA9FEA9FE/latest/meta-data/",
            "is a cloud metadata",
        ),
        (
            "GET http://[::ffff:a9fe:a9fe]/latest",
            "is a cloud metadata",
        ),
        ("CONNECT 0:8080", "0.0.0.0 is the unspecified address"),
        ("CONNECT 0.0.0.0:8080", "0.0.0.0 is the unspecified address"),
        ("CONNECT [::]:8080", ":: is the unspecified address"),
        (
            "CONNECT [::ffff:0.0.0.0]:8080",
            "is the unspecified address",
        ),
    ];
    // Refused unless private targets are allowed.
    let strictly = [
        ("CONNECT 0x7f.1:8080", "127.0.0.1 is a loopback address"),
        ("CONNECT 2130706433:8080", "127.0.0.1 is a loopback address"),
        ("CONNECT 0177.0.0.1:8080", "127.0.0.1 is a loopback address"),
        ("CONNECT 127.1:8080", "127.0.0.1 is a loopback address"),
        ("CONNECT 127.0.0.1.:8080", "127.0.0.1 is a loopback address"),
        ("CONNECT [::1]:8080", "::1 is a loopback address"),
        ("CONNECT [::ffff:127.0.0.1]:8080", "is a loopback address"),
        (
            "CONNECT [0:0:0:0:0:ffff:7f00:1]:8080",
            "is a loopback address",
        ),
        ("CONNECT [::ffff:10.0.0.1]:443", "is a private address"),
        ("CONNECT 10.1:443", "10.0.0.1 is a private address"),
        ("CONNECT [fe80::1]:443", "fe80::1 is a link-local address"),
        ("CONNECT [fd12::1]:443", "fd12::1 is a unique-local"),
        (
            "CONNECT 169.254.1.1:443",
            "169.254.1.1 is a link-local address",
        ),
        ("GET http://0x7f.1:8080/", "127.0.0.1 is a loopback address"),
        ("GET http://[::ffff:7f00:1]:8080/", "is a loopback address"),
        (
            "GET http://%31%30.0.0.1:8080/",
            "10.0.0.1 is a private address",
        ),
    ];
    // Sealed with an empty map, so no name is ever looked up.
    let strict = proxy(false, "", true, ProxyLimits::default());
    let lab = proxy(true, "", true, ProxyLimits::default());

    let ask = |proxy: &CaptureProxy, line: &str, expected: &str| {
        let answer = exchange(proxy, format!("{line} HTTP/1.1\r\n\r\n").as_bytes());
        assert!(answer.starts_with("HTTP/1.1 403 "), "{line}: {answer}");
        assert!(answer.contains(expected), "{line}: {answer}");
    };
    for (line, expected) in anywhere.iter().chain(&strictly) {
        ask(&strict, line, expected);
    }
    for (line, expected) in anywhere {
        ask(&lab, line, expected);
    }

    // Decided before any connection attempt, and remembered under the URL form of the host.
    for proxy in [&strict, &lab] {
        assert_eq!(proxy.stats().dialed, 0, "{:?}", proxy.stats());
    }
    let refused = (anywhere.len() + strictly.len()) as u64;
    assert_eq!(strict.stats().refused, refused);
    assert!(strict.refusal("127.0.0.1", 8080).is_some());
    assert!(strict.refusal("169.254.169.254", 80).is_some());
}

#[test]
fn the_host_header_never_picks_the_destination() {
    let (tx, rx) = std::sync::mpsc::channel();
    let web = server(move |mut s| {
        tx.send(read_head(&mut s)).unwrap();
        s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
    });
    let port = web.port();
    let proxy = proxy(false, "lab.test=127.0.0.1", true, ProxyLimits::default());

    // The URL decides: a loopback literal is refused whatever Host names.
    let request = format!("GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: lab.test:{port}\r\n\r\n");
    let answer = exchange(&proxy, request.as_bytes());
    assert!(
        answer.contains("127.0.0.1 is a loopback address"),
        "{answer}"
    );
    assert_eq!(proxy.stats().dialed, 0);

    // And the server hears the URL's host, once, whatever Host headers came along.
    let request = format!(
        "GET http://LAB.test.:{port}/ HTTP/1.1\r\nHost: 10.0.0.1\r\nhost: 127.0.0.1:{port}\r\n\r\n"
    );
    let answer = exchange(&proxy, request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 204 "), "{answer}");
    let sent = rx.recv_timeout(HANG).unwrap();
    assert_eq!(
        sent,
        format!("GET / HTTP/1.1\r\nHost: lab.test.:{port}\r\nConnection: close\r\n\r\n")
    );
}

#[test]
fn credentials_and_second_ports_in_targets_are_malformed() {
    let echo = echo_server();
    let port = echo.port();
    let proxy = proxy(true, "lab.test=127.0.0.1", true, ProxyLimits::default());
    let bad = [
        format!("GET http://lab.test@127.0.0.1:{port}/ HTTP/1.1"),
        format!("GET http://127.0.0.1:{port}@lab.test/ HTTP/1.1"),
        format!("CONNECT lab.test@127.0.0.1:{port} HTTP/1.1"),
        format!("CONNECT 127.0.0.1:1:{port} HTTP/1.1"),
        format!("CONNECT 127.0.0.1:{port}:443 HTTP/1.1"),
        format!("CONNECT lab.test::{port} HTTP/1.1"),
        format!("CONNECT [::1]:1:{port} HTTP/1.1"),
        format!("CONNECT ::1:{port} HTTP/1.1"),
    ];
    for line in &bad {
        // The head only: a tunnel opened by mistake would stay open.
        let mut stream = connect(&proxy);
        stream
            .write_all(format!("{line}\r\n\r\n").as_bytes())
            .unwrap();
        let answer = read_head(&mut stream);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{line}: {answer}");
    }
    let stats = proxy.stats();
    assert_eq!((stats.malformed, stats.dialed), (bad.len() as u64, 0));
}

#[test]
fn bytes_after_a_forwarded_request_reach_only_its_own_destination() {
    let (tx, rx) = std::sync::mpsc::channel();
    let web = server(move |mut s| {
        // Everything that arrives within a moment of the head, pipelined bytes included.
        let mut seen = read_head(&mut s).into_bytes();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buf = [0u8; 1024];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        tx.send(String::from_utf8_lossy(&seen).into_owned())
            .unwrap();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    let port = web.port();
    let proxy = proxy(false, "lab.test=127.0.0.1", true, ProxyLimits::default());

    // A body framed two ways and a second request behind it, for a refused destination.
    let request = format!(
        "POST http://lab.test:{port}/a HTTP/1.1\r\nContent-Length: 5\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
         GET http://127.0.0.1:{port}/admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    );
    let answer = exchange(&proxy, request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");

    // One decision and one connection: whatever follows the head is the same server's.
    let stats = proxy.stats();
    assert_eq!((stats.dialed, stats.connected, stats.refused), (1, 1, 0));
    let seen = rx.recv_timeout(HANG).unwrap();
    let head = format!(
        "POST /a HTTP/1.1\r\nHost: lab.test:{port}\r\nContent-Length: 5\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    assert!(seen.starts_with(&head), "{seen}");
}

#[test]
fn a_refused_upgrade_closes_and_an_accepted_one_relays_untouched() {
    let refusing = server(|mut s| {
        read_head(&mut s);
        let refusal = b"HTTP/1.1 426 Upgrade Required\r\nConnection: keep-alive\r\n\
                        Content-Length: 2\r\n\r\nno";
        s.write_all(refusal).unwrap();
        // Holds the connection open as a keep-alive server would.
        let _ = s.read(&mut [0u8; 1]);
    });
    let switching =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    let accepting = server(move |mut s| {
        read_head(&mut s);
        s.write_all(switching).unwrap();
        let mut frame = [0u8; 4];
        s.read_exact(&mut frame).unwrap();
        s.write_all(&frame).unwrap();
    });
    let proxy = proxy(true, "", false, ProxyLimits::default());
    let upgrade = |addr: SocketAddr| {
        format!(
            "GET http://{addr}/ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\
             Upgrade: websocket\r\n\r\n"
        )
    };

    // The browser is told the connection closes, so it sends nothing more down it.
    let mut stream = connect(&proxy);
    stream.write_all(upgrade(refusing).as_bytes()).unwrap();
    let answer = read_head(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
    assert!(!answer.contains("keep-alive"), "{answer}");

    let mut stream = connect(&proxy);
    stream.write_all(upgrade(accepting).as_bytes()).unwrap();
    assert_eq!(read_head(&mut stream).as_bytes(), switching);
    stream.write_all(b"ping").unwrap();
    let mut echoed = [0u8; 4];
    stream.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"ping");
}

#[test]
fn a_head_trickled_in_is_cut_off_at_the_idle_timeout() {
    let limits = ProxyLimits {
        idle_timeout: Duration::from_secs(1),
        ..ProxyLimits::default()
    };
    let proxy = proxy(true, "", true, limits);
    let mut stream = connect(&proxy);
    stream
        .write_all(b"GET http://a.test/ HTTP/1.1\r\nX: ")
        .unwrap();

    // A byte every 100 ms never leaves a read idle for a second; the head's deadline ends it.
    let mut cut = false;
    for _ in 0..200 {
        if stream.write_all(b"a").is_err() || closed(&mut stream) {
            cut = true;
            break;
        }
    }
    assert!(cut, "a head trickled in for 20 s is still being read");
    assert_eq!(proxy.stats().dialed, 0);
}

#[test]
fn endpoints_that_never_read_are_dropped_at_the_idle_timeout() {
    let limits = ProxyLimits {
        idle_timeout: Duration::from_secs(1),
        ..ProxyLimits::default()
    };
    let proxy = proxy(true, "", false, limits);

    // A server that floods a client that never reads: the proxy stops relaying and closes.
    let (tx, rx) = std::sync::mpsc::channel();
    let flooding = server(move |mut s| {
        s.set_write_timeout(Some(HANG)).unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let error = loop {
            if let Err(e) = s.write_all(&chunk) {
                break e.kind();
            }
        };
        tx.send(error).unwrap();
    });
    let mut reader = connect(&proxy);
    reader
        .write_all(format!("CONNECT {flooding} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let error = rx.recv_timeout(HANG * 2).unwrap();
    assert!(
        !matches!(
            error,
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "the server's writes hung instead of failing: {error:?}"
    );

    // A client that floods a server that never reads: the same.
    let silent = server(|mut s| {
        let _ = s.read(&mut [0u8; 0]);
        std::thread::sleep(HANG);
    });
    let mut writer = connect(&proxy);
    writer.set_write_timeout(Some(HANG)).unwrap();
    writer
        .write_all(format!("CONNECT {silent} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    assert!(read_head(&mut writer).starts_with("HTTP/1.1 200 "));
    let chunk = vec![b'x'; 64 * 1024];
    let error = loop {
        if let Err(e) = writer.write_all(&chunk) {
            break e.kind();
        }
    };
    assert!(
        !matches!(
            error,
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "the client's writes hung instead of failing: {error:?}"
    );
    drop(reader);
}

#[test]
fn a_response_head_that_never_ends_closes_the_exchange() {
    let limits = ProxyLimits {
        max_head: 1024,
        ..ProxyLimits::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let endless = server(move |mut s| {
        read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nX: ");
        let _ = s.write_all(&vec![b'x'; 256 * 1024]);
        // Stays open: only the proxy can end the exchange.
        tx.send(closed_within(&mut s, HANG)).unwrap();
    });
    let proxy = proxy(true, "", false, limits);

    let answer = exchange(
        &proxy,
        format!("GET http://{endless}/ HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert_eq!(answer, "", "part of an endless head was passed on");
    assert!(
        rx.recv_timeout(HANG * 2).unwrap(),
        "the server was not closed"
    );
}

#[test]
fn garbage_heads_are_answered_400_and_the_proxy_serves_on() {
    let echo = echo_server();
    let proxy = proxy(true, "", true, ProxyLimits::default());
    let garbage: [&[u8]; 13] = [
        b"\xff\xfe\xfd http://a.test/ HTTP/1.1\r\n\r\n",
        b"GET http://a.test/\xc3\xa9 HTTP/1.1\r\n\r\n",
        b"GET http://a.test:99999999999999999999/ HTTP/1.1\r\n\r\n",
        b"CONNECT a.test:65536 HTTP/1.1\r\n\r\n",
        b"CONNECT [::1:443 HTTP/1.1\r\n\r\n",
        b"CONNECT []:443 HTTP/1.1\r\n\r\n",
        b"GET http://[v1.x]/ HTTP/1.1\r\n\r\n",
        b"GET http://a.test/ HTTP/1.1\r\n:\r\n\r\n",
        b"GET http://a.test/ HTTP/1.1\r\nA\x00: b\r\n\r\n",
        b"GET http://a.test/ HTTP/1.1\r\nA: b\rc\r\n\r\n",
        b" GET http://a.test/ HTTP/1.1\r\n\r\n",
        b"\r\nGET http://a.test/ HTTP/1.1\r\n\r\n",
        b"GET\thttp://a.test/\tHTTP/1.1\r\n\r\n",
    ];
    for bad in garbage {
        let answer = exchange(&proxy, bad);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{bad:?}: {answer}");
    }
    assert_eq!(proxy.stats().malformed, garbage.len() as u64);

    // Still serving.
    let mut stream = connect(&proxy);
    stream
        .write_all(format!("CONNECT {echo} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    assert!(read_head(&mut stream).starts_with("HTTP/1.1 200 "));
    stream.write_all(b"ping").unwrap();
    let mut echoed = [0u8; 4];
    stream.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"ping");
}

/// Random heads built from the pieces that matter never panic the parsers, and a forwarded
/// request always names its destination to the server in exactly one `Host` line.
#[test]
fn random_heads_never_panic_and_always_name_their_destination() {
    use super::head::{Target, parse_request, rewrite_response};

    let methods: [&[u8]; 4] = [b"GET ", b"CONNECT ", b"POST ", b"G\xffT "];
    let pieces: [&[u8]; 20] = [
        b"http://", b"a.test", b"[::1]", b"0x7f.1", b":", b"80", b"@", b"/", b"%2e", b"?", b"#",
        b"\\", b"\r\n", b"\r", b"\n", b" ", b"\t", b"\xff", b"\x00", b"[",
    ];
    let versions: [&[u8]; 3] = [b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", b" HTTP/1.1 "];
    let headers: [&[u8]; 8] = [
        b"Host: b.test\r\n",
        b"host: c.test:1\r\n",
        b"Upgrade: websocket\r\n",
        b"Connection: keep-alive\r\n",
        b"X: \xff\r\n",
        b"X:\r\n",
        b": x\r\n",
        b" f\r\n",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut parsed = 0;
    for _ in 0..200_000 {
        let mut head = methods[next(methods.len())].to_vec();
        if next(2) == 0 {
            head.extend_from_slice(b"http://");
        }
        for _ in 0..next(6) {
            head.extend_from_slice(pieces[next(pieces.len())]);
        }
        head.extend_from_slice(versions[next(versions.len())]);
        for _ in 0..next(4) {
            head.extend_from_slice(headers[next(headers.len())]);
        }
        let _ = rewrite_response(&head);
        head.extend_from_slice(b"\r\n");
        let _ = rewrite_response(&head);
        let Ok(request) = parse_request(&head) else {
            continue;
        };
        parsed += 1;
        let (host, _) = request.destination();
        assert!(!host.is_empty(), "{head:?}");
        if let Target::Forward(url) = &request.target {
            let upstream = String::from_utf8_lossy(&request.upstream_head()).into_owned();
            let hosts: Vec<&str> = upstream
                .split("\r\n")
                .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
                .collect();
            let expected = match url.port() {
                Some(port) => format!("Host: {host}:{port}"),
                None => format!("Host: {host}"),
            };
            assert_eq!(hosts, [expected.as_str()], "{head:?}");
        }
    }
    assert!(
        parsed > 1000,
        "{parsed} random heads parsed: the test proves little"
    );
}

#[test]
fn test_builds_dial_loopback_only() {
    // The guard lets a lab reach 10.0.0.1; a test build still never sends it a packet.
    let lab = proxy(true, "", true, ProxyLimits::default());
    let answer = exchange(&lab, b"CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 502 "), "{answer}");
    assert!(answer.contains("not on loopback"), "{answer}");
    let stats = lab.stats();
    assert_eq!((stats.dialed, stats.connected), (1, 0));
}

#[test]
fn a_response_head_with_bare_line_feeds_is_passed_on_rewritten() {
    // Browsers accept such heads; a capture must see what a victim's browser sees.
    let web = server(|mut s| {
        read_head(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\nContent-Length: 2\nConnection: keep-alive\n\nhi")
            .unwrap();
    });
    let proxy = proxy(true, "", false, ProxyLimits::default());

    let answer = exchange(
        &proxy,
        format!("GET http://{web}/ HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert_eq!(
        answer,
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\
         Proxy-Connection: close\r\n\r\nhi"
    );
}

#[test]
fn a_name_with_many_silent_addresses_is_tried_at_a_few_only() {
    // Ten loopback addresses, none listening on the port: each attempt fails at once.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addresses: Vec<String> = (1..=10).map(|i| format!("127.0.9.{i}")).collect();
    let map = format!("many.test={}", addresses.join(","));
    let proxy = proxy(false, &map, true, ProxyLimits::default());

    let answer = exchange(
        &proxy,
        format!("CONNECT many.test:{port} HTTP/1.1\r\n\r\n").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 502 "), "{answer}");
    assert_eq!(proxy.stats().dialed, super::MOST_ADDRESSES_DIALED as u64);
}

#[test]
fn the_captures_own_control_ports_are_refused_even_where_loopback_is_allowed() {
    let lab = proxy(true, "", false, ProxyLimits::default());
    let own = lab.addr();
    let answer = exchange(&lab, format!("CONNECT {own} HTTP/1.1\r\n\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 403 "), "{answer}");
    assert!(answer.contains("capture's proxy or browser"), "{answer}");
    let mapped = format!("CONNECT [::ffff:127.0.0.1]:{} HTTP/1.1\r\n\r\n", own.port());
    assert!(exchange(&lab, mapped.as_bytes()).starts_with("HTTP/1.1 403 "));

    // A browser's DevTools port, registered while it runs, is refused; once it is gone the
    // same port is an ordinary loopback destination again.
    let devtools = echo_server();
    lab.control_ports().lock().unwrap().insert(devtools.port());
    let request = format!("CONNECT {devtools} HTTP/1.1\r\n\r\n");
    assert!(exchange(&lab, request.as_bytes()).starts_with("HTTP/1.1 403 "));
    assert_eq!(lab.stats().dialed, 0, "{:?}", lab.stats());
    lab.control_ports().lock().unwrap().remove(&devtools.port());
    let mut stream = connect(&lab);
    stream.write_all(request.as_bytes()).unwrap();
    let head = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
}
