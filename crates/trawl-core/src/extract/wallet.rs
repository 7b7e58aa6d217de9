//! Cryptocurrency wallet addresses, accepted only when their checksum holds, so random strings in
//! pages and scripts are not reported.
//!
//! | chain | accepted form |
//! | --- | --- |
//! | `btc` | Base58Check 0x00 (`1…`) or 0x05 (`3…`, also Litecoin's old P2SH); `bc1…` segwit |
//! | `ltc` | Base58Check 0x30 (`L…`) or 0x32 (`M…`); `ltc1…` segwit |
//! | `doge` | Base58Check 0x1e (`D…`) or 0x16 (`9…`/`A…`) |
//! | `trx` | Base58Check 0x41 (`T…`) |
//! | `eth` | `0x` + 40 hex; mixed case must satisfy EIP-55; one-case needs a wallet word nearby |
//! | `xmr` | 95-character standard (`4…`) or subaddress (`8…`), Keccak-256 checksum |
//! | `sol` | base58 decoding to exactly 32 bytes, see below |
//!
//! Segwit (`bc1…`, `ltc1…`) means Bech32 for witness version 0 and Bech32m for 1..=16, with the
//! BIP-173/350 program length rules.
//!
//! Solana addresses carry no checksum: any 32-44 character base58 word decoding to 32 bytes would
//! pass. They are therefore reported only with a context word within 100 characters (`solana`,
//! `SOL`, `wallet`, `address`, `phantom`), when they mix digits, upper and lower case, and when
//! they are not glued to `/`, `+`, `=`, `-`, `.` (pieces of base64 or paths). Expect misses in
//! URLs and the odd false positive next to those words; the value is an analyst hint, not proof.
//! One-case Ethereum addresses get the same context rule, because any 40-hex string would pass.

use std::sync::LazyLock;

use regex::Regex;
use sha3::{Digest, Keccak256};

use super::{Found, base58, bech32, window};

/// Maximal alphanumeric words: every address form above is one.
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9A-Za-z]+").expect("valid word regex"));

/// Words that make a one-case `0x…` string an Ethereum (or other EVM chain) address.
static ETH_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:wallets?|send|eth|ether|ethereum|usdt|usdc|erc-?20|bep-?20|bsc|address",
        r"|deposit|metamask)\b",
    ))
    .expect("valid context regex")
});

/// Words that make a 32-byte base58 string a Solana address.
static SOL_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:solana|wallets?|address|phantom)\b)|\bSOL\b")
        .expect("valid context regex")
});

/// How far (in characters) context words may be from the address.
const CONTEXT_RADIUS: usize = 100;

/// Finds checksum-valid wallet addresses in `text`.
pub(crate) fn find_wallets(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for m in WORD.find_iter(text) {
        let prev = text[..m.start()].chars().next_back();
        let next = text[m.end()..].chars().next();
        // Part of a longer identifier (`foo_1A1z…`, non-ASCII letters).
        if [prev, next]
            .iter()
            .flatten()
            .any(|&c| c == '_' || c.is_alphanumeric())
        {
            continue;
        }
        if let Some(chain) = classify(text, m.as_str(), m.start(), m.end(), prev, next) {
            found.push(Found {
                start: m.start(),
                end: m.end(),
                value: m.as_str().to_string(),
                detail: Some(chain.to_string()),
                placeholder: false,
            });
        }
    }
    found
}

