//! JARM against real TLS servers: `openssl s_server` processes on loopback with different
//! settings, each fingerprinted by Trawl and by pyjarm (PyPI `pyjarm`, the Python oracle) in
//! the same run. JARM depends on the server's TLS build, so the values are compared with each
//! other, never with hard-coded ones. Skips with a message when `openssl` or pyjarm is
//! missing (`scripts/setup.sh all` installs both).

use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use trawl_core::jarm::{ZERO_HASH, jarm};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// An `openssl s_server` process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tools_present() -> bool {
    let openssl = Command::new("openssl").arg("version").output();
    if !openssl.is_ok_and(|o| o.status.success()) {
        eprintln!("skipping: openssl not found");
        return false;
    }
    let pyjarm = Command::new("python3")
        .args(["-c", "import jarm.scanner.scanner"])
        .output();
    if !pyjarm.is_ok_and(|o| o.status.success()) {
        eprintln!("skipping: pyjarm not installed (python3 -m pip install pyjarm)");
        return false;
    }
    true
}

/// A self-signed certificate for `a.test` with an RSA-2048 or P-256 key, written to `dir`.
fn make_cert(dir: &Path, kind: &str) -> (String, String) {
    let cert = dir.join(format!("{kind}.crt")).display().to_string();
    let key = dir.join(format!("{kind}.key")).display().to_string();
    let newkey = match kind {
        "rsa" => vec!["-newkey", "rsa:2048"],
        _ => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    };
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-subj",
            "/CN=a.test",
            "-days",
            "2",
        ])
        .args(newkey)
        .args(["-keyout", &key, "-out", &cert])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl req failed");
    (cert, key)
}

fn free_port() -> u16 {
    TcpListener::bind((LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `openssl s_server` with `extra` arguments and waits until it accepts.
fn start_server(cert: &(String, String), extra: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new("openssl")
        .arg("s_server")
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args(["-cert", &cert.0, "-key", &cert.1, "-www", "-quiet"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect((LOCALHOST, port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "s_server {extra:?} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// pyjarm's value for 127.0.0.1:`port` (SNI "127.0.0.1", as its CLI sends).
fn pyjarm(port: u16) -> String {
    let script = format!(
        "from jarm.scanner.scanner import Scanner\n\
         print(Scanner.scan('127.0.0.1', {port}, timeout=5, suppress=True)[0])"
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyjarm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn trawl_and_pyjarm_agree_on_openssl_servers_of_different_settings() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rsa = make_cert(dir.path(), "rsa");
    let ecdsa = make_cert(dir.path(), "ecdsa");
    let cases: [(&str, &(String, String), &[&str]); 7] = [
        ("RSA defaults", &rsa, &[]),
        ("TLS 1.2 only", &rsa, &["-tls1_2"]),
        ("TLS 1.3 disabled", &rsa, &["-no_tls1_3"]),
        ("TLS 1.3 only", &rsa, &["-tls1_3"]),
        (
            "restricted ciphers",
            &rsa,
            &[
                "-cipher",
                "AES256-SHA:ECDHE-RSA-AES128-SHA",
                "-ciphersuites",
                "TLS_AES_128_GCM_SHA256",
            ],
        ),
        ("ALPN h2,http/1.1", &rsa, &["-alpn", "h2,http/1.1"]),
        ("ECDSA defaults", &ecdsa, &[]),
    ];

    let mut distinct = std::collections::HashSet::new();
    for (case, cert, extra) in cases {
        let server = start_server(cert, extra);
        let ours = jarm(LOCALHOST, server.port, "127.0.0.1", PROBE_TIMEOUT).await;
        let theirs = pyjarm(server.port);
        eprintln!("{case:<20} trawl {}  pyjarm {theirs}", ours.hash);
        assert_eq!(ours.hash, theirs, "{case}: raw {}", ours.raw);
        assert_ne!(ours.hash, ZERO_HASH, "{case}");
        assert!(!ours.timed_out(), "{case}");
        distinct.insert(ours.hash);

        // s_server ignores the server name: a host name as SNI gives the same value.
        if extra.is_empty() {
            let named = jarm(LOCALHOST, server.port, "a.test", PROBE_TIMEOUT).await;
            assert_eq!(named.hash, theirs, "{case} with SNI a.test");
        }
    }
    // The settings are told apart (the ALPN and cipher cases differ from the defaults).
    assert!(distinct.len() >= 6, "{distinct:?}");
}

#[tokio::test]
async fn a_closed_port_gives_62_zeros_like_pyjarm() {
    if !tools_present() {
        return;
    }
    let port = free_port();
    let ours = jarm(LOCALHOST, port, "127.0.0.1", PROBE_TIMEOUT).await;
    assert_eq!(ours.hash, ZERO_HASH);
    assert_eq!(pyjarm(port), ZERO_HASH);
}

#[tokio::test]
async fn a_server_that_accepts_and_never_answers_ends_with_62_zeros() {
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    // The kernel completes the handshakes (backlog); nothing ever reads or answers.
    let result = jarm(LOCALHOST, port, "a.test", Duration::from_millis(500)).await;
    assert_eq!(result.hash, ZERO_HASH);
    assert!(result.timed_out());
    drop(listener);
}
