//! The analyst's resolver map: `host=ip` entries from `--resolve` and `--resolve-file`.
//!
//! Syntax, one entry per argument or line: `host=ip[,ip…]`, where `host` may start with `*.`
//! to cover every subdomain of the rest (not the rest itself). In files, `#` starts a comment
//! and blank lines are skipped. Bad entries are reported with their file and line number;
//! nothing is skipped silently.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use crate::capture::model::DnsInfo;

/// Why a resolver map entry or file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ResolverMapError {
    /// A bad entry; `origin` is `--resolve` or `FILE:LINE`.
    #[error("{origin}: {message}")]
    Entry {
        /// Where the entry came from.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read resolver file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Host names (exact or `*.suffix`) mapped to addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolverMap {
    exact: BTreeMap<String, Vec<IpAddr>>,
    wildcard: BTreeMap<String, Vec<IpAddr>>,
}

impl ResolverMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.wildcard.is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.exact.len() + self.wildcard.len()
    }

    /// Every entry as `(host, addresses)`, wildcards written `*.suffix`, in name order.
    pub fn entries(&self) -> Vec<(String, Vec<IpAddr>)> {
        let exact = self.exact.iter().map(|(h, ips)| (h.clone(), ips.clone()));
        let wild = self.wildcard.iter().map(|(h, ips)| (format!("*.{h}"), ips.clone()));
        exact.chain(wild).collect()
    }

    /// Adds one `--resolve host=ip[,ip…]` argument.
    pub fn add_arg(&mut self, arg: &str) -> Result<(), ResolverMapError> {
        self.add_entry(arg, "--resolve")
    }

    /// Adds every entry of a `--resolve-file`.
    pub fn add_file(&mut self, path: &Path) -> Result<(), ResolverMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResolverMapError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.add_text(&text, &path.display().to_string())
    }

    /// Adds the entries of a file's text; `name` labels errors (`name:LINE: …`).
    pub fn add_text(&mut self, text: &str, name: &str) -> Result<(), ResolverMapError> {
        for (index, line) in text.lines().enumerate() {
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            self.add_entry(content, &format!("{name}:{}", index + 1))?;
        }
        Ok(())
    }

    /// Parses a whole file's text into a new map.
    pub fn parse_text(text: &str, name: &str) -> Result<Self, ResolverMapError> {
        let mut map = Self::new();
        map.add_text(text, name)?;
        Ok(map)
    }

    /// The mapping for `host`, if any (exact entries win over wildcards, longer suffixes over
    /// shorter ones).
    pub fn lookup(&self, host: &str) -> Option<DnsInfo> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let addresses = self.exact.get(&host).or_else(|| {
            host.match_indices('.')
                .map(|(dot, _)| &host[dot + 1..])
                .find_map(|suffix| self.wildcard.get(suffix))
        })?;
        Some(DnsInfo {
            host,
            addresses: addresses.iter().map(IpAddr::to_string).collect(),
            cname_chain: Vec::new(),
            source: "resolver-map".to_owned(),
        })
    }

    fn add_entry(&mut self, entry: &str, origin: &str) -> Result<(), ResolverMapError> {
        let fail = |message: String| ResolverMapError::Entry {
            origin: origin.to_owned(),
            message,
        };
        let (host, ips) = entry
            .split_once('=')
            .ok_or_else(|| fail(format!("expected host=ip, got {entry:?}")))?;

        let (wildcard, name) = match host.trim().strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, host.trim()),
        };
        let name = normalise_host(name).map_err(fail)?;

        let mut addresses = Vec::new();
        for ip in ips.split(',').map(str::trim) {
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            let parsed = ip.parse::<IpAddr>();
            addresses.push(parsed.map_err(|_| fail(format!("{ip:?} is not an IP address")))?);
        }

        let table = if wildcard {
            &mut self.wildcard
        } else {
            &mut self.exact
        };
        table.insert(name, addresses);
        Ok(())
    }
}

/// Lower-case IDNA ASCII form of a host name, rejecting things that are not host names.
fn normalise_host(host: &str) -> Result<String, String> {
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return Err("empty host name".to_owned());
    }
    if host.contains(['/', ':', ' ', '*', '@']) {
        return Err(format!(
            "{host:?} is not a host name (no scheme, port or path)"
        ));
    }
    idna::domain_to_ascii(host).map_err(|_| format!("{host:?} is not a valid host name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_syntax_with_comments_and_blank_lines() {
        let text = "# lab hosts\n\naccounts.g.cdcde.com=127.0.10.1 # sample 01\n\
                    *.Lab.Test = 127.0.10.2, ::1\n";
        let map = ResolverMap::parse_text(text, "hosts.txt").unwrap();

        assert_eq!(map.len(), 2);
        let exact = map.lookup("ACCOUNTS.g.cdcde.com.").unwrap();
        assert_eq!(exact.host, "accounts.g.cdcde.com");
        assert_eq!(exact.addresses, ["127.0.10.1"]);
        assert_eq!(
            map.lookup("a.b.lab.test").unwrap().addresses,
            ["127.0.10.2", "::1"]
        );
        assert!(
            map.lookup("lab.test").is_none(),
            "a wildcard does not cover its own suffix"
        );
        assert!(map.lookup("cdcde.com").is_none());
    }

    #[test]
    fn exact_entries_win_over_wildcards() {
        let map =
            ResolverMap::parse_text("*.lab.test=127.0.0.2\nwww.lab.test=127.0.0.3", "f").unwrap();
        assert_eq!(map.lookup("www.lab.test").unwrap().addresses, ["127.0.0.3"]);
        assert_eq!(map.lookup("cdn.lab.test").unwrap().addresses, ["127.0.0.2"]);
    }

    #[test]
    fn bad_lines_are_reported_with_their_line_number() {
        let err = ResolverMap::parse_text("ok.test=127.0.0.1\n# c\nbroken line\n", "hosts.txt")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "hosts.txt:3: expected host=ip, got \"broken line\""
        );

        let err = ResolverMap::parse_text("a.test=127.0.0.999", "f").unwrap_err();
        assert_eq!(err.to_string(), "f:1: \"127.0.0.999\" is not an IP address");

        let err = ResolverMap::parse_text("http://a.test=127.0.0.1", "f").unwrap_err();
        assert!(err.to_string().starts_with("f:1: "), "{err}");
    }

    #[test]
    fn cli_arguments_are_labelled_as_such() {
        let mut map = ResolverMap::new();
        map.add_arg("a.test=127.0.0.1").unwrap();
        let err = map.add_arg("b.test").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--resolve: expected host=ip, got \"b.test\""
        );
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn unicode_names_are_stored_in_ascii_form() {
        let map = ResolverMap::parse_text("bücher.test=127.0.0.1", "f").unwrap();
        assert!(map.lookup("xn--bcher-kva.test").is_some());
    }
}