/// The chain of a word, if it is a valid address.
fn classify(
    text: &str,
    word: &str,
    start: usize,
    end: usize,
    prev: Option<char>,
    next: Option<char>,
) -> Option<&'static str> {
    let near = |re: &Regex| {
        let (from, to) = window(text, start, end, CONTEXT_RADIUS);
        re.is_match(&text[from..start]) || re.is_match(&text[end..to])
    };

    if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        let hex_ok = hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let mixed_case = hex.bytes().any(|b| b.is_ascii_lowercase())
            && hex.bytes().any(|b| b.is_ascii_uppercase());
        let eth = hex_ok
            && if mixed_case {
                eip55_ok(hex)
            } else {
                near(&ETH_CONTEXT)
            };
        return eth.then_some("eth");
    }
    if let Some(chain) = segwit_chain(word) {
        return Some(chain);
    }
    if !base58::is_base58(word) {
        return None;
    }
    if word.len() == 95 && matches!(word.as_bytes()[0], b'4' | b'8') && monero_ok(word) {
        return Some("xmr");
    }
    let legacy = (25..=35)
        .contains(&word.len())
        .then(|| base58check_chain(word));
    if let Some(chain) = legacy.flatten() {
        return Some(chain);
    }

    let loose_edge = [prev, next].iter().flatten().any(|c| "/+=-.".contains(*c));
    let mixed = word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_uppercase())
        && word.bytes().any(|b| b.is_ascii_lowercase());
    let sol = (32..=44).contains(&word.len())
        && mixed
        && !loose_edge
        && base58::decode(word).is_some_and(|bytes| bytes.len() == 32)
        && near(&SOL_CONTEXT);
    sol.then_some("sol")
}

/// Chain of a valid `bc1…`/`ltc1…` address.
fn segwit_chain(word: &str) -> Option<&'static str> {
    let prefixed = |p: &str| {
        word.get(..p.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(p))
    };
    if !(prefixed("bc1") || prefixed("ltc1")) {
        return None;
    }
    match bech32::decode_segwit(word)?.hrp.as_str() {
        "bc" => Some("btc"),
        "ltc" => Some("ltc"),
        _ => None,
    }
}

/// Chain of a valid 25-byte Base58Check address, by version byte.
fn base58check_chain(word: &str) -> Option<&'static str> {
    let payload = base58::decode_check(word)?;
    if payload.len() != 21 {
        return None;
    }
    match payload[0] {
        0x00 | 0x05 => Some("btc"),
        0x30 | 0x32 => Some("ltc"),
        0x1e | 0x16 => Some("doge"),
        0x41 => Some("trx"),
        _ => None,
    }
}

/// EIP-55: a letter is upper case exactly when the matching nibble of
/// Keccak-256(lowercase hex) is 8 or more.
fn eip55_ok(hex: &str) -> bool {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, b)| {
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
        !b.is_ascii_alphabetic() || b.is_ascii_uppercase() == (nibble >= 8)
    })
}

