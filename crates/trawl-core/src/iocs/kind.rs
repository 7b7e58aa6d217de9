//! The closed set of IOC kinds, and the validation and normalisation of their values.
//!
//! Every value is trimmed; hosts, e-mail addresses and hashes are lower-cased; an IP address is
//! written in its canonical form (IPv6 compressed). A value that does not fit its kind is
//! refused with an [`InvalidValue`] naming the kind, the value and what is wrong with it.
//! Wallet addresses are accepted when they look like one (letters and digits); whether the
//! chain is recognised only matters to exporters (see [`wallet_chain`]).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::extract::{IndicatorKind, extract_from_text};

/// What an IOC is. The serialised names are the stored `iocs.kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IocKind {
    /// An http or https URL.
    Url,
    /// A domain name (ASCII form; internationalised names are converted).
    Domain,
    /// An IPv4 or IPv6 address.
    Ip,
    /// An e-mail address.
    Email,
    /// MD5 of a file (32 hex digits).
    Md5,
    /// SHA-1 of a file (40 hex digits).
    Sha1,
    /// SHA-256 of a file (64 hex digits).
    Sha256,
    /// A cryptocurrency wallet address.
    Wallet,
    /// A phone number.
    Phone,
}

impl IocKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [IocKind; 9] = [
        IocKind::Url,
        IocKind::Domain,
        IocKind::Ip,
        IocKind::Email,
        IocKind::Md5,
        IocKind::Sha1,
        IocKind::Sha256,
        IocKind::Wallet,
        IocKind::Phone,
    ];

    /// The stored name (`url`, `domain`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IocKind::Url => "url",
            IocKind::Domain => "domain",
            IocKind::Ip => "ip",
            IocKind::Email => "email",
            IocKind::Md5 => "md5",
            IocKind::Sha1 => "sha1",
            IocKind::Sha256 => "sha256",
            IocKind::Wallet => "wallet",
            IocKind::Phone => "phone",
        }
    }

    /// The kind with this name (case-insensitive, surrounding spaces ignored).
    pub fn parse(name: &str) -> Result<IocKind, UnknownKind> {
        let wanted = name.trim().to_ascii_lowercase();
        IocKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownKind(name.to_string()))
    }

    /// The kind names joined by `, ` (for messages).
    pub fn names() -> String {
        IocKind::ALL.map(IocKind::as_str).join(", ")
    }

    /// `value` validated and normalised for this kind.
    pub fn normalise(self, value: &str) -> Result<String, InvalidValue> {
        let trimmed = value.trim();
        let fail = |reason: String| InvalidValue {
            kind: self,
            value: trimmed.to_string(),
            reason,
        };
        if trimmed.is_empty() {
            return Err(fail("the value is empty".into()));
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
            return Err(fail(format!("it holds the control character {c:?}")));
        }
        match self {
            IocKind::Url => normalise_url(trimmed),
            IocKind::Domain => normalise_domain(trimmed),
            IocKind::Ip => normalise_ip(trimmed),
            IocKind::Email => normalise_email(trimmed),
            IocKind::Md5 => normalise_hex(trimmed, 32),
            IocKind::Sha1 => normalise_hex(trimmed, 40),
            IocKind::Sha256 => normalise_hex(trimmed, 64),
            IocKind::Wallet => normalise_wallet(trimmed),
            IocKind::Phone => normalise_phone(trimmed),
        }
        .map_err(fail)
    }
}

impl fmt::Display for IocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name outside the closed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown IOC kind {0:?}; use one of {names}", names = IocKind::names())]
pub struct UnknownKind(pub String);

/// A value that does not fit its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct InvalidValue {
    /// The kind the value was given as.
    pub kind: IocKind,
    /// The value (trimmed).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Longest value accepted for any kind (a URL can be long; nothing else comes close).
const MAX_LEN: usize = 8192;

