//! The ten JARM ClientHellos, built byte for byte as the Salesforce reference builds them.
//!
//! This module owns the probe definitions ([`PROBES`], in the reference's order) and the
//! packet builder ([`client_hello`]). Every quirk of the reference is kept on purpose, because
//! JARM values are only comparable when the probes are identical:
//! - the common ALPN list misses a comma, so `spdy/3` and `h2` travel as one list element and
//!   stay glued together when the list is reversed;
//! - the record layer of the TLS 1.3 probes says TLS 1.0 while the hello says TLS 1.2;
//! - the "cipher methods" byte `0x01` precedes the single null compression method, and the
//!   session id is 32 random bytes;
//! - the TLS 1.1 probe is named "middle out" by the reference but keeps the forward order.
//!
//! Randomness (hello random, session id, key share, GREASE choice) comes from the caller's
//! RNG so tests can build deterministic packets.

use rand::RngCore;

/// The protocol version a probe offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeVersion {
    /// TLS 1.1 in both the record layer and the hello.
    Tls11,
    /// TLS 1.2 in both the record layer and the hello.
    Tls12,
    /// Record layer TLS 1.0, hello TLS 1.2, real version in `supported_versions`.
    Tls13,
}

/// Which cipher suite list a probe starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherList {
    /// Every suite of the reference, TLS 1.3 suites included.
    All,
    /// The same list without the TLS 1.3 suites.
    NoTls13,
}

/// How a list (suites, ALPN protocols, versions) is rearranged before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As defined.
    Forward,
    /// Reversed.
    Reverse,
    /// The middle element (odd lengths) then the first half, reversed.
    TopHalf,
    /// The second half, without the middle element of odd lengths.
    BottomHalf,
    /// From the middle outwards, alternating after and before it.
    MiddleOut,
}

/// Which ALPN protocol list a probe offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlpnList {
    /// The common list (with the reference's missing comma).
    Common,
    /// Rare protocols only (no http/1.1, no h2).
    Rare,
}

/// Which `supported_versions` extension a probe carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// TLS 1.0 to 1.2.
    UpToTls12,
    /// TLS 1.0 to 1.3.
    UpToTls13,
    /// No extension (unless the probe's version is TLS 1.3).
    None,
}

/// One JARM probe definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The reference's name of the probe.
    pub name: &'static str,
    /// Offered version.
    pub version: ProbeVersion,
    /// Starting cipher list.
    pub ciphers: CipherList,
    /// Order of the cipher suites.
    pub cipher_order: Order,
    /// A GREASE value leads the suites, the extensions, the key shares and the versions.
    pub grease: bool,
    /// Offered ALPN protocols.
    pub alpn: AlpnList,
    /// `supported_versions` content.
    pub support: Support,
    /// Order of the ALPN protocols and of the supported versions.
    pub extension_order: Order,
}

#[allow(clippy::too_many_arguments)] // one argument per column of the reference's table
const fn probe(
    name: &'static str,
    version: ProbeVersion,
    ciphers: CipherList,
    cipher_order: Order,
    grease: bool,
    alpn: AlpnList,
    support: Support,
    extension_order: Order,
) -> Probe {
    Probe {
        name,
        version,
        ciphers,
        cipher_order,
        grease,
        alpn,
        support,
        extension_order,
    }
}

use AlpnList::{Common, Rare};
use CipherList::{All, NoTls13};
use Order::{BottomHalf, Forward, MiddleOut, Reverse, TopHalf};
use ProbeVersion::{Tls11, Tls12, Tls13};
use Support::{UpToTls12, UpToTls13};

/// The ten probes in the reference's order (the order of the raw result and of the hash).
#[rustfmt::skip]
pub const PROBES: [Probe; 10] = [
    probe("tls1_2_forward", Tls12, All, Forward, false, Common, UpToTls12, Reverse),
    probe("tls1_2_reverse", Tls12, All, Reverse, false, Common, UpToTls12, Forward),
    probe("tls1_2_top_half", Tls12, All, TopHalf, false, Common, Support::None, Forward),
    probe("tls1_2_bottom_half", Tls12, All, BottomHalf, false, Rare, Support::None, Forward),
    probe("tls1_2_middle_out", Tls12, All, MiddleOut, true, Rare, Support::None, Reverse),
    probe("tls1_1_middle_out", Tls11, All, Forward, false, Common, Support::None, Forward),
    probe("tls1_3_forward", Tls13, All, Forward, false, Common, UpToTls13, Reverse),
    probe("tls1_3_reverse", Tls13, All, Reverse, false, Common, UpToTls13, Forward),
    probe("tls1_3_invalid", Tls13, NoTls13, Forward, false, Common, UpToTls13, Forward),
    probe("tls1_3_middle_out", Tls13, All, MiddleOut, true, Common, UpToTls13, Reverse),
];

