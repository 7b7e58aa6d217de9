//! `trawl jarm HOST[:PORT]`: print the JARM TLS fingerprint of one endpoint.
//!
//! An IP literal is probed directly; a name goes through the engine's resolver (the
//! `--resolve` map first, then DNS unless the map seals it) and its first address is probed
//! with the name as SNI. Prints the 62-character value (62 zeros when nothing answered), and
//! the raw probe results with `--raw`. Resolution failures are errors; probe failures are not.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use trawl_core::capture::{ResolverMap, ResolverSettings, build_resolver};

#[derive(Debug, Args)]
pub struct JarmArgs {
    /// HOST, HOST:PORT or [IPv6]:PORT (port 443 by default)
    #[arg(value_name = "HOST[:PORT]")]
    target: String,
    /// Time limit of each of the ten probes, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    timeout: f64,
    /// Map a host name to an address instead of resolving it (repeatable)
    #[arg(long = "resolve", value_name = "HOST=IP")]
    resolve: Vec<String>,
    /// With a resolver map, still resolve other names on the network
    #[arg(long)]
    dns: bool,
    /// Also print the raw probe results
    #[arg(long)]
    raw: bool,
}

pub async fn run(args: JarmArgs) -> Result<()> {
    let (host, port) = split_target(&args.target)?;
    if !(0.05..=600.0).contains(&args.timeout) {
        bail!("--timeout must be between 0.05 and 600 seconds");
    }
    let ip = match host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => resolve(&host, &args).await?,
    };

    let timeout = Duration::from_secs_f64(args.timeout);
    let result = trawl_core::jarm::jarm(ip, port, &host, timeout).await;
    println!("{}", result.hash);
    if args.raw {
        println!("{}", result.raw);
    }
    if result.timed_out() {
        eprintln!("note: a probe timed out, so the value is 62 zeros");
    }
    Ok(())
}

/// The first address of `host` from the engine's resolver.
async fn resolve(host: &str, args: &JarmArgs) -> Result<IpAddr> {
    let mut map = ResolverMap::new();
    for entry in &args.resolve {
        map.add_arg(entry)?;
    }
    let resolver = build_resolver(ResolverSettings {
        map,
        dns: args.dns,
        nameserver: None,
    })?;
    let info = resolver.resolve(host).await?;
    let first = info.addresses.first().context("no address")?;
    first
        .trim_matches(['[', ']'])
        .parse()
        .with_context(|| format!("resolver gave a bad address for {host}: {first}"))
}

/// Host (lower-case, brackets removed) and port of `HOST[:PORT]`.
fn split_target(target: &str) -> Result<(String, u16)> {
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .context("missing ']' after IPv6 address")?;
        (host, after.strip_prefix(':'))
    } else if target.matches(':').count() > 1 {
        (target, None) // a bare IPv6 address
    } else {
        match target.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (target, None),
        }
    };
    if host.is_empty() {
        bail!("no host in {target:?}");
    }
    let port = match port {
        Some(p) => p
            .parse()
            .with_context(|| format!("bad port in {target:?}"))?,
        None => 443,
    };
    Ok((host.trim_end_matches('.').to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_host_and_port() {
        assert_eq!(split_target("A.test").unwrap(), ("a.test".into(), 443));
        assert_eq!(
            split_target("a.test:8443").unwrap(),
            ("a.test".into(), 8443)
        );
        assert_eq!(
            split_target("127.0.0.1:1").unwrap(),
            ("127.0.0.1".into(), 1)
        );
        assert_eq!(split_target("[::1]:444").unwrap(), ("::1".into(), 444));
        assert_eq!(split_target("::1").unwrap(), ("::1".into(), 443));
        assert!(split_target("a.test:x").is_err());
        assert!(split_target(":443").is_err());
    }
}
