//! The destination guard as the browser's request policy, and the one decision the capture
//! proxy makes for every connection.
//!
//! Every request Chromium is about to make (documents, sub-resources, the favicon fetch) is
//! checked here on the browser's event thread: scheme and port (`guard::check_url`), then the
//! host ([`GuardedPolicy::allowed_addresses`]) — an IP literal is checked as an address, a
//! mapped name's addresses are checked as mapped ones (mapping is the analyst's allowance), an
//! unmapped name is refused when the map is sealed, and otherwise resolved with the system
//! resolver and every address checked; the name passes when one address does. `data:`,
//! `blob:` and `about:` URLs never leave the browser and pass.
//!
//! The browser resolves nothing itself: every connection goes through the capture proxy
//! ([`super::proxy`]), which makes the same decision with [`GuardedPolicy::allowed_addresses`]
//! and connects to exactly the address it checked. A name that changes its answer between
//! this check and the proxy's (DNS rebinding) is therefore checked again where it counts, and
//! WebSockets, which the browser does not pause, are checked there too.

use std::net::{IpAddr, ToSocketAddrs};

use url::Url;

use crate::capture::guard::{self, GuardPolicy};
use crate::capture::resolve::{ResolveError, ResolverMap};

/// The guard, the resolver map and whether the map is sealed.
pub struct GuardedPolicy {
    guard: GuardPolicy,
    map: ResolverMap,
    sealed: bool,
}

impl GuardedPolicy {
    /// A policy for `guard` with `map` (sealed: unmapped names are refused).
    pub fn new(guard: GuardPolicy, map: ResolverMap, sealed: bool) -> Self {
        GuardedPolicy { guard, map, sealed }
    }

    fn check_url(&self, url: &Url) -> Result<(), String> {
        if matches!(url.scheme(), "data" | "blob" | "about") {
            return Ok(());
        }
        guard::check_url(url)?;
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(80);
        self.allowed_addresses(host, port).map(drop)
    }

    /// The addresses `host` may be reached at, in resolver order, each passed by the guard; the
    /// first refusal when none passes. `host` may be a bracketed IPv6 literal. Unmapped names
    /// of an unsealed capture are resolved with the system resolver (blocking); `port` is only
    /// passed to it.
    pub(crate) fn allowed_addresses(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return guard::check_ip(ip, self.guard, false).map(|()| vec![ip]);
        }
        let (candidates, mapped) = match self.map.lookup(host) {
            Some(dns) => {
                let ips: Vec<IpAddr> = dns
                    .addresses
                    .iter()
                    .filter_map(|a| a.parse().ok())
                    .collect();
                (ips, true)
            }
            None if self.sealed => {
                let host = host.to_owned();
                return Err(format!("blocked: {}", ResolveError::NotInMap { host }));
            }
            None => {
                let addrs = (host, port)
                    .to_socket_addrs()
                    .map_err(|e| format!("DNS lookup of {host} failed: {e}"))?;
                (addrs.map(|a| a.ip()).collect::<Vec<IpAddr>>(), false)
            }
        };

        let mut first_refusal = None;
        let mut allowed = Vec::new();
        for ip in candidates {
            match guard::check_ip(ip, self.guard, mapped) {
                Ok(()) if !allowed.contains(&ip) => allowed.push(ip),
                Ok(()) => {}
                Err(reason) => {
                    first_refusal.get_or_insert(reason);
                }
            }
        }
        if allowed.is_empty() {
            return Err(first_refusal.unwrap_or_else(|| format!("{host} has no addresses")));
        }
        Ok(allowed)
    }
}

impl trawl_browser::RequestPolicy for GuardedPolicy {
    fn check(&self, url: &str) -> Result<(), String> {
        let parsed = Url::parse(url).map_err(|e| format!("blocked: bad URL: {e}"))?;
        self.check_url(&parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trawl_browser::RequestPolicy;

    fn sealed() -> GuardedPolicy {
        let map = ResolverMap::parse_text("lab.test=127.0.10.1", "t").unwrap();
        GuardedPolicy::new(GuardPolicy::default(), map, true)
    }

    #[test]
    fn mapped_names_pass_and_unmapped_ones_are_refused_when_sealed() {
        let policy = sealed();
        assert_eq!(policy.check("http://lab.test:8080/a.js"), Ok(()));
        let refused = policy.check("https://outside.example/").unwrap_err();
        assert!(refused.contains("not in the resolver map"), "{refused}");
    }

    #[test]
    fn addresses_schemes_and_ports_follow_the_guard() {
        let policy = sealed();
        assert!(policy.check("http://127.0.0.1:9/").is_err());
        assert!(
            policy
                .check("http://169.254.169.254/latest")
                .unwrap_err()
                .contains("metadata")
        );
        assert!(policy.check("file:///etc/passwd").is_err());
        assert!(
            policy
                .check("http://lab.test:25/")
                .unwrap_err()
                .contains("port 25")
        );
        assert_eq!(policy.check("data:text/html,hi"), Ok(()));
        assert_eq!(policy.check("about:blank"), Ok(()));

        let open = GuardedPolicy::new(
            GuardPolicy {
                allow_private: true,
            },
            ResolverMap::new(),
            false,
        );
        assert_eq!(open.check("http://127.0.0.1:8080/"), Ok(()));
    }

    #[test]
    fn mapped_addresses_are_checked_as_mapped_ones() {
        let map = ResolverMap::parse_text("lab.test=127.0.10.1\nmeta.test=169.254.169.254", "t");
        let policy = GuardedPolicy::new(GuardPolicy::default(), map.unwrap(), true);
        let lab: IpAddr = "127.0.10.1".parse().unwrap();
        assert_eq!(policy.allowed_addresses("lab.test", 80), Ok(vec![lab]));
        let refused = policy.allowed_addresses("meta.test", 80).unwrap_err();
        assert!(refused.contains("metadata"), "{refused}");
        let refused = policy.allowed_addresses("[::1]", 443).unwrap_err();
        assert!(refused.contains("loopback"), "{refused}");
    }
}
