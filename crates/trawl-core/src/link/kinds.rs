//! The one table of pivot kinds: every fingerprint value a target can share with another.
//!
//! Each kind has a name (the `graph_nodes.kind` it is stored under), a strength that says
//! whether sharing it links two targets on its own (strong), only together with a second weak
//! kind (weak) or never (node only), how values are compared (exactly, by TLSH distance, by
//! Hamming distance) and one reader that takes its values from a stored target. Adding a kind
//! is adding one row here; the graph, clustering, pivots and exports read this table only.

use serde::Serialize;

/// What sharing a value of a kind proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// One shared value links two targets.
    Strong,
    /// Two different weak kinds shared link two targets.
    Weak,
    /// A node and edges in the graph, never a link between targets.
    Never,
}

/// How two values of a kind are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// Equal values.
    Exact,
    /// TLSH distance at most the settings' threshold (and the same DOM hash unless loosened).
    Tlsh,
    /// Hamming distance of 64-bit hex hashes at most the settings' threshold.
    Hamming,
}

/// A target as the link stage reads it back from the database.
#[derive(Clone, Debug, Default)]
pub struct StoredTarget {
    /// `targets.id`.
    pub id: i64,
    /// The submitted URL.
    pub url: String,
    /// The final URL, when the capture reached one.
    pub final_url: Option<String>,
    /// Host of the final URL.
    pub domain: Option<String>,
    /// Address the final document came from.
    pub ip: Option<String>,
    /// Shodan favicon hash (signed decimal).
    pub favicon_hash: Option<String>,
    /// SHA-256 of the favicon bytes.
    pub favicon_sha256: Option<String>,
    /// JARM of the final HTTPS endpoint.
    pub jarm: Option<String>,
    /// Structural hash of the DOM.
    pub dom_hash: Option<String>,
    /// HHHash of the response headers.
    pub headers_hash: Option<String>,
    /// TLSH of the final HTML.
    pub html_tlsh: Option<String>,
    /// SHA-256 of the leaf certificate.
    pub tls_sha256: Option<String>,
    /// Screenshot pHash (64-bit hex), full mode only.
    pub screenshot_phash: Option<String>,
    /// SHA-256 of every asset with a body.
    pub asset_sha256: Vec<String>,
    /// SHA-256 of assets whose file names name a common library (generic for this target).
    pub library_sha256: Vec<String>,
    /// Non-placeholder indicators as (kind, value): `email`, `phone`, `wallet`.
    pub indicators: Vec<(String, String)>,
    /// Hosts of the redirect chain in order (consecutive duplicates removed).
    pub chain_hosts: Vec<String>,
}

/// One kind of pivot value.
pub struct PivotKind {
    /// Stored name (`graph_nodes.kind`, `trawl pivot KIND`).
    pub name: &'static str,
    /// Human label used in evidence ("favicon sha256").
    pub label: &'static str,
    /// Whether sharing it links targets.
    pub strength: Strength,
    /// How values are compared.
    pub matching: Matching,
    /// The target's values of this kind.
    pub read: fn(&StoredTarget) -> Vec<String>,
}

fn one(value: &Option<String>) -> Vec<String> {
    value.iter().filter(|v| !v.is_empty()).cloned().collect()
}

fn indicators(t: &StoredTarget, kind: &str) -> Vec<String> {
    t.indicators
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, v)| v.to_lowercase())
        .collect()
}

