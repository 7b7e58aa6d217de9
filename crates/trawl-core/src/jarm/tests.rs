//! Probing and caching against loopback listeners written here (no TLS stack involved; the
//! comparison with real TLS servers and pyjarm is in `tests/jarm.rs`).

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpListener;

use super::*;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// How the fake server treats each connection.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Answer every ClientHello with the same TLS 1.2 ServerHello.
    Hello,
    /// Accept and never answer.
    Silent,
    /// Accept and close at once.
    Close,
}

/// A ServerHello record choosing `c02f` with renegotiation_info and extended master secret.
fn canned_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend([1; 32]);
    body.push(0);
    body.extend([0xc0, 0x2f, 0x00, 0x00, 0x09]);
    body.extend([0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00]);
    let mut record = vec![
        0x16,
        0x03,
        0x03,
        0x00,
        (body.len() + 4) as u8,
        0x02,
        0x00,
        0x00,
    ];
    record.push(body.len() as u8);
    record.extend(body);
    record
}

/// A listener on a free loopback port counting connections; runs until the test ends.
async fn fake_server(behaviour: Behaviour) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0; 2048];
                match behaviour {
                    Behaviour::Hello => {
                        let _ = stream.read(&mut buf).await;
                        let _ = stream.write_all(&canned_hello()).await;
                    }
                    Behaviour::Silent => {
                        let _ = stream.read(&mut buf).await;
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                    Behaviour::Close => drop(stream),
                }
            });
        }
    });
    (port, count)
}

/// A loopback port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_closed_port_gives_62_zeros() {
    let port = closed_port().await;
    let result = jarm(LOCALHOST, port, "a.test", Duration::from_secs(5)).await;
    assert_eq!(result.hash, ZERO_HASH);
    assert_eq!(result.raw, TOTAL_FAILURE);
    assert!(result.outcomes.iter().all(|o| *o == ProbeOutcome::Failed));
    assert!(!result.timed_out());
}

#[tokio::test]
async fn a_silent_server_times_out_to_62_zeros() {
    let (port, count) = fake_server(Behaviour::Silent).await;
    let result = jarm(LOCALHOST, port, "a.test", Duration::from_millis(300)).await;
    assert_eq!(result.hash, ZERO_HASH);
    assert!(result.timed_out());
    assert_eq!(count.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn a_server_closing_every_connection_gives_62_zeros_without_timeout() {
    let (port, _) = fake_server(Behaviour::Close).await;
    let result = jarm(LOCALHOST, port, "a.test", Duration::from_secs(5)).await;
    assert_eq!(result.hash, ZERO_HASH);
    assert!(!result.timed_out());
}

#[tokio::test]
async fn every_probe_answered_is_hashed_from_its_server_hello() {
    let (port, _) = fake_server(Behaviour::Hello).await;
    let result = jarm(LOCALHOST, port, "a.test", Duration::from_secs(5)).await;
    let one = "c02f|0303||ff01-0017";
    assert_eq!(result.raw, vec![one; 10].join(","));
    assert_eq!(result.hash, fuzzy_hash(&result.raw));
    assert!(result.hash.starts_with("29d29d29d"), "{}", result.hash);
    assert!(result.outcomes.iter().all(|o| *o == ProbeOutcome::Answered));
}

#[tokio::test]
async fn the_cache_probes_a_server_once_per_key_even_when_asked_concurrently() {
    let (port, count) = fake_server(Behaviour::Hello).await;
    let cache = JarmCache::new(Duration::from_secs(600), Duration::from_secs(5));
    let (a, b) = tokio::join!(
        cache.get(LOCALHOST, port, "a.test"),
        cache.get(LOCALHOST, port, "a.test")
    );
    let c = cache.get(LOCALHOST, port, "a.test").await;
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(count.load(Ordering::SeqCst), 10);

    // Another SNI is another key.
    cache.get(LOCALHOST, port, "b.test").await;
    assert_eq!(count.load(Ordering::SeqCst), 20);
    assert_eq!(cache.len(), 2);
}

#[tokio::test]
async fn an_expired_value_is_probed_again() {
    let (port, count) = fake_server(Behaviour::Hello).await;
    let cache = JarmCache::new(Duration::ZERO, Duration::from_secs(5));
    cache.get(LOCALHOST, port, "a.test").await;
    cache.get(LOCALHOST, port, "a.test").await;
    assert_eq!(count.load(Ordering::SeqCst), 20);
}