/// Monero standard address or subaddress: network byte 18 or 42, two 32-byte keys, and the
/// first four bytes of Keccak-256 over the rest.
fn monero_ok(word: &str) -> bool {
    let Some(bytes) = base58::decode_monero(word) else {
        return false;
    };
    if bytes.len() != 69 || !matches!(bytes[0], 18 | 42) {
        return false;
    }
    Keccak256::digest(&bytes[..65])[..4] == bytes[65..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::base58::{encode_check, encode_monero};
    use crate::extract::bech32::encode_segwit;

    /// (value, chain) pairs found in `text`.
    fn wallets(text: &str) -> Vec<(String, String)> {
        find_wallets(text)
            .into_iter()
            .map(|f| (f.value, f.detail.unwrap_or_default()))
            .collect()
    }

    /// The address with its middle character replaced by a different one of the same alphabet.
    fn one_char_changed(address: &str) -> String {
        let mut chars: Vec<char> = address.chars().collect();
        let i = chars.len() / 2;
        let alphabet: &str = if address.starts_with("0x") {
            "0123456789abcdefABCDEF"
        } else if address.to_ascii_lowercase().starts_with("bc1")
            || address.to_ascii_lowercase().starts_with("ltc1")
        {
            "qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
        } else {
            "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        };
        let same_case: Vec<char> = alphabet
            .chars()
            .filter(|c| {
                c.is_ascii_uppercase() == chars[i].is_ascii_uppercase() || c.is_ascii_digit()
            })
            .collect();
        let pos = same_case.iter().position(|&c| c == chars[i]).unwrap_or(0);
        chars[i] = same_case[(pos + 1) % same_case.len()];
        chars.into_iter().collect()
    }

    fn payload(version: u8) -> Vec<u8> {
        let mut p = vec![version];
        p.extend((0u8..20).map(|i| i.wrapping_mul(37).wrapping_add(version)));
        p
    }

    fn monero(netbyte: u8) -> String {
        let mut bytes = vec![netbyte];
        bytes.extend((0u8..64).map(|i| i.wrapping_mul(91).wrapping_add(5)));
        let check = Keccak256::digest(&bytes);
        bytes.extend_from_slice(&check[..4]);
        encode_monero(&bytes)
    }

    /// The Monero project's published donation address.
    const MONERO_GENERAL_FUND: &str = concat!(
        "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBE",
        "t7f2wfn3RVGQBEP3A"
    );

    /// Valid addresses of every supported chain (published vectors and constructed ones).
    fn valid_addresses() -> Vec<(String, &'static str)> {
        vec![
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".into(), "btc"),
            ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy".into(), "btc"),
            ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4".into(), "btc"),
            (
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3".into(),
                "btc",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0".into(),
                "btc",
            ),
            ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(), "eth"),
            ("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into(), "eth"),
            ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t".into(), "trx"),
            (encode_check(&payload(0x41)), "trx"),
            (encode_check(&payload(0x30)), "ltc"),
            (encode_check(&payload(0x32)), "ltc"),
            (encode_segwit("ltc", 0, &[0x42; 20]), "ltc"),
            (encode_check(&payload(0x1e)), "doge"),
            (encode_check(&payload(0x16)), "doge"),
            (monero(18), "xmr"),
            (monero(42), "xmr"),
            (MONERO_GENERAL_FUND.into(), "xmr"),
        ]
    }

    #[test]
    fn accepts_valid_addresses_and_rejects_one_changed_character() {
        for (address, chain) in valid_addresses() {
            let text = format!("Pay to: {address}.");
            assert_eq!(
                wallets(&text),
                [(address.clone(), chain.to_string())],
                "{address}"
            );

            let changed = one_char_changed(&address);
            assert_ne!(changed, address);
            assert!(
                wallets(&format!("Pay to: {changed}.")).is_empty(),
                "{changed}"
            );
        }
    }

    #[test]
    fn constructed_prefixes_match_their_chains() {
        assert!(encode_check(&payload(0x41)).starts_with('T'));
        assert!(encode_check(&payload(0x30)).starts_with('L'));
        assert!(encode_check(&payload(0x32)).starts_with('M'));
        assert!(encode_check(&payload(0x1e)).starts_with('D'));
        assert!(monero(18).starts_with('4') && monero(42).starts_with('8'));
    }

    #[test]
    fn one_case_ethereum_needs_wallet_words() {
        let lower = "0xde709f2102306220921060314715629080e2fb77";
        assert!(wallets(&format!("commit {lower} merged")).is_empty());
        let found = wallets(&format!("Send USDT (ERC20) to {lower}"));
        assert_eq!(found, [(lower.to_string(), "eth".to_string())]);
        let upper = "0x52908400098527886E0F7030069857D2E4169EE7";
        assert_eq!(wallets(&format!("ETH address: {upper}")).len(), 1);
        // A 64-hex transaction hash is not an address.
        let tx = format!("wallet 0x{}", "ab".repeat(32));
        assert!(wallets(&tx).is_empty());
    }

    #[test]
    fn solana_needs_context_and_shape() {
        let mint = "So11111111111111111111111111111111111111112";
        assert_eq!(wallets(&format!("Solana address: {mint}")).len(), 1);
        assert_eq!(wallets(&format!("send 5 SOL to {mint}")).len(), 1);
        assert!(wallets(&format!("token {mint} here")).is_empty());
        // Inside a base64 blob or a path it is not reported even with context.
        assert!(wallets(&format!("wallet data:font/woff;base64,AAAA+{mint}/BBB")).is_empty());
    }

    #[test]
    fn rejects_random_and_glued_strings() {
        for text in [
            "1111111111111111111111111",
            "id_1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "3Kzh9qAqVWQhEsfQz7zEQL1EuSx5tyNLNS3Kzh9qAqVWQhEsfQz",
        ] {
            assert!(wallets(text).is_empty(), "{text}");
        }
    }
}