fn normalise_url(value: &str) -> Result<String, String> {
    if value.len() > MAX_LEN {
        return Err(format!("longer than {MAX_LEN} bytes"));
    }
    if value.chars().any(char::is_whitespace) {
        return Err("it holds whitespace (percent-encode it as %20)".into());
    }
    let url = url::Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", url.scheme()));
    }
    let Some(host) = url.host_str() else {
        return Err("it has no host".into());
    };
    if host.is_empty() {
        return Err("it has no host".into());
    }
    // The URL parser lower-cases the scheme and host and converts internationalised names.
    Ok(url.to_string())
}

fn normalise_domain(value: &str) -> Result<String, String> {
    let name = value.strip_suffix('.').unwrap_or(value);
    if name.parse::<IpAddr>().is_ok() {
        return Err("this is an IP address; mark it as kind ip".into());
    }
    if name.contains("://") || name.contains('/') {
        return Err("this looks like a URL; mark it as kind url, or give the host only".into());
    }
    let ascii = idna::domain_to_ascii(name)
        .map_err(|_| "not a valid internationalised domain name".to_string())?;
    if ascii.len() > 253 {
        return Err(format!("{} characters long (at most 253)", ascii.len()));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err("a domain needs at least two labels (like example.com)".into());
    }
    for (i, label) in labels.iter().enumerate() {
        let n = i + 1;
        if label.is_empty() {
            return Err(format!("label {n} is empty"));
        }
        if label.len() > 63 {
            return Err(format!(
                "label {n} is {} characters long (at most 63)",
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!("label {n} ({label:?}) holds the character {c:?}"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {n} ({label:?}) starts or ends with '-'"));
        }
    }
    Ok(ascii)
}

fn normalise_ip(value: &str) -> Result<String, String> {
    let bare = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    bare.parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| "not an IPv4 or IPv6 address".into())
}

fn normalise_email(value: &str) -> Result<String, String> {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err("there is no '@'".into());
    };
    if local.is_empty() {
        return Err("the part before '@' is empty".into());
    }
    if local.len() > 64 {
        return Err(format!(
            "the part before '@' is {} characters long (at most 64)",
            local.len()
        ));
    }
    let allowed = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if let Some(c) = local.chars().find(|c| !allowed(*c)) {
        return Err(format!("the part before '@' holds the character {c:?}"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before '@' has a misplaced '.'".into());
    }
    let domain = normalise_domain(domain).map_err(|e| format!("its domain: {e}"))?;
    Ok(format!("{}@{domain}", local.to_lowercase()))
}

fn normalise_hex(value: &str, digits: usize) -> Result<String, String> {
    if let Some(c) = value.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("the character {c:?} is not a hex digit"));
    }
    if value.len() != digits {
        return Err(format!("{} hex digits (expected {digits})", value.len()));
    }
    Ok(value.to_ascii_lowercase())
}

fn normalise_wallet(value: &str) -> Result<String, String> {
    if let Some(c) = value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!("the character {c:?} is not a letter or digit"));
    }
    if !(25..=128).contains(&value.len()) {
        return Err(format!(
            "{} characters long (wallet addresses have 25 to 128)",
            value.len()
        ));
    }
    // Bech32 (`bc1…`, `ltc1…`) is case-insensitive and written in lower case; other forms
    // are case-sensitive and kept as written.
    let lower = value.to_ascii_lowercase();
    if (lower.starts_with("bc1") || lower.starts_with("ltc1"))
        && value.to_ascii_uppercase() == value
    {
        return Ok(lower);
    }
    Ok(value.to_string())
}

