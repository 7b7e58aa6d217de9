//! Certificates and TLS listeners of the lab.
//!
//! At start the lab makes a CA (kept in memory; its certificate can be written out so clients
//! can trust it) and, per TLS listener, a leaf signed by it. For the hostile listeners it also
//! makes a leaf whose validity ended in the past and a self-signed leaf. Keys are ECDSA P-256
//! and live only as long as the process.
//!
//! [`PreparedListener`] plugs TLS into axum's server: a background task accepts TCP and runs each
//! handshake in its own task (bounded by [`HANDSHAKE_TIMEOUT`], so a silent client never blocks
//! others); finished streams are handed to axum. Failed handshakes are logged at `debug` and
//! dropped. [`spawn_tls_hang`] is the listener that never answers a ClientHello.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::serve::Listener;
use chrono::Datelike;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, date_time_ymd,
};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_native_tls::{TlsAcceptor, TlsStream};
use tracing::debug;

use super::LabError;
use super::serve::Shutdown;

/// Hostname in the certificate of the hostile HTTPS listener (valid, CA-signed).
pub const HOSTILE_TLS_HOST: &str = "hostile.lab.test";
/// Hostname in the expired certificate.
pub const EXPIRED_TLS_HOST: &str = "expired.lab.test";
/// Hostname in the self-signed certificate.
pub const SELF_SIGNED_TLS_HOST: &str = "self-signed.lab.test";

/// How long a client may take to complete a TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The lab's certificate authority, made at start.
pub(crate) struct LabCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl LabCa {
    /// Makes a fresh CA key and self-signed CA certificate.
    pub(crate) fn new() -> Result<LabCa, LabError> {
        let fail = tls_error("lab CA");
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(&fail)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "Trawl Lab CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Trawl lab (loopback only)");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params, Validity::Current);

        let key = KeyPair::generate().map_err(&fail)?;
        let cert = params.self_signed(&key).map_err(&fail)?;
        Ok(LabCa { cert, key })
    }

    /// The CA certificate, PEM.
    pub(crate) fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A currently valid leaf for `names` and `ip`, signed by this CA.
    pub(crate) fn leaf(&self, names: &[String], ip: IpAddr) -> Result<TlsAcceptor, LabError> {
        self.signed_leaf(names, ip, Validity::Current)
    }

    /// A leaf for [`EXPIRED_TLS_HOST`] signed by this CA, valid during 2020 only.
    pub(crate) fn expired_leaf(&self, ip: IpAddr) -> Result<TlsAcceptor, LabError> {
        self.signed_leaf(&[EXPIRED_TLS_HOST.to_string()], ip, Validity::Expired)
    }

    fn signed_leaf(
        &self,
        names: &[String],
        ip: IpAddr,
        validity: Validity,
    ) -> Result<TlsAcceptor, LabError> {
        let what = format!("leaf certificate for {}", names.join(", "));
        let fail = tls_error(&what);
        let mut params = leaf_params(names, ip).map_err(&fail)?;
        set_validity(&mut params, validity);
        params.use_authority_key_identifier_extension = true;

        let key = KeyPair::generate().map_err(&fail)?;
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(&fail)?;
        acceptor(&what, &cert.pem(), &key.serialize_pem())
    }
}

/// A self-signed leaf for [`SELF_SIGNED_TLS_HOST`] (not a CA, issuer = subject).
pub(crate) fn self_signed_leaf(ip: IpAddr) -> Result<TlsAcceptor, LabError> {
    let what = "self-signed certificate";
    let fail = tls_error(what);
    let mut params = leaf_params(&[SELF_SIGNED_TLS_HOST.to_string()], ip).map_err(&fail)?;
    set_validity(&mut params, Validity::Current);

    let key = KeyPair::generate().map_err(&fail)?;
    let cert = params.self_signed(&key).map_err(&fail)?;
    acceptor(what, &cert.pem(), &key.serialize_pem())
}

fn leaf_params(names: &[String], ip: IpAddr) -> Result<CertificateParams, rcgen::Error> {
    let mut sans = names.to_vec();
    sans.push(ip.to_string());
    let mut params = CertificateParams::new(sans)?;
    let common_name = names.first().map_or("lab", String::as_str);
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    Ok(params)
}

/// Validity periods the lab hands out.
#[derive(Clone, Copy)]
enum Validity {
    /// From January 1st last year to January 1st in two years.
    Current,
    /// The year 2020 only.
    Expired,
}

fn set_validity(params: &mut CertificateParams, validity: Validity) {
    let (from, to) = match validity {
        Validity::Current => {
            let year = chrono::Utc::now().year();
            (year - 1, year + 2)
        }
        Validity::Expired => (2020, 2021),
    };
    params.not_before = date_time_ymd(from, 1, 1);
    params.not_after = date_time_ymd(to, 1, 1);
}

