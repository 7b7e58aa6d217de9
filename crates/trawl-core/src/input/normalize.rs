//! Normalisation of one URL candidate into the form Trawl queues and deduplicates.
//!
//! This module owns the decision "is this text a web URL, and which one": trimming wrappers,
//! re-fanging (via [`refang`]), decoding `&amp;`, adding a missing `http://`, parsing with the
//! `url` crate (which lowercases the host and applies UTS-46 IDNA, giving punycode), and the
//! checks that turn garbage into a rejection reason. Paths, queries, ports and fragments are
//! kept as the `url` crate serialises them; nothing else is re-encoded. Errors are plain reason
//! strings meant for an analyst; list-level concerns (line numbers, duplicates) belong to
//! [`super`].

use serde::Serialize;
use url::{Host, Position, Url};

use super::refang::refang;

/// Longest candidate accepted, in bytes after trimming. Longer lines are data, not URLs.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// A URL in Trawl's canonical form, plus the form to show a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormalizedUrl {
    /// The normalised URL: web scheme, lowercase punycode host, path and fragment kept.
    #[serde(serialize_with = "super::serialize_url")]
    pub url: Url,
    /// The same URL with an internationalised host shown in Unicode (e.g. `bücher.example`).
    pub display: String,
}

/// Normalises one URL candidate, or says in a few words why it is not a web URL.
///
/// Accepts defanged input (`hxxps://evil[.]com`), surrounding quotes or angle brackets, HTML
/// `&amp;` escapes and scheme-less hosts (`evil.com/login` becomes `http://evil.com/login`).
/// Without an explicit scheme the host must look like a domain name (`a.b`), a dotted-quad
/// IPv4 address or `localhost`, so that stray words and numbers are rejected.
pub fn normalize_url(raw: &str) -> Result<NormalizedUrl, String> {
    let trimmed = strip_wrappers(raw);
    if trimmed.is_empty() {
        return Err("empty".to_string());
    }
    if trimmed.len() > MAX_URL_BYTES {
        return Err(format!("longer than {MAX_URL_BYTES} bytes"));
    }
    let text = decode_amp(&refang(trimmed));
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("not a URL (contains spaces or control characters)".to_string());
    }

    // Decide the scheme before parsing: `url` would happily parse `mailto:` or `evil.com:x`.
    let (full, explicit) = match scheme_of(&text) {
        Some(scheme) if scheme == "http" || scheme == "https" => (text.clone(), true),
        Some(scheme) => return Err(format!("unsupported scheme `{scheme}:`")),
        None if text.starts_with("//") => (format!("http:{text}"), true),
        None => (format!("http://{text}"), false),
    };
    let url = Url::parse(&full).map_err(describe_parse_error)?;
    check_host(&url, explicit, &text)?;

    let display = display_form(&url);
    Ok(NormalizedUrl { url, display })
}

/// Trims whitespace and, repeatedly, one pair of surrounding quotes or angle brackets.
fn strip_wrappers(raw: &str) -> &str {
    const PAIRS: [(char, char); 6] = [
        ('"', '"'),
        ('\'', '\''),
        ('<', '>'),
        ('`', '`'),
        ('“', '”'),
        ('‘', '’'),
    ];
    let is_blank = |c: char| c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}';
    let mut text = raw.trim_matches(is_blank);
    loop {
        let inner = PAIRS
            .iter()
            .find_map(|&(open, close)| text.strip_prefix(open).and_then(|t| t.strip_suffix(close)));
        match inner {
            Some(inner) => text = inner.trim_matches(is_blank),
            None => return text,
        }
    }
}

/// Decodes HTML-escaped ampersands (`&amp;`, also doubly escaped), as feeds often carry them.
fn decode_amp(text: &str) -> String {
    let mut out = text.to_string();
    while out.contains("&amp;") {
        out = out.replace("&amp;", "&");
    }
    out
}

/// The lowercase scheme the text starts with, if any.
///
/// `host:port` forms (`evil.com:8080/x`, `localhost:80`) are not schemes, and neither is a
/// prefix containing a dot.
fn scheme_of(text: &str) -> Option<String> {
    let colon = text.find(':')?;
    let (prefix, rest) = (&text[..colon], &text[colon + 1..]);
    let mut chars = prefix.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-');
    if !first_ok || !rest_ok {
        return None;
    }

    // `name:1234` followed by nothing or a path is a port, not a scheme.
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let after_digits = &rest[digits..];
    if digits > 0 && (after_digits.is_empty() || after_digits.starts_with(['/', '?', '#'])) {
        return None;
    }
    Some(prefix.to_ascii_lowercase())
}

