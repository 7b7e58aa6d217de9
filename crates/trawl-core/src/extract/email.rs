//! E-mail addresses: a practical subset of RFC 5322 (dot-atoms of letters, digits and `._+-`),
//! with the look-alikes pages are full of rejected and the addresses that only show a format
//! (`someone@example.com`) marked as placeholders.
//!
//! Rejected: retina and other asset names (`logo@2x.png`, `sprite@1.5x.jpg`), package versions
//! (`lib@1.2.3.min`), any address whose TLD is a file extension, and leftovers of string escapes
//! (`\u003cname@host` keeps only `name@host`). In script and comment source, where `a@b.xy`
//! patterns also come from code, the TLD must be two letters or a common generic TLD.

use std::sync::LazyLock;

use regex::Regex;

use super::Found;

/// Candidate addresses; validation happens after matching.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9_][a-z0-9._+-]*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}")
        .expect("valid e-mail regex")
});

/// Where the scanned text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmailScope {
    /// Visible text and attribute values.
    Text,
    /// Script or comment source: stricter TLD rule.
    Code,
}

/// File extensions that show up after `@` in asset names; never a real TLD in practice.
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif", "heic", "css",
    "js", "mjs", "cjs", "ts", "jsx", "tsx", "json", "map", "html", "htm", "xhtml", "php", "asp",
    "aspx", "jsp", "cgi", "xml", "txt", "pdf", "zip", "gz", "tgz", "rar", "woff", "woff2", "ttf",
    "otf", "eot", "mp4", "mp3", "m4a", "webm", "wav", "ogg", "mov", "avi", "swf", "wasm", "md",
    "csv", "yml", "yaml", "lock", "min",
];

/// Generic TLDs accepted in code scope (two-letter country TLDs are always accepted).
const COMMON_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "name",
    "pro",
    "mobi",
    "asia",
    "io",
    "app",
    "dev",
    "xyz",
    "top",
    "online",
    "site",
    "shop",
    "store",
    "club",
    "live",
    "tech",
    "cloud",
    "email",
    "link",
    "click",
    "space",
    "website",
    "fun",
    "icu",
    "vip",
    "work",
    "world",
    "today",
    "life",
    "news",
    "blog",
    "group",
    "services",
    "support",
    "solutions",
    "agency",
    "digital",
    "global",
    "network",
    "systems",
    "media",
    "company",
    "center",
    "zone",
    "page",
    "host",
    "press",
    "ltd",
    "llc",
    "inc",
    "mail",
];

/// Domains (exact) that only ever illustrate a format.
const PLACEHOLDER_DOMAINS: &[&str] = &[
    "domain.com",
    "yourdomain.com",
    "mydomain.com",
    "company.com",
    "yourcompany.com",
    "mycompany.com",
    "website.com",
    "yourwebsite.com",
    "yoursite.com",
    "mysite.com",
    "sample.com",
];

/// Fictional organisation names: any domain label equal to one marks a placeholder
/// (`someone@contoso.onmicrosoft.com`).
const FICTIONAL_LABELS: &[&str] = &[
    "example",
    "contoso",
    "fabrikam",
    "northwindtraders",
    "adventure-works",
    "wingtiptoys",
    "tailspintoys",
    "litwareinc",
    "proseware",
    "woodgrovebank",
];

/// TLDs reserved by RFC 2606/6761 for examples and tests.
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost"];

/// Local parts that show where a user's own address goes.
const PLACEHOLDER_LOCALS: &[&str] = &[
    "someone",
    "somebody",
    "anyone",
    "nobody",
    "you",
    "your",
    "yourname",
    "your.name",
    "your_name",
    "your-name",
    "youremail",
    "your.email",
    "your_email",
    "your-email",
    "yourmail",
    "your.mail",
    "youraddress",
    "name",
    "firstname",
    "lastname",
    "firstname.lastname",
    "first.last",
    "firstname_lastname",
    "name.surname",
    "john.doe",
    "jane.doe",
    "johndoe",
    "janedoe",
    "john_doe",
    "jdoe",
    "john.smith",
    "johnsmith",
    "test",
    "tester",
    "testing",
    "example",
    "sample",
    "email",
    "username",
    "user",
    "user.name",
    "xxx",
    "xxxx",
    "xxxxx",
    "abc",
    "foo",
    "bar",
];

/// Finds e-mail addresses in `text`.
pub(crate) fn find_emails(text: &str, scope: EmailScope) -> Vec<Found> {
    let mut found = Vec::new();
    for m in EMAIL.find_iter(text) {
        let start = m.start() + escape_prefix_len(text, m.start());
        let (local, domain) = text[start..m.end()].split_once('@').expect("regex has @");

        let next = text[m.end()..].chars().next();
        let glued = next.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '@'));
        // `ssh://git@host`, `http://brand.com@evil.host`: URL user info, not an address; and a
        // Message-ID as a path segment (`/lkml/1234.5-1-name@host/`).
        let before = &text[..start];
        let in_url = before.ends_with("//") || (before.ends_with('/') && next == Some('/'));
        if glued || in_url || !local_ok(local) || !domain_ok(&domain.to_ascii_lowercase(), scope) {
            continue;
        }

        let value = format!("{local}@{domain}").to_lowercase();
        let placeholder = is_placeholder(&value);
        found.push(Found {
            start,
            end: m.end(),
            value,
            detail: None,
            placeholder,
        });
    }
    found
}

