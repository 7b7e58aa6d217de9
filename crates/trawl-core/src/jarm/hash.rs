//! The JARM fuzzy hash: 62 hex characters from the ten raw probe results.
//!
//! Per probe, three characters: the chosen suite's 1-based position in the reference's suite
//! table as two hex digits (`00` for none, `46` for a suite outside the table) and a letter
//! for the version's last digit (`a` = SSL 3.0 … `e` = TLS 1.3, `0` for none). Then the first
//! 32 hex digits of the SHA-256 of every probe's ALPN and extension list concatenated. The
//! raw string of ten failures hashes to 62 zeros.
//!
//! The raw results are split on `,` and `|` exactly like the reference, so an ALPN value
//! holding those characters shifts the fields as it does there. Where the reference would
//! raise (a version digit above 5 or not a digit, fewer than four fields) this module uses
//! `0` and empty fields instead of failing.

use sha2::{Digest, Sha256};

/// The raw result of a host where no probe got a ServerHello.
pub const TOTAL_FAILURE: &str = "|||,|||,|||,|||,|||,|||,|||,|||,|||,|||";

/// The hash of [`TOTAL_FAILURE`]: 62 zeros.
pub const ZERO_HASH: &str = "00000000000000000000000000000000000000000000000000000000000000";

/// The reference's suite table for the hash (its order, not numeric order: TLS 1.3 last).
const SUITE_TABLE: [u16; 69] = [
    0x0004, 0x0005, 0x0007, 0x000a, 0x0016, 0x002f, 0x0033, 0x0035, 0x0039, 0x003c, 0x003d, 0x0041,
    0x0045, 0x0067, 0x006b, 0x0084, 0x0088, 0x009a, 0x009c, 0x009d, 0x009e, 0x009f, 0x00ba, 0x00be,
    0x00c0, 0x00c4, 0xc007, 0xc008, 0xc009, 0xc00a, 0xc011, 0xc012, 0xc013, 0xc014, 0xc023, 0xc024,
    0xc027, 0xc028, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xc060, 0xc061, 0xc072, 0xc073, 0xc076, 0xc077,
    0xc09c, 0xc09d, 0xc09e, 0xc09f, 0xc0a0, 0xc0a1, 0xc0a2, 0xc0a3, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af,
    0xcc13, 0xcc14, 0xcca8, 0xcca9, 0x1301, 0x1302, 0x1303, 0x1304, 0x1305,
];

/// The 62-character JARM value of `raw`, the ten probe results joined with `,`.
pub fn fuzzy_hash(raw: &str) -> String {
    if raw == TOTAL_FAILURE {
        return ZERO_HASH.to_owned();
    }
    let mut fuzzy = String::with_capacity(62);
    let mut alpns_and_extensions = String::new();
    for handshake in raw.split(',') {
        let fields: Vec<&str> = handshake.split('|').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        fuzzy.push_str(&cipher_code(field(0)));
        fuzzy.push(version_code(field(1)));
        alpns_and_extensions.push_str(field(2));
        alpns_and_extensions.push_str(field(3));
    }
    let digest = hex::encode(Sha256::digest(alpns_and_extensions.as_bytes()));
    fuzzy.push_str(&digest[..32]);
    fuzzy
}

/// Two hex digits: the suite's 1-based position in the table, 70 (`46`) when absent.
fn cipher_code(cipher: &str) -> String {
    if cipher.is_empty() {
        return "00".to_owned();
    }
    let position = SUITE_TABLE
        .iter()
        .position(|s| format!("{s:04x}") == cipher)
        .unwrap_or(SUITE_TABLE.len());
    format!("{:02x}", position + 1)
}

/// One letter for the version's fourth hex digit.
fn version_code(version: &str) -> char {
    let digit = version.get(3..4).and_then(|d| d.parse::<usize>().ok());
    match digit.and_then(|d| "abcdef".chars().nth(d)) {
        Some(letter) if !version.is_empty() => letter,
        _ => '0',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Raw results and the values pyjarm 0.0.5's `Hasher.jarm` gives for them.
    const VECTORS: [(&str, &str); 3] = [
        (
            "c030|0303|h2|ff01-0000-0001-000b-0023-0010-0017,\
             c030|0303|h2|ff01-0000-0001-000b-0023-0010-0017,|||,|||,|||,|||,\
             1301|0303|h2|002b-0033,1302|0303|h2|002b-0033,|||,1303|0303|h2|002b-0033",
            "2ad2ad00000000000041d42d00043ded9c5c96d20f23f6f887f507ecb3c1fc",
        ),
        (
            "c02f|0303||ff01-0000-000b-0023-0017,c02f|0302||,|||,|||,|||,|||,|||,|||,|||,|||",
            "29d29c000000000000000000000000f047c3cbf31e75cd84f924b3f04c5f9d",
        ),
        (
            "0005|0300||,abcd|0301|http/1.1|0010,|||,|||,|||,|||,|||,|||,|||,|||",
            "02a46b000000000000000000000000b6a985479dfccccfa3f53444963aa542",
        ),
    ];

    #[test]
    fn raw_results_hash_like_the_reference() {
        for (raw, expected) in VECTORS {
            assert_eq!(fuzzy_hash(raw), expected, "{raw}");
        }
    }

    #[test]
    fn ten_failures_hash_to_62_zeros() {
        assert_eq!(fuzzy_hash(TOTAL_FAILURE), ZERO_HASH);
        assert_eq!(ZERO_HASH.len(), 62);
    }

    #[test]
    fn suite_and_version_codes() {
        assert_eq!(cipher_code(""), "00");
        assert_eq!(cipher_code("0004"), "01");
        assert_eq!(cipher_code("1305"), "45");
        assert_eq!(cipher_code("ffff"), "46");
        assert_eq!(version_code("0304"), 'e');
        assert_eq!(version_code(""), '0');
        assert_eq!(version_code("03"), '0');
        assert_eq!(version_code("7f1c"), '0');
    }

    #[test]
    fn a_hostile_alpn_with_separators_shifts_fields_without_panicking() {
        let raw = "c030|0303|a,b|c|0010,|||,|||,|||,|||,|||,|||,|||,|||,|||";
        let value = fuzzy_hash(raw);
        assert_eq!(value.len(), 62 + 3);
        assert!(value.starts_with("2ad"));
    }
}