/// The reference's full cipher suite list, in its order.
pub(super) const ALL_SUITES: [u16; 69] = [
    0x0016, 0x0033, 0x0067, 0xc09e, 0xc0a2, 0x009e, 0x0039, 0x006b, 0xc09f, 0xc0a3, 0x009f, 0x0045,
    0x00be, 0x0088, 0x00c4, 0x009a, 0xc008, 0xc009, 0xc023, 0xc0ac, 0xc0ae, 0xc02b, 0xc00a, 0xc024,
    0xc0ad, 0xc0af, 0xc02c, 0xc072, 0xc073, 0xcca9, 0x1302, 0x1301, 0xcc14, 0xc007, 0xc012, 0xc013,
    0xc027, 0xc02f, 0xc014, 0xc028, 0xc030, 0xc060, 0xc061, 0xc076, 0xc077, 0xcca8, 0x1305, 0x1304,
    0x1303, 0xcc13, 0xc011, 0x000a, 0x002f, 0x003c, 0xc09c, 0xc0a0, 0x009c, 0x0035, 0x003d, 0xc09d,
    0xc0a1, 0x009d, 0x0041, 0x00ba, 0x0084, 0x00c0, 0x0007, 0x0004, 0x0005,
];

/// The common ALPN list. The sixth element is `spdy/3` and `h2` joined: the reference's list
/// misses the comma between them, and a port must keep it.
const COMMON_ALPN: [&[u8]; 8] = [
    b"\x08http/0.9",
    b"\x08http/1.0",
    b"\x08http/1.1",
    b"\x06spdy/1",
    b"\x06spdy/2",
    b"\x06spdy/3\x02h2",
    b"\x03h2c",
    b"\x02hq",
];

/// The rare ALPN list.
const RARE_ALPN: [&[u8]; 7] = [
    b"\x08http/0.9",
    b"\x08http/1.0",
    b"\x06spdy/1",
    b"\x06spdy/2",
    b"\x06spdy/3",
    b"\x03h2c",
    b"\x02hq",
];

/// The sixteen GREASE values (RFC 8701).
const GREASE: [u16; 16] = [
    0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
    0xcaca, 0xdada, 0xeaea, 0xfafa,
];

/// Extensions sent unchanged by every probe, between the server name and ALPN.
const FIXED_BEFORE_ALPN: &[u8] = &[
    0x00, 0x17, 0x00, 0x00, // extended master secret
    0x00, 0x01, 0x00, 0x01, 0x01, // max fragment length 2^9
    0xff, 0x01, 0x00, 0x01, 0x00, // renegotiation info
    0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00,
    0x19, // groups
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec point formats: uncompressed
    0x00, 0x23, 0x00, 0x00, // session ticket
];

/// signature_algorithms, sent by every probe after ALPN.
const SIGNATURE_ALGORITHMS: &[u8] = &[
    0x00, 0x0d, 0x00, 0x14, 0x00, 0x12, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05,
    0x05, 0x01, 0x08, 0x06, 0x06, 0x01, 0x02, 0x01,
];

/// psk_key_exchange_modes (psk_dhe_ke), sent by every probe after the key share.
const PSK_MODES: &[u8] = &[0x00, 0x2d, 0x00, 0x02, 0x01, 0x01];

/// `list` rearranged by `order`, exactly as the reference's "cipher mung".
pub fn reorder<T: Copy>(list: &[T], order: Order) -> Vec<T> {
    let len = list.len();
    let middle = len / 2;
    match order {
        Order::Forward => list.to_vec(),
        Order::Reverse => list.iter().rev().copied().collect(),
        Order::BottomHalf => list[middle + len % 2..].to_vec(),
        Order::TopHalf => {
            let mut out = Vec::with_capacity(middle + 1);
            if len % 2 == 1 {
                out.push(list[middle]);
            }
            out.extend(reorder(&reorder(list, Order::Reverse), Order::BottomHalf));
            out
        }
        Order::MiddleOut => {
            let mut out = Vec::with_capacity(len);
            if len % 2 == 1 {
                out.push(list[middle]);
                for i in 1..=middle {
                    out.push(list[middle + i]);
                    out.push(list[middle - i]);
                }
            } else {
                for i in 1..=middle {
                    out.push(list[middle - 1 + i]);
                    out.push(list[middle - i]);
                }
            }
            out
        }
    }
}

