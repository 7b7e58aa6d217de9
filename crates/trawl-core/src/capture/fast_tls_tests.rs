//! Certificates recorded by the fast capturer from loopback HTTPS servers with rcgen
//! certificates: self-signed, expired, wrong name, and issued by a CA the system does not trust.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use url::Url;

use super::fast::CaptureOptions;
use super::model::{Capture, TlsCertInfo};
use super::testkit::{capturer, options, serve_tls};

async fn capture_https(cert_pem: &str, key_pem: &str, options: CaptureOptions) -> Capture {
    let addr = serve_tls(cert_pem, key_pem).await;
    let (_dir, capturer) = capturer("lab.test=127.0.0.1", options);
    let url = Url::parse(&format!("https://lab.test:{}/", addr.port())).unwrap();
    capturer.capture(&url).await
}

fn self_signed(names: &[&str], expired: bool) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "Lab Self Signed");
    if expired {
        params.not_before = rcgen::date_time_ymd(2015, 1, 1);
        params.not_after = rcgen::date_time_ymd(2016, 1, 1);
    }
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn tls_of(capture: &Capture) -> &TlsCertInfo {
    assert_eq!(capture.error, None);
    assert_eq!(capture.title.as_deref(), Some("tls lab"));
    capture.tls.as_ref().expect("certificate recorded")
}

#[tokio::test]
async fn a_self_signed_certificate_is_accepted_and_flagged() {
    let (cert, key) = self_signed(&["lab.test"], false);
    let capture = capture_https(&cert, &key, options()).await;
    let tls = tls_of(&capture);

    assert_eq!(tls.problems, ["self-signed", "untrusted issuer"]);
    assert!(!tls.valid);
    assert_eq!(tls.subject, "CN=Lab Self Signed");
    assert_eq!(tls.issuer, tls.subject);
    assert_eq!(tls.sans, ["lab.test"]);
    assert_eq!(tls.sha256.len(), 64);
}

#[tokio::test]
async fn an_expired_certificate_is_flagged() {
    let (cert, key) = self_signed(&["lab.test"], true);
    let capture = capture_https(&cert, &key, options()).await;
    let tls = tls_of(&capture);

    assert!(
        tls.problems.contains(&"expired".to_owned()),
        "{:?}",
        tls.problems
    );
    assert!(tls.not_after.starts_with("2016-01-01"));
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_mismatch() {
    let (cert, key) = self_signed(&["other.test", "*.lab.test"], false);
    let mut no_probe = options();
    no_probe.check_trust = false;
    let capture = capture_https(&cert, &key, no_probe).await;

    assert_eq!(
        tls_of(&capture).problems,
        ["self-signed", "hostname mismatch"]
    );
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_untrusted_but_not_self_signed() {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Trawl Test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["lab.test".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "lab.test");
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let chain = format!("{}{}", leaf.pem(), ca.pem());

    let capture = capture_https(&chain, &leaf_key.serialize_pem(), options()).await;
    let tls = tls_of(&capture);
    assert_eq!(tls.problems, ["untrusted issuer"]);
    assert_eq!(tls.issuer, "CN=Trawl Test CA");
}
