//! Favicon fingerprints: the Shodan/FOFA `http.favicon.hash` value plus MD5/SHA-256 identity,
//! and the check that the bytes served as an icon really are an image.
//!
//! Shodan's value is MurmurHash3 x86 32-bit (seed 0) over the *base64 text* of the icon, where
//! the base64 is Python's `base64.encodebytes`: standard alphabet with padding, a `\n` after
//! every 76 characters and a `\n` at the end (nothing at all for empty input). The unsigned
//! result is read as a signed `i32`. Without the newlines the value silently differs, which is
//! why the encoder is written out here rather than borrowed. The 32-bit value collides, so
//! clustering uses the digests and the Shodan value is kept for pivoting only.
//!
//! Fetching the icon and deciding which URL is "the" favicon belong to the capture layer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::digest::{md5_hex, sha256_hex};

/// The pivots Trawl keeps for one favicon body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FaviconFingerprint {
    /// Shodan/FOFA `http.favicon.hash` (see [`shodan_mmh3`]).
    pub mmh3: i32,
    /// MD5 of the raw bytes, lowercase hex.
    pub md5: String,
    /// SHA-256 of the raw bytes, lowercase hex.
    pub sha256: String,
}

/// Every fingerprint of one favicon body, as received (no decoding, no re-encoding).
pub fn fingerprint_favicon(bytes: &[u8]) -> FaviconFingerprint {
    FaviconFingerprint {
        mmh3: shodan_mmh3(bytes),
        md5: md5_hex(bytes),
        sha256: sha256_hex(bytes),
    }
}

/// Shodan's favicon hash: `murmur3_x86_32(encodebytes(bytes), seed 0) as i32`, where
/// `encodebytes` is standard base64 with a `\n` after every 76 output characters and a final
/// `\n` (Python `mmh3.hash(codecs.encode(bytes, "base64"))`).
pub fn shodan_mmh3(bytes: &[u8]) -> i32 {
    murmur3_x86_32(&encodebytes(bytes), 0) as i32
}

/// Python's `base64.encodebytes`: standard base64, lines of 76 characters, each ending in `\n`.
fn encodebytes(bytes: &[u8]) -> Vec<u8> {
    let flat = STANDARD.encode(bytes);
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 76 + 1);
    for line in flat.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

/// MurmurHash3, x86 32-bit variant (Austin Appleby's `MurmurHash3_x86_32`).
fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mix = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);

    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        h ^= mix(k);
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }

    // Tail: the last 1-3 bytes, little-endian.
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k = tail
            .iter()
            .rev()
            .fold(0u32, |k, &b| (k << 8) | u32::from(b));
        h ^= mix(k);
    }

    // Finalisation mix (fmix32). The length is taken modulo 2^32, as the C code does.
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Whether `bytes` really are an image a browser would show as an icon: ICO/CUR, PNG, GIF,
/// JPEG, BMP or WebP by their signatures, or SVG text (`<svg` first, or an XML prolog, comments
/// and a doctype before `<svg`). Anything else, such as an HTML error page served with status
/// 200 at `/favicon.ico`, is rejected so it never links unrelated sites.
pub fn is_icon_image(bytes: &[u8]) -> bool {
    is_ico_or_cur(bytes)
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"GIF87a")
        || bytes.starts_with(b"GIF89a")
        || bytes.starts_with(b"\xff\xd8\xff")
        || is_bmp(bytes)
        || (bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
        || is_svg(bytes)
}

/// ICONDIR header: reserved 0, type 1 (icon) or 2 (cursor), at least one image.
fn is_ico_or_cur(bytes: &[u8]) -> bool {
    bytes.len() >= 6
        && bytes[..2] == [0, 0]
        && (bytes[2..4] == [1, 0] || bytes[2..4] == [2, 0])
        && bytes[4..6] != [0, 0]
}

