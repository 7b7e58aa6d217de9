//! Base58 decoding in the two flavours wallet addresses use: Bitcoin's (one big number, with the
//! Base58Check double-SHA-256 checksum) and Monero's (fixed 8-byte blocks, checksum left to the
//! caller because Monero uses Keccak-256).
//!
//! Only decoding is needed by the extractor; the encoders exist for tests, which build valid
//! addresses from known payloads. Invalid input is reported as `None`: a string that does not
//! decode is simply not a wallet.

use sha2::{Digest, Sha256};

/// The Bitcoin base58 alphabet (no `0`, `O`, `I`, `l`).
const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Encoded length of a Monero block of 0..=8 bytes.
const XMR_BLOCK_CHARS: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];

/// Value of one base58 character, or `None` outside the alphabet.
fn digit(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Whether every character of `s` is in the base58 alphabet.
pub(crate) fn is_base58(s: &str) -> bool {
    s.bytes().all(|b| digit(b).is_some())
}

/// Decodes Bitcoin-style base58 (leading `1`s become leading zero bytes).
pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
    let zeros = s.bytes().take_while(|&b| b == b'1').count();

    // Little-endian big number, multiplied by 58 and added to for each character.
    let mut num: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes().skip(zeros) {
        let mut carry = digit(c)?;
        for byte in num.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            num.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }

    let mut out = vec![0u8; zeros];
    out.extend(num.iter().rev());
    Some(out)
}

/// First four bytes of SHA-256(SHA-256(data)).
fn checksum(data: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(data));
    [twice[0], twice[1], twice[2], twice[3]]
}

/// Decodes Base58Check and returns the payload (version byte included) when the checksum holds.
pub(crate) fn decode_check(s: &str) -> Option<Vec<u8>> {
    let mut raw = decode(s)?;
    if raw.len() < 5 {
        return None;
    }
    let split = raw.len() - 4;
    if checksum(&raw[..split])[..] != raw[split..] {
        return None;
    }
    raw.truncate(split);
    Some(raw)
}

/// Decodes Monero's block base58: 11 characters per 8-byte block, a shorter final block.
pub(crate) fn decode_monero(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 11 + 8);
    for block in bytes.chunks(11) {
        let size = XMR_BLOCK_CHARS.iter().position(|&n| n == block.len())?;
        let mut value: u128 = 0;
        for &c in block {
            value = value * 58 + u128::from(digit(c)?);
        }
        // The block must fit in `size` bytes, otherwise the encoding is not canonical.
        if (size < 8 && value >> (8 * size) != 0) || value > u128::from(u64::MAX) {
            return None;
        }
        out.extend_from_slice(&value.to_be_bytes()[16 - size..]);
    }
    Some(out)
}

/// Encodes bytes as Bitcoin-style base58 (test helper).
#[cfg(test)]
pub(crate) fn encode(data: &[u8]) -> String {
    let zeros = data.iter().take_while(|&&b| b == 0).count();
    let mut digits: Vec<u8> = Vec::new();
    for &byte in &data[zeros..] {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = "1".repeat(zeros);
    out.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    out
}

/// Encodes a payload with its Base58Check checksum (test helper).
#[cfg(test)]
pub(crate) fn encode_check(payload: &[u8]) -> String {
    let mut full = payload.to_vec();
    full.extend_from_slice(&checksum(payload));
    encode(&full)
}

/// Encodes bytes in Monero's block base58 (test helper).
#[cfg(test)]
pub(crate) fn encode_monero(data: &[u8]) -> String {
    let mut out = String::new();
    for block in data.chunks(8) {
        let mut value: u128 = 0;
        for &b in block {
            value = (value << 8) | u128::from(b);
        }
        let width = XMR_BLOCK_CHARS[block.len()];
        let mut chars = vec![b'1'; width];
        for slot in chars.iter_mut().rev() {
            *slot = ALPHABET[(value % 58) as usize];
            value /= 58;
        }
        out.push_str(std::str::from_utf8(&chars).expect("alphabet is ASCII"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_value_and_leading_ones() {
        // "2g" is 0x61 ("a") in Bitcoin's alphabet: 1 * 58 + 39 = 97.
        assert_eq!(decode("2g"), Some(vec![0x61]));
        assert_eq!(decode("112g"), Some(vec![0, 0, 0x61]));
        assert_eq!(decode("0OIl"), None);
    }

    #[test]
    fn round_trips_and_checks() {
        let payload = [0u8, 1, 2, 3, 250, 251, 252];
        let text = encode_check(&payload);
        assert_eq!(decode_check(&text), Some(payload.to_vec()));

        // Flipping one character breaks the checksum.
        let mut broken = text.into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'2' { b'3' } else { b'2' };
        assert_eq!(decode_check(std::str::from_utf8(&broken).unwrap()), None);
    }

    #[test]
    fn monero_blocks_round_trip() {
        let data: Vec<u8> = (0u8..69).collect();
        let text = encode_monero(&data);
        assert_eq!(text.len(), 95);
        assert_eq!(decode_monero(&text), Some(data));

        // A 2-character block can only hold one byte: "zz" (58*58-1) overflows it.
        assert_eq!(decode_monero("zz"), None);
        // Eleven characters above u64::MAX are not a block.
        assert_eq!(decode_monero("zzzzzzzzzzz"), None);
    }
}