/// Turns a `url` parse error into an analyst-readable reason.
fn describe_parse_error(error: url::ParseError) -> String {
    use url::ParseError as E;
    match error {
        E::EmptyHost => "no host".to_string(),
        E::IdnaError => "invalid international domain name".to_string(),
        E::InvalidPort => "invalid port".to_string(),
        E::InvalidIpv4Address => "invalid IPv4 address".to_string(),
        E::InvalidIpv6Address => "invalid IPv6 address".to_string(),
        E::InvalidDomainCharacter => "invalid character in host".to_string(),
        _ => "not a URL".to_string(),
    }
}

/// Rejects hosts that a browser could not reach or that show the text was not meant as a URL.
///
/// `written` is the candidate as written (after re-fanging), used to judge scheme-less input.
fn check_host(url: &Url, explicit_scheme: bool, written: &str) -> Result<(), String> {
    match url.host() {
        None => Err("no host".to_string()),
        Some(Host::Ipv6(_)) => Ok(()),
        Some(Host::Ipv4(_)) => {
            if explicit_scheme || is_dotted_quad(written_host(written)) {
                Ok(())
            } else {
                Err("not a URL".to_string())
            }
        }
        Some(Host::Domain(domain)) => {
            if !is_valid_domain(domain) {
                return Err(format!("invalid host `{domain}`"));
            }
            if explicit_scheme || domain == "localhost" || looks_like_domain_name(domain) {
                Ok(())
            } else {
                Err("not a URL".to_string())
            }
        }
    }
}

