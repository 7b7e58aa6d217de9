//! The leaf certificate of an HTTPS response: its fields and its validity problems.
//!
//! Captures accept any certificate (phishing sites often have bad ones) and record what is
//! wrong with it instead: expired, not yet valid, self-signed (issuer name equals subject name
//! and the key identifiers, when present, agree), hostname mismatch (subjectAltName DNS and IP
//! entries with browser wildcard rules; the subject CN only when the certificate has no SAN
//! extension at all), and untrusted issuer. Trust is checked by a second, verifying TLS
//! handshake with the system roots to the same pinned address (native-tls, i.e. OpenSSL here);
//! when that probe cannot decide (connection failure, timeout) no trust problem is recorded.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio::time::Instant;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::model::TlsCertInfo;

/// What the verifying handshake said about the issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The chain leads to a system root.
    Trusted,
    /// It does not; the TLS library's reason.
    Untrusted(String),
    /// The probe could not tell.
    Unknown(String),
}

/// Describes the DER certificate `der` served for `host`, as of `now`.
pub fn describe(
    der: &[u8],
    host: &str,
    now: DateTime<Utc>,
    trust: &Trust,
) -> Result<TlsCertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("unreadable certificate: {e}"))?;
    let validity = cert.validity();
    let not_before = timestamp(validity.not_before.timestamp());
    let not_after = timestamp(validity.not_after.timestamp());

    let mut problems = Vec::new();
    if now > not_after {
        problems.push("expired");
    }
    if now < not_before {
        problems.push("not yet valid");
    }
    if is_self_signed(&cert) {
        problems.push("self-signed");
    }
    let (sans, has_san_extension) = subject_alt_names(&cert);
    if !matches_host(host, &sans, has_san_extension, &common_names(&cert)) {
        problems.push("hostname mismatch");
    }
    if matches!(trust, Trust::Untrusted(_)) {
        problems.push("untrusted issuer");
    }

    Ok(TlsCertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        not_before: not_before.to_rfc3339(),
        not_after: not_after.to_rfc3339(),
        sha256: hex::encode(Sha256::digest(der)),
        valid: problems.is_empty(),
        problems: problems.into_iter().map(str::to_owned).collect(),
    })
}

fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let mut authority_key = None;
    let mut subject_key = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            ParsedExtension::SubjectKeyIdentifier(ski) => subject_key = Some(ski.0.to_vec()),
            _ => {}
        }
    }
    match (authority_key, subject_key) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// SAN DNS names and IP addresses, and whether the extension exists at all.
fn subject_alt_names(cert: &X509Certificate<'_>) -> (Vec<String>, bool) {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return (Vec::new(), false);
    };
    let names = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(bytes) => ip_from_bytes(bytes).map(|ip| ip.to_string()),
            _ => None,
        })
        .collect();
    (names, true)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

fn common_names(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
        .collect()
}

/// Browser-style name matching: exact, or `*.` covering exactly one leftmost label.
fn matches_host(host: &str, sans: &[String], has_san: bool, common_names: &[String]) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    let candidates = if has_san { sans } else { common_names };

    if let Ok(ip) = host.parse::<IpAddr>() {
        return candidates
            .iter()
            .any(|c| c.parse::<IpAddr>().is_ok_and(|c| c == ip));
    }
    candidates.iter().any(|pattern| {
        let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
        match pattern.strip_prefix("*.") {
            Some(suffix) => host.split_once('.').is_some_and(|(label, rest)| {
                !label.is_empty() && rest == suffix && suffix.contains('.')
            }),
            None => pattern == host,
        }
    })
}

/// Handshakes with `addr` verifying the chain against the system roots (host name not
/// checked: that is judged separately).
pub async fn probe_trust(addr: SocketAddr, host: &str, deadline: Instant) -> Trust {
    static STRICT: OnceLock<Result<native_tls::TlsConnector, String>> = OnceLock::new();
    let built = STRICT.get_or_init(|| {
        let mut builder = native_tls::TlsConnector::builder();
        builder.danger_accept_invalid_hostnames(true);
        builder
            .build()
            .map_err(|e| format!("cannot set up TLS: {e}"))
    });
    let connector = match built {
        Ok(connector) => tokio_native_tls::TlsConnector::from(connector.clone()),
        Err(e) => return Trust::Unknown(e.clone()),
    };
    let domain = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let handshake = async {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| Trust::Unknown(e.to_string()))?;
        connector
            .connect(&domain, stream)
            .await
            .map_err(|e| classify_failure(&e.to_string()))
    };
    match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(_)) => Trust::Trusted,
        Ok(Err(trust)) => trust,
        Err(_) => Trust::Unknown("trust probe timed out".to_owned()),
    }
}

/// OpenSSL builds the chain before it checks dates, so a date error means the chain was
/// trusted, and a chain error means it was not.
fn classify_failure(message: &str) -> Trust {
    let lower = message.to_ascii_lowercase();
    let chain_errors = [
        "self-signed",
        "self signed",
        "unable to get local issuer",
        "unable to get issuer",
        "unable to verify the first certificate",
        "certificate chain",
        "unknown ca",
        "untrusted",
    ];
    if chain_errors.iter().any(|e| lower.contains(e)) {
        Trust::Untrusted(message.to_owned())
    } else if lower.contains("expired") || lower.contains("not yet valid") {
        Trust::Trusted
    } else {
        Trust::Unknown(message.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcards_cover_exactly_one_label() {
        let sans = names(&["*.lab.test", "exact.test", "127.0.0.1"]);
        assert!(matches_host("a.lab.test", &sans, true, &[]));
        assert!(matches_host("EXACT.test.", &sans, true, &[]));
        assert!(matches_host("127.0.0.1", &sans, true, &[]));
        assert!(!matches_host("lab.test", &sans, true, &[]));
        assert!(!matches_host("a.b.lab.test", &sans, true, &[]));
        assert!(!matches_host("other.test", &sans, true, &[]));
        assert!(
            !matches_host("x.test", &names(&["*.test"]), true, &[]),
            "no TLD wildcards"
        );
    }

    #[test]
    fn common_name_is_used_only_without_a_san_extension() {
        let cn = names(&["legacy.test"]);
        assert!(matches_host("legacy.test", &[], false, &cn));
        assert!(!matches_host(
            "legacy.test",
            &names(&["other.test"]),
            true,
            &cn
        ));
    }

    #[test]
    fn handshake_errors_are_classified() {
        let self_signed = "certificate verify failed: (self-signed certificate)";
        assert!(matches!(classify_failure(self_signed), Trust::Untrusted(_)));
        let no_issuer = "certificate verify failed: (unable to get local issuer certificate)";
        assert!(matches!(classify_failure(no_issuer), Trust::Untrusted(_)));
        assert_eq!(
            classify_failure("certificate verify failed: (certificate has expired)"),
            Trust::Trusted
        );
        assert!(matches!(
            classify_failure("connection reset by peer"),
            Trust::Unknown(_)
        ));
    }

    #[test]
    fn self_signed_expired_certificate_is_described() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["old.lab.test".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
        let cert = params.self_signed(&key).unwrap();

        let info = describe(
            cert.der(),
            "old.lab.test",
            Utc::now(),
            &Trust::Unknown(String::new()),
        )
        .unwrap();
        assert_eq!(info.problems, ["expired", "self-signed"]);
        assert!(!info.valid);
        assert_eq!(info.sans, ["old.lab.test"]);
        assert!(info.not_before.starts_with("2001-01-01T00:00:00"));
        assert_eq!(info.sha256, hex::encode(Sha256::digest(cert.der())));
    }
}
