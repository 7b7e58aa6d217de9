//! Name resolution for captures: the analyst's resolver map, the system resolver, and the
//! combination of both.
//!
//! Network rule: when a resolver map is in use, names it does not map are refused ("sealed"
//! lab mode) unless the analyst asked for other names to be resolved (`--dns`). IP literals
//! never touch any resolver. Resolution errors are returned, not retried: the capturer records
//! them on the hop or asset that needed the name.

mod map;
mod system;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

pub use map::{ResolverMap, ResolverMapError};
pub use system::SystemResolver;

use super::model::DnsInfo;

/// A boxed future, so resolvers can sit behind `Arc<dyn Resolver>`.
pub type ResolveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<DnsInfo, ResolveError>> + Send + 'a>>;

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Sealed lab mode refused a name the map does not list.
    #[error("{host} is not in the resolver map (lab mode; pass --dns to resolve other names)")]
    NotInMap {
        /// The refused name.
        host: String,
    },
    /// The name exists but has no A/AAAA records.
    #[error("{host} has no addresses")]
    NoAddresses {
        /// The name looked up.
        host: String,
    },
    /// The lookup itself failed (NXDOMAIN, timeout, no nameserver, bad name …).
    #[error("DNS lookup of {host} failed: {message}")]
    Lookup {
        /// The name looked up.
        host: String,
        /// The resolver's explanation.
        message: String,
    },
}

impl ResolveError {
    /// A refusal by policy (to be listed as blocked), rather than a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::NotInMap { .. })
    }
}

/// Resolves host names to addresses.
pub trait Resolver: Send + Sync {
    /// Resolves `host` (lower-case, IDNA ASCII, no brackets, no trailing dot).
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a>;
}

/// The resolver map first; other names go to the system resolver, or are refused when sealed.
pub struct CombinedResolver {
    map: ResolverMap,
    fallback: Option<SystemResolver>,
}

impl CombinedResolver {
    /// Map only: unmapped names are refused with [`ResolveError::NotInMap`].
    pub fn sealed(map: ResolverMap) -> Self {
        Self {
            map,
            fallback: None,
        }
    }

    /// Map first, then `system` for everything else.
    pub fn with_fallback(map: ResolverMap, system: SystemResolver) -> Self {
        Self {
            map,
            fallback: Some(system),
        }
    }

    /// Whether unmapped names are refused.
    pub fn is_sealed(&self) -> bool {
        self.fallback.is_none()
    }
}

impl Resolver for CombinedResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            if let Some(info) = ip_literal(host) {
                return Ok(info);
            }
            if let Some(info) = self.map.lookup(host) {
                return Ok(info);
            }
            match &self.fallback {
                Some(system) => system.resolve(host).await,
                None => Err(ResolveError::NotInMap {
                    host: host.to_owned(),
                }),
            }
        })
    }
}

/// How the capture should resolve names, as the CLI and settings express it.
#[derive(Debug, Clone, Default)]
pub struct ResolverSettings {
    /// `--resolve` / `--resolve-file` entries.
    pub map: ResolverMap,
    /// `--dns`: resolve names outside the map on the network. Ignored when the map is empty
    /// (there is no lab then, and the network is the only way to resolve anything).
    pub dns: bool,
    /// Nameserver to ask instead of the system configuration (e.g. dnsmasq on 127.0.0.1:5353).
    pub nameserver: Option<SocketAddr>,
}

/// Builds the resolver `settings` describe.
pub fn build_resolver(settings: ResolverSettings) -> Result<Arc<dyn Resolver>, ResolveError> {
    let sealed = !settings.map.is_empty() && !settings.dns;
    if sealed {
        return Ok(Arc::new(CombinedResolver::sealed(settings.map)));
    }
    let system = match settings.nameserver {
        Some(addr) => SystemResolver::with_nameserver(addr)?,
        None => SystemResolver::from_system_conf()?,
    };
    Ok(Arc::new(CombinedResolver::with_fallback(
        settings.map,
        system,
    )))
}

/// A `DnsInfo` for a host that is already an address.
pub fn ip_literal(host: &str) -> Option<DnsInfo> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = bare.parse().ok()?;
    Some(DnsInfo {
        host: host.to_owned(),
        addresses: vec![ip.to_string()],
        cname_chain: Vec::new(),
        source: "ip-literal".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(lines: &str) -> ResolverMap {
        ResolverMap::parse_text(lines, "test").unwrap()
    }

    #[tokio::test]
    async fn sealed_resolver_refuses_unmapped_names() {
        let resolver = CombinedResolver::sealed(map("lab.test=127.0.10.1"));
        let err = resolver.resolve("fatoff-outside.test").await.unwrap_err();

        assert_eq!(
            err.to_string(),
            "fatoff-outside.test is not in the resolver map \
             (lab mode; pass --dns to resolve other names)"
        );
        assert!(err.is_refusal());
    }

    #[tokio::test]
    async fn mapped_names_and_ip_literals_resolve_without_network() {
        let resolver = CombinedResolver::sealed(map("lab.test=127.0.10.1"));
        let info = resolver.resolve("lab.test").await.unwrap();
        assert_eq!(info.addresses, ["127.0.10.1"]);
        assert_eq!(info.source, "resolver-map");

        let literal = resolver.resolve("[::1]").await.unwrap();
        assert_eq!(literal.addresses, ["::1"]);
        assert_eq!(literal.source, "ip-literal");
    }

    #[tokio::test]
    async fn settings_with_a_map_are_sealed_unless_dns_is_asked_for() {
        let settings = ResolverSettings {
            map: map("a.test=127.0.0.1"),
            ..Default::default()
        };
        let resolver = build_resolver(settings).unwrap();

        let err = resolver.resolve("b.test").await.unwrap_err();
        assert!(matches!(err, ResolveError::NotInMap { .. }), "{err}");
        assert_eq!(
            resolver.resolve("a.test").await.unwrap().addresses,
            ["127.0.0.1"]
        );
    }
}