/// Length of a string-escape leftover at the start of a match preceded by `\` (`\u003c`,
/// `\x3c`, `\n`), which belongs to the escape and not to the address.
fn escape_prefix_len(text: &str, start: usize) -> usize {
    if start == 0 || text.as_bytes()[start - 1] != b'\\' {
        return 0;
    }
    let rest = &text.as_bytes()[start..];
    let hex = |range: std::ops::Range<usize>| {
        rest.get(range)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    match rest.first() {
        Some(b'u') if hex(1..5) => 5,
        Some(b'x') if hex(1..3) => 3,
        Some(b'n' | b't' | b'r') => 1,
        _ => 0,
    }
}

fn local_ok(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// Domain rules; `domain` is lowercase.
fn domain_ok(domain: &str, scope: EmailScope) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels[labels.len() - 1];
    let numeric = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit());
    let retina = |l: &&str| l.strip_suffix('x').is_some_and(numeric);
    let versioned = labels.iter().take_while(|l| numeric(l)).count() >= 2;

    let tld_ok = match scope {
        EmailScope::Text => true,
        EmailScope::Code => tld.len() == 2 || COMMON_TLDS.contains(&tld),
    };
    domain.len() <= 253
        && labels.iter().all(|l| l.len() <= 63)
        && !FILE_EXTENSIONS.contains(&tld)
        && !labels.iter().any(retina)
        && !versioned
        && tld_ok
}

/// Whether a (lowercase) address only illustrates the expected format.
pub(crate) fn is_placeholder(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels[labels.len() - 1];

    let domain_placeholder = PLACEHOLDER_DOMAINS.contains(&domain)
        || labels.iter().any(|l| FICTIONAL_LABELS.contains(l))
        || RESERVED_TLDS.contains(&tld);
    // "email@email.com", "test@test.com", "user@user.com".
    let echo = labels.len() == 2 && labels[0] == local;
    let local_placeholder = PLACEHOLDER_LOCALS.contains(&local)
        || ["eg.", "e.g.", "eg_", "example."]
            .iter()
            .any(|p| local.starts_with(p));
    domain_placeholder || echo || local_placeholder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(text: &str, scope: EmailScope) -> Vec<(String, bool)> {
        find_emails(text, scope)
            .into_iter()
            .map(|f| (f.value, f.placeholder))
            .collect()
    }

    fn values(text: &str) -> Vec<String> {
        find_emails(text, EmailScope::Text)
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    #[test]
    fn finds_and_normalises_addresses() {
        let text = "Write to Abuse@BT.com or api-services-support@amazon.com.";
        assert_eq!(
            values(text),
            ["abuse@bt.com", "api-services-support@amazon.com"]
        );
        let mailto = "mailto:First.Last+tag@Mail.Example.co.uk?subject=hi";
        assert_eq!(values(mailto), ["first.last+tag@mail.example.co.uk"]);
        assert_eq!(values("chinese freemail 12345@163.com"), ["12345@163.com"]);
    }

    #[test]
    fn keeps_the_span() {
        let found = find_emails("see: a.b@c.de!", EmailScope::Text);
        assert_eq!((found[0].start, found[0].end), (5, 13));
    }

    #[test]
    fn rejects_asset_names_and_versions() {
        for text in [
            "url(logo@2x.png)",
            "icon@3x.webp",
            "sprite@1.5x.jpg",
            "home-phones@2x.png",
            "apple-touch-icon@2.png?v=73d79a89bded",
            "glyph@2x-vflJ1vxbq.png",
            "https://cdn.example/npm/jquery@3.6.0/dist/jquery.min.js",
            "lib@1.2.3.min",
            "font@1.0.0.woff2",
            "x@2x.example.com",
            "a@b.c",
            "ssh://git@github.com/rust-lang/regex.git",
            "http://paypal.com@evil.example.ru/login",
            "https://lore.kernel.org/lkml/20200327064820.12602-1-kees@chromium.org/",
        ] {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn strips_escape_leftovers() {
        assert_eq!(values(r"'\u003ejohn@evil.ru\u003c'"), ["john@evil.ru"]);
        assert_eq!(values(r"x\nkit.owner@yandex.ru"), ["kit.owner@yandex.ru"]);
    }

    #[test]
    fn code_scope_needs_a_known_tld() {
        assert!(emails("var a = t@e.push;", EmailScope::Code).is_empty());
        assert_eq!(
            emails("send('drop@mail.ru')", EmailScope::Code),
            [("drop@mail.ru".into(), false)]
        );
        assert_eq!(values("t@e.push"), ["t@e.push"]);
    }

    #[test]
    fn recognises_placeholders() {
        for placeholder in [
            "you@example.com",
            "name@domain.com",
            "email@email.com",
            "user@company.com",
            "test@test.com",
            "someone@example.org",
            "someone@contoso.onmicrosoft.com",
            "eg.user@btinternet.com",
            "john.doe@gmail.com",
            "admin@intranet.test",
            "info@example.co.uk",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
        for real in [
            "accatino.angelo@gmail.com",
            "abuse@bt.com",
            "dave@bradshaw.net",
            "mail@email.com",
        ] {
            assert!(!is_placeholder(real), "{real}");
        }
    }
}