/// `BM` followed by a known DIB header size at offset 14, so text starting "BM" is not taken.
fn is_bmp(bytes: &[u8]) -> bool {
    if bytes.len() < 18 || !bytes.starts_with(b"BM") {
        return false;
    }
    let dib = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
    matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// SVG text: after an optional BOM and whitespace, `<svg`, possibly preceded by an XML prolog,
/// comments and a doctype (in any order, each skipped whole).
fn is_svg(bytes: &[u8]) -> bool {
    let mut rest = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    loop {
        rest = trim_start(rest);
        if starts_with_ignore_case(rest, b"<svg")
            && rest
                .get(4)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        {
            return true;
        }
        let skipped = if rest.starts_with(b"<?") {
            skip_past(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_past(rest, b"-->")
        } else if starts_with_ignore_case(rest, b"<!doctype") {
            skip_doctype(rest)
        } else {
            None
        };
        match skipped {
            Some(after) => rest = after,
            None => return false,
        }
    }
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The bytes after the first `end` marker, or `None` when it never comes.
fn skip_past<'a>(bytes: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
    let at = bytes.windows(end.len()).position(|w| w == end)?;
    Some(&bytes[at + end.len()..])
}

/// A doctype may carry an internal subset in brackets that itself contains `>`.
fn skip_doctype(bytes: &[u8]) -> Option<&[u8]> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'>' if depth == 0 => return Some(&bytes[i + 1..]),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::test_corpus;

    #[test]
    fn murmur3_known_vectors() {
        // Values from Python mmh3 5.x (`mmh3.hash(data)`, seed 0, signed).
        assert_eq!(murmur3_x86_32(b"", 0), 0);
        assert_eq!(murmur3_x86_32(b"foo", 0) as i32, -156_908_512);
        assert_eq!(murmur3_x86_32(b"hello", 0) as i32, 613_153_351);
        assert_eq!(murmur3_x86_32(b"abcd", 0) as i32, 1_139_631_978);
        assert_eq!(murmur3_x86_32(b"abcde", 0) as i32, -392_455_434);
        let fox = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(murmur3_x86_32(fox, 0) as i32, 776_992_547);
        // Published SMHasher vectors with non-zero seeds.
        assert_eq!(murmur3_x86_32(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_x86_32(b"", 0xffff_ffff), 0x81f1_6f39);
    }

    #[test]
    fn base64_has_newline_every_76_and_at_end() {
        let text = encodebytes(&[0u8; 100]);
        let expected = format!("{}\n{}==\n", "A".repeat(76), "A".repeat(58));
        assert_eq!(String::from_utf8(text).unwrap(), expected);
        assert!(encodebytes(b"").is_empty());
        // Python: mmh3.hash(codecs.encode(b"\0" * 100, "base64")).
        assert_eq!(shodan_mmh3(&[0u8; 100]), -1_140_816_753);
    }

    #[test]
    fn icon_signatures_accepted() {
        assert!(is_icon_image(b"\x00\x00\x01\x00\x01\x00\x10\x10"));
        assert!(is_icon_image(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"));
        assert!(is_icon_image(b"GIF89a\x01\x00\x01\x00"));
        assert!(is_icon_image(b"\xff\xd8\xff\xe0\x00\x10JFIF"));
        assert!(is_icon_image(b"RIFF\x10\x00\x00\x00WEBPVP8 "));
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0; 12]);
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert!(is_icon_image(&bmp));
        assert!(is_icon_image(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
        ));
        let prolog = b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- Generator -->\n\
            <!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" [ <!ENTITY a \"b>\"> ]>\n<svg>";
        assert!(is_icon_image(prolog));
    }

    #[test]
    fn html_and_junk_rejected() {
        assert!(!is_icon_image(b""));
        assert!(!is_icon_image(
            b"<!DOCTYPE html><html><head><title>404 Not Found</title>"
        ));
        assert!(!is_icon_image(b"<html><body>favicon</body></html>"));
        assert!(!is_icon_image(b"<?xml version=\"1.0\"?><html/>"));
        assert!(!is_icon_image(b"<svgfoo>"));
        assert!(!is_icon_image(b"BMW fans welcome"));
        assert!(!is_icon_image(b"\x00\x00\x01\x00\x00\x00"));
        assert!(!is_icon_image(b"RIFF\x10\x00\x00\x00WAVEfmt "));
    }

    #[test]
    fn corpus_favicons_match_reference() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let reference = test_corpus::json(&corpus, "reference/favicons.json");
        let entries = reference.as_object().expect("favicons.json is an object");
        assert!(!entries.is_empty());
        for (name, expected) in entries {
            let bytes = std::fs::read(corpus.join("favicons").join(name)).expect("favicon file");
            let got = fingerprint_favicon(&bytes);
            assert_eq!(
                i64::from(got.mmh3),
                expected["shodan_mmh3"].as_i64().unwrap(),
                "{name}"
            );
            assert_eq!(got.md5, expected["md5"].as_str().unwrap(), "{name}");
            assert_eq!(got.sha256, expected["sha256"].as_str().unwrap(), "{name}");
            assert!(
                is_icon_image(&bytes),
                "{name} should be recognised as an image"
            );
        }
        println!(
            "favicons: {} of {} match exactly",
            entries.len(),
            entries.len()
        );
    }
}
