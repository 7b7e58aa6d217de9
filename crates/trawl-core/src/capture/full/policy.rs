//! The destination guard as the browser's request policy.
//!
//! Every request Chromium is about to make (documents, sub-resources, the favicon fetch) is
//! checked here on the browser's event thread: scheme and port (`guard::check_url`), then the
//! host — an IP literal is checked as an address, a mapped name is allowed (mapping is the
//! analyst's allowance), an unmapped name is refused when the map is sealed, and otherwise
//! resolved with the system resolver and every address checked. `data:`, `blob:` and
//! `about:` URLs never leave the browser and pass.
//!
//! TODO(full-capture): Chromium resolves an allowed unmapped name again by itself, so a name
//! that changes its answer between the two lookups (DNS rebinding) is not caught; pinning
//! needs per-host resolver rules written before each page.

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
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return guard::check_ip(ip, self.guard, false);
        }
        if self.map.lookup(host).is_some() {
            return Ok(());
        }
        if self.sealed {
            return Err(format!(
                "blocked: {}",
                ResolveError::NotInMap {
                    host: host.to_owned()
                }
            ));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let addrs = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("DNS lookup of {host} failed: {e}"))?;
        for addr in addrs {
            guard::check_ip(addr.ip(), self.guard, false)?;
        }
        Ok(())
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
}