/// The complete TLS record (header included) carrying `probe`'s ClientHello for `sni`.
pub fn client_hello(probe: &Probe, sni: &str, rng: &mut dyn RngCore) -> Vec<u8> {
    let (record_version, hello_version): ([u8; 2], [u8; 2]) = match probe.version {
        ProbeVersion::Tls11 => ([3, 2], [3, 2]),
        ProbeVersion::Tls12 => ([3, 3], [3, 3]),
        ProbeVersion::Tls13 => ([3, 1], [3, 3]),
    };

    let mut hello = hello_version.to_vec();
    hello.extend(random_bytes(rng, 32));
    hello.push(32);
    hello.extend(random_bytes(rng, 32));

    let suites = cipher_suites(probe, rng);
    push_u16(&mut hello, suites.len() * 2);
    suites.iter().for_each(|s| hello.extend(s.to_be_bytes()));
    // The reference's "cipher methods" byte, then the null compression method.
    hello.extend([0x01, 0x00]);
    hello.extend(extensions(probe, sni, rng));

    let mut handshake = vec![0x01, 0x00];
    push_u16(&mut handshake, hello.len());
    handshake.extend(hello);

    let mut record = vec![0x16, record_version[0], record_version[1]];
    push_u16(&mut record, handshake.len());
    record.extend(handshake);
    record
}

fn cipher_suites(probe: &Probe, rng: &mut dyn RngCore) -> Vec<u16> {
    let base: Vec<u16> = match probe.ciphers {
        CipherList::All => ALL_SUITES.to_vec(),
        CipherList::NoTls13 => ALL_SUITES
            .iter()
            .copied()
            .filter(|s| s >> 8 != 0x13)
            .collect(),
    };
    let mut suites = reorder(&base, probe.cipher_order);
    if probe.grease {
        suites.insert(0, grease(rng));
    }
    suites
}

fn extensions(probe: &Probe, sni: &str, rng: &mut dyn RngCore) -> Vec<u8> {
    let mut all = Vec::with_capacity(400);
    if probe.grease {
        all.extend(grease(rng).to_be_bytes());
        all.extend([0x00, 0x00]);
    }

    // server_name: one host_name entry, exactly as the reference lays it out.
    let name = sni.as_bytes();
    all.extend([0x00, 0x00]);
    push_u16(&mut all, name.len() + 5);
    push_u16(&mut all, name.len() + 3);
    all.push(0x00);
    push_u16(&mut all, name.len());
    all.extend(name);

    all.extend(FIXED_BEFORE_ALPN);
    all.extend(alpn(probe));
    all.extend(SIGNATURE_ALGORITHMS);
    all.extend(key_share(probe.grease, rng));
    all.extend(PSK_MODES);
    if probe.version == ProbeVersion::Tls13 || probe.support == Support::UpToTls12 {
        all.extend(supported_versions(probe, rng));
    }

    let mut out = Vec::with_capacity(all.len() + 2);
    push_u16(&mut out, all.len());
    out.extend(all);
    out
}

fn alpn(probe: &Probe) -> Vec<u8> {
    let list: &[&[u8]] = match probe.alpn {
        AlpnList::Common => &COMMON_ALPN,
        AlpnList::Rare => &RARE_ALPN,
    };
    let protocols: Vec<u8> = reorder(list, probe.extension_order).concat();
    let mut ext = vec![0x00, 0x10];
    push_u16(&mut ext, protocols.len() + 2);
    push_u16(&mut ext, protocols.len());
    ext.extend(protocols);
    ext
}

fn key_share(grease_on: bool, rng: &mut dyn RngCore) -> Vec<u8> {
    let mut shares = Vec::with_capacity(41);
    if grease_on {
        shares.extend(grease(rng).to_be_bytes());
        shares.extend([0x00, 0x01, 0x00]);
    }
    shares.extend([0x00, 0x1d, 0x00, 0x20]);
    shares.extend(random_bytes(rng, 32));

    let mut ext = vec![0x00, 0x33];
    push_u16(&mut ext, shares.len() + 2);
    push_u16(&mut ext, shares.len());
    ext.extend(shares);
    ext
}

fn supported_versions(probe: &Probe, rng: &mut dyn RngCore) -> Vec<u8> {
    let versions: &[u16] = match probe.support {
        Support::UpToTls12 => &[0x0301, 0x0302, 0x0303],
        _ => &[0x0301, 0x0302, 0x0303, 0x0304],
    };
    let mut body = Vec::with_capacity(10);
    if probe.grease {
        body.extend(grease(rng).to_be_bytes());
    }
    for v in reorder(versions, probe.extension_order) {
        body.extend(v.to_be_bytes());
    }

    let mut ext = vec![0x00, 0x2b];
    push_u16(&mut ext, body.len() + 1);
    ext.push(body.len() as u8);
    ext.extend(body);
    ext
}

