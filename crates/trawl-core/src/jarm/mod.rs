//! JARM: the TLS server fingerprint of Salesforce's reference implementation.
//!
//! This module owns probing one TLS endpoint ([`jarm`]) and a TTL cache of results keyed by
//! (address, port, SNI) ([`JarmCache`]), so the many targets of a campaign hosted on one
//! server cost one set of probes. The ten ClientHellos are built in [`probes`], each answer is
//! read in [`parse`] and the value is computed in [`hash`]. Name resolution is the caller's
//! job: JARM connects to the address the capture recorded and sends the host name as SNI.
//!
//! Error policy, the reference's: the ten probes run concurrently, each on its own
//! connection with its own time limit. A probe whose connection is refused or reset, or whose
//! answer is not a ServerHello, counts as an empty result (`|||`) and the others still count.
//! A probe that times out makes the whole value 62 zeros (the reference stops at the first
//! timeout). No retries. Nothing here returns an error: every outcome is a value.

pub mod hash;
pub mod parse;
pub mod probes;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::OnceCell;

pub use hash::{TOTAL_FAILURE, ZERO_HASH, fuzzy_hash};

/// The most the reference reads of an answer (one read).
const READ_LIMIT: usize = 1484;

/// Default time limit of one probe.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How one probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// The server sent something (parsed into the raw result, possibly `|||`).
    Answered,
    /// The connection failed, was reset or closed before anything was read.
    Failed,
    /// No answer within the time limit.
    TimedOut,
}

/// The JARM value of one endpoint with what produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JarmResult {
    /// The 62-character JARM value (62 zeros when nothing answered or a probe timed out).
    pub hash: String,
    /// The ten raw probe results joined with `,` (the reference's "raw" output).
    pub raw: String,
    /// How each probe ended, in probe order.
    pub outcomes: Vec<ProbeOutcome>,
}

impl JarmResult {
    /// Some probe timed out, so the value is 62 zeros by the reference's rule.
    pub fn timed_out(&self) -> bool {
        self.outcomes.contains(&ProbeOutcome::TimedOut)
    }

    /// No probe got a ServerHello (the value is 62 zeros).
    pub fn is_empty(&self) -> bool {
        self.hash == ZERO_HASH
    }
}

/// Probes `ip:port` ten times concurrently, sending `sni` as the server name, each probe
/// limited to `timeout`, and computes the JARM value.
pub async fn jarm(ip: IpAddr, port: u16, sni: &str, timeout: Duration) -> JarmResult {
    let addr = SocketAddr::new(ip, port);
    let packets: Vec<Vec<u8>> = {
        let mut rng = rand::thread_rng();
        probes::PROBES
            .iter()
            .map(|p| probes::client_hello(p, sni, &mut rng))
            .collect()
    };
    let answers = futures::future::join_all(
        packets
            .into_iter()
            .map(|packet| tokio::time::timeout(timeout, exchange(addr, packet))),
    )
    .await;

    let mut outcomes = Vec::with_capacity(answers.len());
    let mut results = Vec::with_capacity(answers.len());
    for answer in answers {
        let (outcome, data) = match answer {
            Err(_elapsed) => (ProbeOutcome::TimedOut, None),
            Ok(Err(_io)) => (ProbeOutcome::Failed, None),
            Ok(Ok(data)) if data.is_empty() => (ProbeOutcome::Failed, Some(data)),
            Ok(Ok(data)) => (ProbeOutcome::Answered, Some(data)),
        };
        outcomes.push(outcome);
        results.push(parse::probe_result(data.as_deref()));
    }

    let raw = match outcomes.contains(&ProbeOutcome::TimedOut) {
        true => TOTAL_FAILURE.to_owned(),
        false => results.join(","),
    };
    let hash = fuzzy_hash(&raw);
    tracing::debug!(%addr, sni, %hash, "jarm probed");
    JarmResult {
        hash,
        raw,
        outcomes,
    }
}

/// One probe: connect, send the ClientHello, read once.
async fn exchange(addr: SocketAddr, packet: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&packet).await?;
    let mut buf = vec![0; READ_LIMIT];
    let n = stream.read(&mut buf).await?;
    buf.truncate(n);
    Ok(buf)
}

/// The key of a cached value.
type CacheKey = (IpAddr, u16, String);

/// A cached value: when it was first asked for, and the value (filled once probed).
type CacheEntry = (Instant, Arc<OnceCell<JarmResult>>);

/// A shared cache of JARM values keyed by (address, port, SNI), each kept for a fixed time.
///
/// Concurrent requests for the same key wait for one set of probes. Expired entries are
/// dropped when the cache grows past [`JarmCache::PRUNE_AT`] entries.
pub struct JarmCache {
    ttl: Duration,
    timeout: Duration,
    entries: Mutex<HashMap<CacheKey, CacheEntry>>,
}

impl JarmCache {
    /// Entry count above which expired entries are removed on insertion.
    pub const PRUNE_AT: usize = 4096;

    /// A cache keeping values for `ttl`, probing with a per-probe limit of `timeout`.
    pub fn new(ttl: Duration, timeout: Duration) -> Self {
        Self {
            ttl,
            timeout,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The JARM value of `ip:port` with `sni`, probed only when no fresh value is cached.
    pub async fn get(&self, ip: IpAddr, port: u16, sni: &str) -> JarmResult {
        let cell = self.cell((ip, port, sni.to_owned()));
        cell.get_or_init(|| jarm(ip, port, sni, self.timeout))
            .await
            .clone()
    }

    /// Number of entries held (fresh or not yet pruned).
    pub fn len(&self) -> usize {
        self.entries.lock().expect("jarm cache").len()
    }

    /// No entry held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn cell(&self, key: CacheKey) -> Arc<OnceCell<JarmResult>> {
        let now = Instant::now();
        let mut entries = self.entries.lock().expect("jarm cache");
        if let Some((created, cell)) = entries.get(&key)
            && now.duration_since(*created) < self.ttl
        {
            return cell.clone();
        }
        if entries.len() >= Self::PRUNE_AT {
            entries.retain(|_, (created, _)| now.duration_since(*created) < self.ttl);
        }
        let cell = Arc::new(OnceCell::new());
        entries.insert(key, (now, cell.clone()));
        cell
    }
}

impl Default for JarmCache {
    /// One hour, with the default probe time limit.
    fn default() -> Self {
        Self::new(Duration::from_secs(3600), DEFAULT_TIMEOUT)
    }
}

#[cfg(test)]
mod tests;
