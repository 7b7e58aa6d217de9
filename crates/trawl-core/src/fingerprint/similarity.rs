//! Fuzzy similarity of page bodies with TLSH, in py-tlsh's exact text format, so near-duplicate
//! kits that exact hashes miss still link and the values pivot with other tools.
//!
//! TLSH here is the default flavour (128 buckets, 1-byte checksum) built by the `tlsh2` crate,
//! which was checked to give py-tlsh 5.0's strings byte for byte. py-tlsh's `tlsh.hash()` writes
//! the version prefix: `T1` followed by 70 uppercase hex characters. When the input is too
//! short (under 50 bytes) or too uniform, py-tlsh returns `TNULL`; here that is `None`.
//! Deciding which distance counts as "the same kit" is the linking layer's job.

use std::str::FromStr;

use tlsh2::{TlshDefault, TlshDefaultBuilder};

/// TLSH of `bytes` as py-tlsh's `tlsh.hash()` writes it (`T1` + 70 hex), or `None` where
/// py-tlsh returns `TNULL` (fewer than 50 bytes, or not enough distinct byte triplets).
pub fn tlsh(bytes: &[u8]) -> Option<String> {
    let digest = TlshDefaultBuilder::build_from(bytes)?;
    String::from_utf8(digest.hash().to_vec()).ok()
}

/// py-tlsh's `tlsh.diff(a, b)`: the distance with the length term included (0 = identical
/// digests, larger = less alike, no upper bound). Accepts digests with or without the `T1`
/// prefix, like py-tlsh; `None` when either is not a valid default-flavour digest.
pub fn tlsh_diff(a: &str, b: &str) -> Option<i32> {
    Some(parse(a)?.diff(&parse(b)?, true))
}

fn parse(digest: &str) -> Option<TlshDefault> {
    let digest = digest.trim();
    if digest.len() == 70 {
        TlshDefault::from_str(&format!("T1{digest}")).ok()
    } else {
        TlshDefault::from_str(digest).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::test_corpus;

    const LOREM: &[u8] = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit";
    const DUIS: &[u8] = b"Duis aute irure dolor in reprehenderit in voluptate velit esse cillum \
        dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in \
        culpa qui officia";

    #[test]
    fn py_tlsh_vectors() {
        // Values printed by py-tlsh 5.0 for the same bytes.
        let a = tlsh(LOREM).unwrap();
        let b = tlsh(DUIS).unwrap();
        assert_eq!(
            a,
            "T12D900249414E0BD59A46503F3ADA802AE50825242B2590561CF690599112214C051556"
        );
        assert_eq!(
            b,
            "T19CC0C023630943007D33007C60200FDEAD80C0120128BA698CC2DC4634D06C034F8D90"
        );
        assert_eq!(tlsh_diff(&a, &b), Some(280));
        assert_eq!(tlsh_diff(&a[2..], &b), Some(280));
        assert_eq!(tlsh_diff(&a, &a), Some(0));
    }

    #[test]
    fn short_input_is_tnull() {
        assert_eq!(tlsh(b"short"), None);
        assert_eq!(tlsh(&[b'a'; 200]), None);
    }

    #[test]
    fn malformed_digest_has_no_distance() {
        assert_eq!(tlsh_diff("TNULL", "TNULL"), None);
        assert_eq!(tlsh_diff("T1XYZ", "T1XYZ"), None);
    }

    #[test]
    fn corpus_pages_and_group_pairs_match_reference() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let pages = test_corpus::json(&corpus, "reference/pages.json");
        let pages = pages.as_object().expect("pages.json is an object");
        let mut ours = std::collections::HashMap::new();
        for (id, expected) in pages {
            let entry = test_corpus::entry_page(&corpus, id);
            let got = tlsh(&std::fs::read(&entry).expect("entry page"));
            assert_eq!(got.as_deref(), expected["tlsh"].as_str(), "{id}");
            ours.insert(id.clone(), got);
        }
        let pairs = test_corpus::json(&corpus, "reference/group_pairs.json");
        let pairs = pairs.as_array().expect("group_pairs.json is an array");
        for pair in pairs {
            let (a, b) = (pair["a"].as_str().unwrap(), pair["b"].as_str().unwrap());
            let diff = match (&ours[a], &ours[b]) {
                (Some(x), Some(y)) => tlsh_diff(x, y).map(i64::from),
                _ => None,
            };
            assert_eq!(diff, pair["tlsh_diff"].as_i64(), "{a} vs {b}");
        }
        println!(
            "tlsh: {0} of {0} pages, {1} of {1} group pairs match",
            pages.len(),
            pairs.len()
        );
    }
}
