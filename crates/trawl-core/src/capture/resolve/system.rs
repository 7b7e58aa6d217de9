//! Network DNS through hickory-resolver: A and AAAA records with the CNAME chain leading to
//! them, from the system configuration or from one given nameserver (e.g. a test dnsmasq).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

use super::{ResolveError, ResolveFuture, Resolver};
use crate::capture::model::DnsInfo;

/// Resolves names on the network.
#[derive(Clone)]
pub struct SystemResolver {
    inner: TokioResolver,
}

impl SystemResolver {
    /// Uses `/etc/resolv.conf` (and `/etc/hosts`).
    pub fn from_system_conf() -> Result<Self, ResolveError> {
        let mut builder = TokioResolver::builder_tokio().map_err(|e| ResolveError::Lookup {
            host: String::new(),
            message: format!("cannot read the system DNS configuration: {e}"),
        })?;
        tune(builder.options_mut());
        let inner = builder.build().map_err(|e| ResolveError::Lookup {
            host: String::new(),
            message: format!("cannot start the DNS resolver: {e}"),
        })?;
        Ok(Self { inner })
    }

    /// Asks only `nameserver` (UDP, then TCP), ignoring the system configuration and hosts
    /// file.
    pub fn with_nameserver(nameserver: SocketAddr) -> Result<Self, ResolveError> {
        let mut udp = ConnectionConfig::udp();
        udp.port = nameserver.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = nameserver.port();
        let server = NameServerConfig::new(nameserver.ip(), true, vec![udp, tcp]);
        let config = ResolverConfig::from_name_servers(vec![server]);

        let mut options = ResolverOpts::default();
        tune(&mut options);
        options.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
        let builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        let inner = builder
            .with_options(options)
            .build()
            .map_err(|e| ResolveError::Lookup {
                host: String::new(),
                message: format!("cannot start the DNS resolver for {nameserver}: {e}"),
            })?;
        Ok(Self { inner })
    }
}

/// Options shared by both constructors.
fn tune(options: &mut ResolverOpts) {
    options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    options.preserve_intermediates = true;
    options.timeout = Duration::from_secs(4);
    options.attempts = 1;
}

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            // A trailing dot makes the name absolute: no search-domain guesses.
            let fqdn = format!("{}.", host.trim_end_matches('.'));
            let lookup =
                self.inner
                    .lookup_ip(fqdn.as_str())
                    .await
                    .map_err(|e| ResolveError::Lookup {
                        host: host.to_owned(),
                        message: e.to_string(),
                    })?;

            let mut info = DnsInfo {
                host: host.to_owned(),
                addresses: Vec::new(),
                cname_chain: Vec::new(),
                source: "system".to_owned(),
            };
            for record in lookup.as_lookup().answers() {
                match &record.data {
                    RData::A(a) => info.addresses.push(a.0.to_string()),
                    RData::AAAA(aaaa) => info.addresses.push(aaaa.0.to_string()),
                    RData::CNAME(target) => {
                        let name = target.0.to_ascii();
                        let name = name.trim_end_matches('.').to_owned();
                        if !info.cname_chain.contains(&name) {
                            info.cname_chain.push(name);
                        }
                    }
                    _ => {}
                }
            }
            if info.addresses.is_empty() {
                return Err(ResolveError::NoAddresses {
                    host: host.to_owned(),
                });
            }
            Ok(info)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::op::{Message, OpCode};
    use hickory_resolver::proto::rr::rdata::{A, CNAME};
    use hickory_resolver::proto::rr::{Name, Record, RecordType};
    use tokio::net::UdpSocket;

    /// A one-zone DNS server on loopback: `www.lab.test` is a CNAME to `edge.cdn.test`, which
    /// is a CNAME to `node.cdn.test`, which has an A record. Everything else gets no answers.
    async fn fake_dns() -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 1500];
            loop {
                let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(query) = Message::from_vec(&buf[..len]) else {
                    continue;
                };
                let reply = answer(&query);
                let _ = socket.send_to(&reply.to_vec().unwrap(), peer).await;
            }
        });
        addr
    }

    fn answer(query: &Message) -> Message {
        let mut reply = Message::response(query.metadata.id, OpCode::Query);
        reply.metadata.recursion_available = true;
        let Some(q) = query.queries.first().cloned() else {
            return reply;
        };
        reply.add_query(q.clone());

        let name = |s: &str| Name::from_ascii(s).unwrap();
        if q.name().to_ascii().eq_ignore_ascii_case("www.lab.test.") {
            let chain = [
                Record::from_rdata(
                    name("www.lab.test."),
                    60,
                    RData::CNAME(CNAME(name("edge.cdn.test."))),
                ),
                Record::from_rdata(
                    name("edge.cdn.test."),
                    60,
                    RData::CNAME(CNAME(name("node.cdn.test."))),
                ),
            ];
            reply.add_answers(chain);
            if q.query_type() == RecordType::A {
                let a = RData::A(A::new(127, 0, 20, 7));
                reply.add_answer(Record::from_rdata(name("node.cdn.test."), 60, a));
            }
        }
        reply
    }

    #[tokio::test]
    async fn follows_the_cname_chain_to_the_addresses() {
        let resolver = SystemResolver::with_nameserver(fake_dns().await).unwrap();
        let info = resolver.resolve("www.lab.test").await.unwrap();

        assert_eq!(info.addresses, ["127.0.20.7"]);
        assert_eq!(info.cname_chain, ["edge.cdn.test", "node.cdn.test"]);
        assert_eq!(info.source, "system");
    }

    #[tokio::test]
    async fn a_name_without_records_is_an_error() {
        let resolver = SystemResolver::with_nameserver(fake_dns().await).unwrap();
        let err = resolver.resolve("missing.lab.test").await.unwrap_err();
        assert!(
            matches!(
                err,
                ResolveError::Lookup { .. } | ResolveError::NoAddresses { .. }
            ),
            "{err}"
        );
    }
}
