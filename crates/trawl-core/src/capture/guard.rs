//! Destination guard: which URLs and addresses a capture may contact.
//!
//! Two checks, applied to the first URL, every redirect hop and every asset:
//! - before resolution, the scheme (only `http` and `https` are fetched) and the port (the
//!   ports browsers refuse, such as 25, are refused too);
//! - after resolution, the address: loopback, private, shared (CGNAT), link-local, ULA,
//!   documentation, benchmarking and reserved ranges are refused unless the analyst allowed
//!   private targets, or the name came from the resolver map (mapping a name is an explicit
//!   allowance). Unspecified, multicast and broadcast addresses and cloud-metadata endpoints
//!   are refused always: none is a web server, and metadata endpoints hand out credentials.
//!
//! The guard only decides; callers record refusals as `blocked` entries and hop errors.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// What the analyst allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardPolicy {
    /// Allow loopback, private and other non-public addresses (lab targets).
    pub allow_private: bool,
}

/// Cloud instance-metadata and credential endpoints (AWS incl. ECS task and EKS pod identity,
/// GCP, Azure, OpenStack, Alibaba, Oracle).
const METADATA_V4: [Ipv4Addr; 6] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(169, 254, 170, 23),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(192, 0, 0, 192),
    Ipv4Addr::new(168, 63, 129, 16),
];

/// AWS's IPv6 metadata, DNS and EKS pod identity endpoints.
const METADATA_V6: [Ipv6Addr; 3] = [
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253),
    Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23),
];

/// Ports the Fetch standard calls "bad ports": browsers never connect to them.
const BAD_PORTS: [u16; 81] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 10080,
];

/// The kind of address that makes it special.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressClass {
    Public,
    Loopback,
    Private,
    Shared,
    LinkLocal,
    UniqueLocal,
    Documentation,
    Reserved,
    Unspecified,
    Multicast,
    Broadcast,
    Metadata,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            Self::Public => "a public address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::Shared => "a shared (carrier-grade NAT) address",
            Self::LinkLocal => "a link-local address",
            Self::UniqueLocal => "a unique-local (private) address",
            Self::Documentation => "a documentation address",
            Self::Reserved => "a reserved address",
            Self::Unspecified => "the unspecified address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Metadata => "a cloud metadata address",
        }
    }

    /// Refused even when private targets are allowed.
    fn always_refused(self) -> bool {
        matches!(
            self,
            Self::Unspecified | Self::Multicast | Self::Broadcast | Self::Metadata
        )
    }
}

/// Checks what can be checked before resolution: scheme and port.
pub fn check_url(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "blocked: {other}: URLs are not fetched (only http and https)"
            ));
        }
    }
    if url.host().is_none() {
        return Err("blocked: URL has no host".to_owned());
    }
    check_port(url.port_or_known_default().unwrap_or(0))
}

/// Checks a destination port on its own (a proxy's `CONNECT host:port`).
pub fn check_port(port: u16) -> Result<(), String> {
    if BAD_PORTS.contains(&port) {
        return Err(format!(
            "blocked: port {port} is a restricted port (browsers refuse it)"
        ));
    }
    Ok(())
}

/// Checks a resolved address. `mapped` says the address came from the analyst's resolver map.
pub fn check_ip(ip: IpAddr, policy: GuardPolicy, mapped: bool) -> Result<(), String> {
    let class = classify(ip);
    if class == AddressClass::Public {
        return Ok(());
    }
    if class.always_refused() {
        return Err(format!("blocked: {ip} is {}", class.describe()));
    }
    if policy.allow_private || mapped {
        return Ok(());
    }
    Err(format!(
        "blocked: {ip} is {} (use --allow-private for lab targets)",
        class.describe()
    ))
}

fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    if METADATA_V4.contains(&ip) {
        return AddressClass::Metadata;
    }
    match (a, b, c) {
        _ if ip == Ipv4Addr::BROADCAST => AddressClass::Broadcast,
        (0, _, _) => AddressClass::Unspecified,
        (10, _, _) | (192, 168, _) => AddressClass::Private,
        (172, 16..=31, _) => AddressClass::Private,
        (100, 64..=127, _) => AddressClass::Shared,
        (127, _, _) => AddressClass::Loopback,
        (169, 254, _) => AddressClass::LinkLocal,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressClass::Documentation,
        (192, 0, 0) | (198, 18..=19, _) => AddressClass::Reserved,
        (224..=239, _, _) => AddressClass::Multicast,
        (240..=255, _, _) => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if METADATA_V6.contains(&ip) {
        return AddressClass::Metadata;
    }
    if ip.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let seg = ip.segments();
    match seg[0] {
        0xfc00..=0xfdff => AddressClass::UniqueLocal,
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfec0..=0xfeff => AddressClass::Private,
        0xff00..=0xffff => AddressClass::Multicast,
        0x2001 if seg[1] == 0x0db8 => AddressClass::Documentation,
        0x3fff if seg[1] < 0x1000 => AddressClass::Documentation,
        0x0100 if seg[1..4] == [0, 0, 0] => AddressClass::Reserved,
        0x2001 if seg[1] == 0x0002 && seg[2] == 0 => AddressClass::Reserved,
        0x0000 => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

/// The IPv4 address inside IPv4-mapped, IPv4-compatible and NAT64 (64:ff9b::/96) addresses.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = ip.segments();
    let tail = Ipv4Addr::new(
        (seg[6] >> 8) as u8,
        seg[6] as u8,
        (seg[7] >> 8) as u8,
        seg[7] as u8,
    );
    let mapped = seg[..5] == [0; 5] && seg[5] == 0xffff;
    let compatible = seg[..6] == [0; 6];
    let nat64 = seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENY: GuardPolicy = GuardPolicy {
        allow_private: false,
    };
    const ALLOW: GuardPolicy = GuardPolicy {
        allow_private: true,
    };

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_http_and_https_are_fetched() {
        for url in [
            "file:///etc/passwd",
            "data:text/html,hi",
            "javascript:alert(1)",
            "ftp://x/",
        ] {
            let err = check_url(&Url::parse(url).unwrap()).unwrap_err();
            assert!(err.contains("only http and https"), "{url}: {err}");
        }
        assert!(check_url(&Url::parse("http://a.test/").unwrap()).is_ok());
        assert!(check_url(&Url::parse("https://a.test:8443/").unwrap()).is_ok());
    }

    #[test]
    fn browser_bad_ports_are_refused() {
        let err = check_url(&Url::parse("http://a.test:25/").unwrap()).unwrap_err();
        assert_eq!(
            err,
            "blocked: port 25 is a restricted port (browsers refuse it)"
        );
    }

    #[test]
    fn private_ranges_are_refused_with_an_actionable_reason() {
        let err = check_ip(ip("10.0.0.5"), DENY, false).unwrap_err();
        assert_eq!(
            err,
            "blocked: 10.0.0.5 is a private address (use --allow-private for lab targets)"
        );
        for addr in [
            "127.0.0.1",
            "172.16.3.4",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.1.1",
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:10.1.2.3",
            "64:ff9b::7f00:1",
        ] {
            assert!(
                check_ip(ip(addr), DENY, false).is_err(),
                "{addr} should be refused"
            );
            assert!(
                check_ip(ip(addr), ALLOW, false).is_ok(),
                "{addr} should be allowed"
            );
            assert!(
                check_ip(ip(addr), DENY, true).is_ok(),
                "{addr} mapped should be allowed"
            );
        }
    }

    #[test]
    fn public_addresses_pass() {
        for addr in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1",
        ] {
            assert!(check_ip(ip(addr), DENY, false).is_ok(), "{addr}");
        }
    }

    #[test]
    fn metadata_and_non_unicast_are_refused_even_when_allowed() {
        for addr in [
            "169.254.169.254",
            "100.100.100.200",
            "168.63.129.16",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "255.255.255.255",
            "ff02::1",
        ] {
            let err = check_ip(ip(addr), ALLOW, true).unwrap_err();
            assert!(!err.contains("--allow-private"), "{addr}: {err}");
        }
        let err = check_ip(ip("169.254.169.254"), ALLOW, false).unwrap_err();
        assert_eq!(err, "blocked: 169.254.169.254 is a cloud metadata address");
    }
}