/// Every pivot kind. Strengths follow DESIGN.md "Linking and campaigns"; `headers_hash` is weak
/// too (with the same IP it says "same server"), `dom_hash` only counts through `html_tlsh`.
pub static KINDS: &[PivotKind] = &[
    PivotKind {
        name: "domain",
        label: "domain",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| one(&t.domain),
    },
    PivotKind {
        name: "registered_domain",
        label: "registered domain",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| t.domain.iter().map(|d| registered_domain(d)).collect(),
    },
    PivotKind {
        name: "ip",
        label: "IP address",
        strength: Strength::Weak,
        matching: Matching::Exact,
        read: |t| one(&t.ip),
    },
    PivotKind {
        name: "favicon_hash",
        label: "favicon hash",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| one(&t.favicon_hash),
    },
    PivotKind {
        name: "favicon_sha256",
        label: "favicon sha256",
        strength: Strength::Strong,
        matching: Matching::Exact,
        read: |t| one(&t.favicon_sha256),
    },
    PivotKind {
        name: "jarm",
        label: "JARM",
        strength: Strength::Weak,
        matching: Matching::Exact,
        read: |t| one(&t.jarm),
    },
    PivotKind {
        name: "dom_hash",
        label: "DOM hash",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| one(&t.dom_hash),
    },
    PivotKind {
        name: "headers_hash",
        label: "headers hash",
        strength: Strength::Weak,
        matching: Matching::Exact,
        read: |t| one(&t.headers_hash),
    },
    PivotKind {
        name: "html_tlsh",
        label: "near-duplicate HTML (TLSH)",
        strength: Strength::Strong,
        matching: Matching::Tlsh,
        read: |t| one(&t.html_tlsh),
    },
    PivotKind {
        name: "asset_sha256",
        label: "asset sha256",
        strength: Strength::Strong,
        matching: Matching::Exact,
        read: |t| t.asset_sha256.clone(),
    },
    PivotKind {
        name: "screenshot_phash",
        label: "near-duplicate screenshot (pHash)",
        strength: Strength::Weak,
        matching: Matching::Hamming,
        read: |t| one(&t.screenshot_phash),
    },
    PivotKind {
        name: "email",
        label: "e-mail",
        strength: Strength::Strong,
        matching: Matching::Exact,
        read: |t| indicators(t, "email"),
    },
    PivotKind {
        name: "phone",
        label: "phone",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| indicators(t, "phone"),
    },
    PivotKind {
        name: "wallet",
        label: "wallet",
        strength: Strength::Strong,
        matching: Matching::Exact,
        read: |t| {
            t.indicators
                .iter()
                .filter(|(k, _)| k == "wallet")
                .map(|(_, v)| v.clone())
                .collect()
        },
    },
    PivotKind {
        name: "certificate",
        label: "certificate sha256",
        strength: Strength::Never,
        matching: Matching::Exact,
        read: |t| one(&t.tls_sha256),
    },
];

/// The kind named `name`.
pub fn kind(name: &str) -> Option<&'static PivotKind> {
    KINDS.iter().find(|k| k.name == name)
}

/// Every (kind, value) of a target, deduplicated, in table order.
pub fn values_of(target: &StoredTarget) -> Vec<(&'static PivotKind, String)> {
    let mut out: Vec<(&'static PivotKind, String)> = Vec::new();
    for kind in KINDS {
        for value in (kind.read)(target) {
            if !out.iter().any(|(k, v)| k.name == kind.name && *v == value) {
                out.push((kind, value));
            }
        }
    }
    out
}

/// Second-level suffixes under which registrations happen one level deeper.
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "co.uk",
    "org.uk",
    "ac.uk",
    "com.au",
    "net.au",
    "co.jp",
    "com.br",
    "co.in",
    "co.za",
    "com.cn",
    "com.tr",
    "com.mx",
    "github.io",
    "pages.dev",
    "web.app",
    "firebaseapp.com",
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "blogspot.com",
    "000webhostapp.com",
    "weebly.com",
    "wixsite.com",
    "glitch.me",
    "repl.co",
    "workers.dev",
];

/// The registered domain of a host: the last two labels, or three under a listed two-label
/// suffix (free hosting platforms count as suffixes: each site there is its own registration).
/// Addresses are returned unchanged.
pub fn registered_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let take = if labels.len() >= 3 {
        let suffix = labels[labels.len() - 2..].join(".");
        if TWO_LABEL_SUFFIXES.contains(&suffix.as_str()) {
            3
        } else {
            2
        }
    } else {
        labels.len()
    };
    labels[labels.len() - take.min(labels.len())..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique_and_found() {
        for k in KINDS {
            assert_eq!(
                KINDS.iter().filter(|o| o.name == k.name).count(),
                1,
                "{}",
                k.name
            );
            assert!(kind(k.name).is_some());
        }
        assert!(kind("nope").is_none());
    }

    #[test]
    fn registered_domains() {
        assert_eq!(registered_domain("35.vscustomer.com"), "vscustomer.com");
        assert_eq!(registered_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(
            registered_domain("sahal-palayat.github.io"),
            "sahal-palayat.github.io"
        );
        assert_eq!(registered_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registered_domain("localhost"), "localhost");
    }

    #[test]
    fn values_are_read_uniformly_and_deduplicated() {
        let t = StoredTarget {
            ip: Some("192.0.2.1".into()),
            domain: Some("x.example.com".into()),
            asset_sha256: vec!["aa".into(), "aa".into(), "bb".into()],
            indicators: vec![("email".into(), "Drop@Evil.test".into())],
            ..StoredTarget::default()
        };
        let names: Vec<String> = values_of(&t)
            .iter()
            .map(|(k, v)| format!("{}={v}", k.name))
            .collect();
        assert_eq!(
            names,
            [
                "domain=x.example.com",
                "registered_domain=example.com",
                "ip=192.0.2.1",
                "asset_sha256=aa",
                "asset_sha256=bb",
                "email=drop@evil.test"
            ]
        );
    }
}