/// The host part of a scheme-less candidate as written: before any path, after any userinfo,
/// without a port.
fn written_host(written: &str) -> &str {
    let authority = &written[..written.find(['/', '?', '#']).unwrap_or(written.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.split(':').next().unwrap_or(host)
}

/// `a.b.c.d` with four decimal parts of one to three digits.
fn is_dotted_quad(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// DNS-shaped: labels of letters, digits, `-` and `_` (seen in real hosts), 1–63 bytes each,
/// at most 253 bytes in all; one trailing dot allowed.
fn is_valid_domain(domain: &str) -> bool {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// At least two labels, the last one (the TLD) at least two bytes and starting with a letter.
fn looks_like_domain_name(domain: &str) -> bool {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    match name.rsplit_once('.') {
        Some((_, tld)) => tld.len() >= 2 && tld.starts_with(|c: char| c.is_ascii_alphabetic()),
        None => false,
    }
}

/// The URL with a punycode host replaced by its Unicode form; the URL itself otherwise.
fn display_form(url: &Url) -> String {
    let Some(host) = url.host_str() else {
        return url.to_string();
    };
    if !host.split('.').any(|label| label.starts_with("xn--")) {
        return url.to_string();
    }
    match idna::domain_to_unicode(host) {
        (unicode, Ok(())) => format!(
            "{}{}{}",
            &url[..Position::BeforeHost],
            unicode,
            &url[Position::AfterHost..]
        ),
        (_, Err(_)) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_url;

    /// The normalised URL string, panicking with the reason on rejection.
    fn ok(raw: &str) -> String {
        match normalize_url(raw) {
            Ok(n) => n.url.to_string(),
            Err(reason) => panic!("{raw:?} rejected: {reason}"),
        }
    }

    /// The rejection reason, panicking when the input was accepted.
    fn err(raw: &str) -> String {
        match normalize_url(raw) {
            Ok(n) => panic!("{raw:?} accepted as {}", n.url),
            Err(reason) => reason,
        }
    }

    #[test]
    fn adds_missing_scheme_and_lowercases_host() {
        assert_eq!(ok("Evil.COM/Login"), "http://evil.com/Login");
        assert_eq!(ok("//evil.com/a"), "http://evil.com/a");
        assert_eq!(ok("HTTPS://Evil.com"), "https://evil.com/");
        assert_eq!(ok("evil.com:8080/x"), "http://evil.com:8080/x");
        assert_eq!(ok("localhost:8000"), "http://localhost:8000/");
        assert_eq!(ok("1.2.3.4/x"), "http://1.2.3.4/x");
    }

    #[test]
    fn keeps_ports_paths_queries_and_fragments() {
        let raw = "https://evil.com:8443/a/%7Bb%7D/c.php?x=1&y=%20#victim@example.com";
        assert_eq!(ok(raw), raw);
        assert_eq!(ok("http://evil.com/a#tok1"), "http://evil.com/a#tok1");
    }

    #[test]
    fn trims_whitespace_quotes_and_angle_brackets() {
        assert_eq!(ok("  \"http://evil.com/a\"\t"), "http://evil.com/a");
        assert_eq!(ok("<https://evil.com/>"), "https://evil.com/");
        assert_eq!(ok("'<evil.com>'"), "http://evil.com/");
    }

    #[test]
    fn decodes_html_ampersands() {
        assert_eq!(ok("http://a.com/?x=1&amp;y=2"), "http://a.com/?x=1&y=2");
        assert_eq!(ok("http://a.com/?x=1&amp;amp;y=2"), "http://a.com/?x=1&y=2");
    }

    #[test]
    fn refangs_before_parsing() {
        assert_eq!(ok("hxxps://evil[.]com/login"), "https://evil.com/login");
        assert_eq!(ok("evil(.)com"), "http://evil.com/");
        assert_eq!(ok("hxxp://1.2.3[.]4"), "http://1.2.3.4/");
        assert_eq!(ok("https[:]//x.com"), "https://x.com/");
        assert_eq!(ok("hXXp://evil[dot]com/a"), "http://evil.com/a");
    }

    #[test]
    fn converts_idn_to_punycode_and_keeps_unicode_for_display() {
        let n = normalize_url("http://BÜCHER.example/straße?q=ü#frag").unwrap();
        assert_eq!(n.url.host_str(), Some("xn--bcher-kva.example"));
        assert_eq!(n.url.fragment(), Some("frag"));
        assert_eq!(n.display, "http://bücher.example/stra%C3%9Fe?q=%C3%BC#frag");

        let ascii = normalize_url("http://plain.example/").unwrap();
        assert_eq!(ascii.display, "http://plain.example/");
    }

    #[test]
    fn rejects_non_web_schemes_with_the_scheme_named() {
        assert_eq!(err("file:///etc/passwd"), "unsupported scheme `file:`");
        assert_eq!(err("data:text/html,<b>x</b>"), "unsupported scheme `data:`");
        assert_eq!(
            err("JavaScript:alert(1)"),
            "unsupported scheme `javascript:`"
        );
        assert_eq!(err("ftp://files.example/x"), "unsupported scheme `ftp:`");
        assert_eq!(err("mailto:a@b.com"), "unsupported scheme `mailto:`");
    }

    #[test]
    fn rejects_missing_and_malformed_hosts() {
        assert_eq!(err("http://"), "no host");
        assert_eq!(err("https://:443/x"), "no host");
        assert_eq!(err("http://evil.com:99999/"), "invalid port");
        assert_eq!(err("http://ev!l.com/"), "invalid host `ev!l.com`");
        assert_eq!(err("http://a..b.com/"), "invalid host `a..b.com`");
        assert_eq!(
            err("http://xn--a.com/"),
            "invalid international domain name"
        );
    }

    #[test]
    fn rejects_garbage_that_only_looks_like_a_host_without_a_scheme() {
        assert_eq!(err("PayPal"), "not a URL");
        assert_eq!(err("6044296"), "not a URL");
        assert_eq!(err("3.14"), "not a URL");
        assert_eq!(err("e.g."), "not a URL");
        assert_eq!(
            err("see http://evil.com"),
            "not a URL (contains spaces or control characters)"
        );
        assert_eq!(err("   "), "empty");
        assert!(err(&format!("http://a.com/{}", "x".repeat(20_000))).starts_with("longer than"));
    }

    #[test]
    fn accepts_unusual_hosts_when_the_scheme_is_explicit() {
        assert_eq!(ok("http://intranet/"), "http://intranet/");
        assert_eq!(ok("http://3232235777/"), "http://192.168.1.1/");
        assert_eq!(
            ok("http://[2001:db8::1]:8080/x"),
            "http://[2001:db8::1]:8080/x"
        );
        assert_eq!(
            ok("http://my_site.example.com/"),
            "http://my_site.example.com/"
        );
    }
}