fn grease(rng: &mut dyn RngCore) -> u16 {
    GREASE[(rng.next_u32() % GREASE.len() as u32) as usize]
}

fn random_bytes(rng: &mut dyn RngCore, n: usize) -> Vec<u8> {
    let mut bytes = vec![0; n];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Appends `n` as a big-endian u16 (every length here is far below 65536; SNI is capped by
/// the caller).
fn push_u16(out: &mut Vec<u8>, n: usize) {
    out.extend((n as u16).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    /// An RNG of zeros: GREASE picks the first value, random fields are zero.
    struct Zeros;

    impl RngCore for Zeros {
        fn next_u32(&mut self) -> u32 {
            0
        }
        fn next_u64(&mut self) -> u64 {
            0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            dest.fill(0);
            Ok(())
        }
    }

    // SHA-256 of the packets pyjarm 0.0.5 builds for SNI "a.test" with `os.urandom` returning
    // zeros and `random.choice` taking the first GREASE value (lengths in the comments).
    const PYJARM_PACKETS: [&str; 10] = [
        "5d7cd5c82fc9fc3ef84774a823816adf6b8cc7aa486477a4783450b139c9ae1d", // 420
        "6c93df6dadda38c335e7835cf392c99e6164df2b790cdef712ecbb770bfd3bf0", // 420
        "f9e8dace440aa92b21f090f479fa227070f2a848334e05f22395a11f2e6ac926", // 341
        "79cee2a6d4d198170a2c8e5c20d57c621857b47a621f4da4a865013f42ee32cb", // 327
        "dc1dbdfdb99306e43047700bc9999b86e1719942b86815cf8838ee8d19264fd7", // 408
        "d6ea11658f3d5bdb4b5d9ade1509b1d5f3d0d155682fbeb4cab4d39c3d5cea3e", // 409
        "daa9ca50a46c61669fa00144cdf15cdfcec2ae555d0a04787fb22f9f833d4808", // 422
        "68fd0c43e98a53e2642a0b3927180edd37790514f73f8f5153136ad73e6b4ac4", // 422
        "3da6bf5150740f3d77b68a10705984740f73953683821b011c183068ba1d89c4", // 412
        "67eddca587756106d34bf7000cf8823be4499486de3e13e2bdba141b5c891d9f", // 435
    ];

    #[test]
    fn every_probe_is_byte_identical_to_the_oracle() {
        let lengths = [420, 420, 341, 327, 408, 409, 422, 422, 412, 435];
        for (i, probe) in PROBES.iter().enumerate() {
            let packet = client_hello(probe, "a.test", &mut Zeros);
            assert_eq!(packet.len(), lengths[i], "{}", probe.name);
            let digest = hex::encode(Sha256::digest(&packet));
            assert_eq!(digest, PYJARM_PACKETS[i], "{}", probe.name);
        }
    }

    #[test]
    fn the_missing_alpn_comma_keeps_spdy3_and_h2_together_when_reversed() {
        let probe = PROBES[0];
        assert_eq!(probe.extension_order, Order::Reverse);
        let ext = alpn(&probe);
        let needle = b"\x02hq\x03h2c\x06spdy/3\x02h2\x06spdy/2";
        assert!(ext.windows(needle.len()).any(|w| w == needle));
    }

    #[test]
    fn reorder_matches_the_reference_definitions() {
        let odd = [1, 2, 3, 4, 5];
        assert_eq!(reorder(&odd, Order::BottomHalf), [4, 5]);
        assert_eq!(reorder(&odd, Order::TopHalf), [3, 2, 1]);
        assert_eq!(reorder(&odd, Order::MiddleOut), [3, 4, 2, 5, 1]);
        let even = [1, 2, 3, 4];
        assert_eq!(reorder(&even, Order::BottomHalf), [3, 4]);
        assert_eq!(reorder(&even, Order::TopHalf), [2, 1]);
        assert_eq!(reorder(&even, Order::MiddleOut), [3, 2, 4, 1]);
        assert_eq!(reorder(&even, Order::Reverse), [4, 3, 2, 1]);
    }

    #[test]
    fn random_fields_and_grease_come_from_the_rng() {
        let mut rng = rand::rngs::mock::StepRng::new(5, 1);
        let packet = client_hello(&PROBES[4], "a.test", &mut rng);
        // A GREASE value other than the first leads the suites.
        let suites_at = 5 + 4 + 2 + 32 + 1 + 32 + 2;
        let first = u16::from_be_bytes([packet[suites_at], packet[suites_at + 1]]);
        assert!(GREASE[1..].contains(&first), "{first:#06x}");
        assert_ne!(&packet[11..43], &[0u8; 32]);
    }
}