fn normalise_phone(value: &str) -> Result<String, String> {
    let (plus, rest) = match value.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            other => {
                return Err(format!(
                    "the character {other:?} is not a digit or separator"
                ));
            }
        }
    }
    if !(5..=15).contains(&digits.len()) {
        return Err(format!(
            "{} digits (phone numbers have 5 to 15)",
            digits.len()
        ));
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

/// The chain of a wallet address when its checksum proves it (`btc`, `ltc`, `doge`, `trx`,
/// `eth`, `xmr`, `sol`), as the page extractor recognises them; `None` otherwise.
pub fn wallet_chain(address: &str) -> Option<String> {
    // The extractor wants a wallet word near one-case Ethereum and Solana addresses.
    let text = format!("wallet address {address}");
    extract_from_text(&text)
        .into_iter()
        .find(|i| i.kind == IndicatorKind::Wallet && i.value == address)
        .and_then(|i| i.detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(kind: IocKind, value: &str) -> String {
        kind.normalise(value)
            .unwrap_or_else(|e| panic!("{kind} {value:?} refused: {e}"))
    }

    fn err(kind: IocKind, value: &str) -> String {
        match kind.normalise(value) {
            Ok(v) => panic!("{kind} {value:?} accepted as {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn kinds_parse_by_name() {
        assert_eq!(IocKind::parse(" Domain "), Ok(IocKind::Domain));
        assert_eq!(IocKind::parse("sha256"), Ok(IocKind::Sha256));
        let e = IocKind::parse("hostname").unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown IOC kind \"hostname\"; use one of url, domain, ip, email, md5, sha1, \
             sha256, wallet, phone"
        );
        for k in IocKind::ALL {
            assert_eq!(IocKind::parse(k.as_str()), Ok(k));
        }
    }

    #[test]
    fn urls_keep_path_and_lowercase_the_host() {
        assert_eq!(
            ok(IocKind::Url, "  HTTPS://Login.EXAMPLE.test/Path?Q=A  "),
            "https://login.example.test/Path?Q=A"
        );
        assert_eq!(ok(IocKind::Url, "http://a.test"), "http://a.test/");
        assert_eq!(
            err(IocKind::Url, "ftp://a.test/x"),
            "invalid url \"ftp://a.test/x\": scheme \"ftp\" is not http or https"
        );
        assert!(
            err(IocKind::Url, "a.test/login")
                .starts_with("invalid url \"a.test/login\": not a URL")
        );
        assert!(err(IocKind::Url, "http://a.test/a b").contains("whitespace"));
        assert_eq!(
            err(IocKind::Url, "   "),
            "invalid url \"\": the value is empty"
        );
    }

    #[test]
    fn domains_are_lowercase_ascii() {
        assert_eq!(
            ok(IocKind::Domain, "Secure-Login.Example.TEST."),
            "secure-login.example.test"
        );
        assert_eq!(
            ok(IocKind::Domain, "bücher.example"),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            err(IocKind::Domain, "a..test"),
            "invalid domain \"a..test\": label 2 is empty"
        );
        assert_eq!(
            err(IocKind::Domain, "localhost"),
            "invalid domain \"localhost\": a domain needs at least two labels (like example.com)"
        );
        assert_eq!(
            err(IocKind::Domain, "10.0.0.1"),
            "invalid domain \"10.0.0.1\": this is an IP address; mark it as kind ip"
        );
        assert!(err(IocKind::Domain, "-bad.test").contains("label 1 (\"-bad\") starts or ends"));
        assert!(err(IocKind::Domain, "http://a.test/").contains("looks like a URL"));
        assert!(err(IocKind::Domain, "a b.test").contains("invalid domain \"a b.test\""));
        assert!(err(IocKind::Domain, &format!("{}.test", "a".repeat(64))).contains("at most 63"));
    }

    #[test]
    fn ips_are_canonical() {
        assert_eq!(ok(IocKind::Ip, " 192.0.2.7 "), "192.0.2.7");
        assert_eq!(ok(IocKind::Ip, "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
        assert_eq!(ok(IocKind::Ip, "[::1]"), "::1");
        assert_eq!(
            err(IocKind::Ip, "192.0.2.300"),
            "invalid ip \"192.0.2.300\": not an IPv4 or IPv6 address"
        );
        assert!(err(IocKind::Ip, "example.test").contains("not an IPv4 or IPv6"));
    }

    #[test]
    fn emails_are_lowercase() {
        assert_eq!(
            ok(IocKind::Email, " Drop.Box+x@Mail.EXAMPLE.test "),
            "drop.box+x@mail.example.test"
        );
        assert_eq!(
            err(IocKind::Email, "nobody"),
            "invalid email \"nobody\": there is no '@'"
        );
        assert_eq!(
            err(IocKind::Email, "@a.test"),
            "invalid email \"@a.test\": the part before '@' is empty"
        );
        assert_eq!(
            err(IocKind::Email, "a b@a.test"),
            "invalid email \"a b@a.test\": the part before '@' holds the character ' '"
        );
        assert_eq!(
            err(IocKind::Email, "x@nodot"),
            "invalid email \"x@nodot\": its domain: a domain needs at least two labels (like \
             example.com)"
        );
    }

    #[test]
    fn hashes_are_lowercase_hex_of_the_right_length() {
        let sha = "AB".repeat(32);
        assert_eq!(ok(IocKind::Sha256, &sha), "ab".repeat(32));
        assert_eq!(ok(IocKind::Md5, &"0F".repeat(16)), "0f".repeat(16));
        assert_eq!(ok(IocKind::Sha1, &"a".repeat(40)), "a".repeat(40));
        assert_eq!(
            err(IocKind::Sha256, &"a".repeat(63)),
            format!(
                "invalid sha256 \"{}\": 63 hex digits (expected 64)",
                "a".repeat(63)
            )
        );
        assert_eq!(
            err(IocKind::Md5, &format!("{}g", "a".repeat(31))),
            format!(
                "invalid md5 \"{}g\": the character 'g' is not a hex digit",
                "a".repeat(31)
            )
        );
        // An MD5 given as sha256 is refused, not padded.
        assert!(err(IocKind::Sha256, &"a".repeat(32)).contains("32 hex digits (expected 64)"));
    }

    #[test]
    fn wallets_and_their_chains() {
        let btc = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
        assert_eq!(ok(IocKind::Wallet, btc), btc);
        assert_eq!(wallet_chain(btc).as_deref(), Some("btc"));
        let segwit = "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4";
        assert_eq!(ok(IocKind::Wallet, segwit), segwit.to_ascii_lowercase());
        assert_eq!(
            wallet_chain(&segwit.to_ascii_lowercase()).as_deref(),
            Some("btc")
        );
        // Letters and digits of wallet length, but no checksum: kept, chain unknown.
        let unknown = "Z".repeat(30);
        assert_eq!(ok(IocKind::Wallet, &unknown), unknown);
        assert_eq!(wallet_chain(&unknown), None);
        assert_eq!(
            err(IocKind::Wallet, "1BvBMSEY-stWetqTFn5Au4m4GFg7xJaNVN2"),
            "invalid wallet \"1BvBMSEY-stWetqTFn5Au4m4GFg7xJaNVN2\": the character '-' is not \
             a letter or digit"
        );
        assert!(err(IocKind::Wallet, "abc").contains("3 characters long"));
    }

    #[test]
    fn phones_lose_their_separators() {
        assert_eq!(ok(IocKind::Phone, "+1 (800) 555-0199"), "+18005550199");
        assert_eq!(ok(IocKind::Phone, "020 7946 0018"), "02079460018");
        assert_eq!(
            err(IocKind::Phone, "+1 800 CALL NOW"),
            "invalid phone \"+1 800 CALL NOW\": the character 'C' is not a digit or separator"
        );
        assert_eq!(
            err(IocKind::Phone, "+12"),
            "invalid phone \"+12\": 2 digits (phone numbers have 5 to 15)"
        );
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        for k in IocKind::ALL {
            assert!(err(k, "a\u{7}b").contains("control character"), "{k}");
        }
    }
}