fn acceptor(what: &str, cert_pem: &str, key_pem: &str) -> Result<TlsAcceptor, LabError> {
    let identity = native_tls::Identity::from_pkcs8(cert_pem.as_bytes(), key_pem.as_bytes())
        .map_err(tls_error(what))?;
    let acceptor = native_tls::TlsAcceptor::new(identity).map_err(tls_error(what))?;
    Ok(TlsAcceptor::from(acceptor))
}

fn tls_error<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> LabError + '_ {
    move |e| LabError::Tls {
        what: what.to_string(),
        message: e.to_string(),
    }
}

/// An axum [`Listener`] yielding connections once they are prepared: TLS after a completed
/// handshake, or plain/TLS after a protocol sniff (see [`accept_prepared`]).
pub(crate) struct PreparedListener<S> {
    incoming: mpsc::Receiver<(S, SocketAddr)>,
    local: SocketAddr,
}

/// A listener whose connections completed their TLS handshake; the task ends at shutdown.
pub(crate) fn tls_listener(
    tcp: TcpListener,
    local: SocketAddr,
    acceptor: TlsAcceptor,
    shutdown: Shutdown,
) -> (PreparedListener<TlsStream<TcpStream>>, JoinHandle<()>) {
    accept_prepared(tcp, local, shutdown, move |stream, peer| {
        let acceptor = acceptor.clone();
        async move { handshake(&acceptor, stream, local, peer).await }
    })
}

/// Accepts on `tcp` until shutdown and runs `prepare` (a TLS handshake, a protocol sniff) on
/// each connection concurrently, so one slow client never holds up the others. What
/// `prepare` returns is queued for the listener; what it drops is gone. Accept errors are
/// logged at `debug` and retried after a short pause.
pub(crate) fn accept_prepared<S, F, Fut>(
    tcp: TcpListener,
    local: SocketAddr,
    shutdown: Shutdown,
    prepare: F,
) -> (PreparedListener<S>, JoinHandle<()>)
where
    S: Send + 'static,
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Option<S>> + Send + 'static,
{
    let (tx, incoming) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        loop {
            let (stream, peer) = tokio::select! {
                _ = shutdown.wait() => break,
                accepted = tcp.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        debug!(%local, error = %e, "lab: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let (tx, shutdown) = (tx.clone(), shutdown.clone());
            let prepared = prepare(stream, peer);
            tokio::spawn(async move {
                tokio::select! {
                    _ = shutdown.wait() => {}
                    done = prepared => {
                        if let Some(stream) = done {
                            let _ = tx.send((stream, peer)).await;
                        }
                    }
                }
            });
        }
    });
    (PreparedListener { incoming, local }, task)
}

/// Runs one server handshake, bounded by [`HANDSHAKE_TIMEOUT`]; failures are logged.
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    local: SocketAddr,
    peer: SocketAddr,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(e)) => {
            debug!(%local, %peer, error = %e, "lab: TLS handshake failed");
            None
        }
        Err(_) => {
            debug!(%local, %peer, "lab: TLS handshake timed out");
            None
        }
    }
}

impl<S> Listener for PreparedListener<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    type Io = S;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(conn) => conn,
            // The accept task has stopped (shutdown): axum stops on its own signal.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Accepts TCP on `tcp` and holds every connection open, reading and discarding what the client
/// sends, without ever answering, until the client leaves or the lab shuts down.
pub(crate) fn spawn_tls_hang(tcp: TcpListener, shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut stream = tokio::select! {
                _ = shutdown.wait() => break,
                accepted = tcp.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let mut sink = [0u8; 4096];
                let drain =
                    async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
                tokio::select! {
                    _ = shutdown.wait() => {}
                    _ = drain => {}
                }
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    #[test]
    fn ca_certificate_is_a_ca() {
        let ca = LabCa::new().unwrap();
        let pem = ca.pem();
        let (_, pem) = parse_x509_pem(pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        assert!(cert.is_ca());
        assert_eq!(cert.subject(), cert.issuer());
        assert!(cert.validity().is_valid());
    }

    #[test]
    fn leaf_params_carry_every_name_and_the_ip() {
        let names = ["a.test".to_string(), "b.test".to_string()];
        let params = leaf_params(&names, "127.0.10.1".parse().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let (_, cert) = parse_x509_certificate(&der).unwrap();

        let san = cert.subject_alternative_name().unwrap().unwrap();
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => d.to_string(),
                GeneralName::IPAddress(ip) => format!("ip {ip:?}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["a.test", "b.test", "ip [127, 0, 10, 1]"]);
        assert!(!cert.is_ca());
    }

    #[test]
    fn every_acceptor_builds() {
        let ip = "127.0.0.1".parse().unwrap();
        let ca = LabCa::new().unwrap();
        ca.leaf(&["a.test".to_string()], ip).unwrap();
        ca.expired_leaf(ip).unwrap();
        self_signed_leaf(ip).unwrap();
    }
}
