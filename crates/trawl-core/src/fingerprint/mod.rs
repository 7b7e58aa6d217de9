//! Fingerprints: pure functions from bytes to the values analysts pivot on.
//!
//! Every value here must equal the reference tool's output exactly (Shodan/FOFA favicon hash,
//! CIRCL HHHash, Lookyloo's domhash, Python imagehash, py-tlsh), because analysts compare them
//! with values from those tools. Each submodule states its exact definition and where it comes
//! from. Nothing here does I/O, logs, or retries: a fingerprint either has a value or, where the
//! input cannot carry one (an undecodable image, a body too short for TLSH), says so through its
//! return type. Choosing which bytes to fingerprint, storing values and deciding which ones are
//! strong or generic pivots belong to the capture and linking layers.

pub mod digest;
pub mod dom;
mod dom_tokenizer;
pub mod favicon;
pub mod headers;
mod ico;
pub mod imagehash;
mod jpeg;
mod resample;
pub mod similarity;

pub use digest::{md5_hex, sha256_hex};
pub use dom::dom_hash;
pub use favicon::{FaviconFingerprint, fingerprint_favicon, is_icon_image, shodan_mmh3};
pub use headers::hhhash;
pub use imagehash::{ImageHashError, ImageHashes, hamming, image_hashes};
pub use similarity::{tlsh, tlsh_diff};

/// Access to the shared real-input corpus for the reference-value tests.
#[cfg(test)]
pub(crate) mod test_corpus {
    use std::path::{Path, PathBuf};

    /// The corpus folder (`TRAWL_CORPUS`, else `../shared/corpus` beside the workspace), or
    /// `None` after printing why the calling test skips.
    pub fn dir() -> Option<PathBuf> {
        let path = std::env::var_os("TRAWL_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../../shared/corpus"
                ))
            });
        if path.join("reference").is_dir() {
            Some(path)
        } else {
            println!("skipping: corpus not found at {}", path.display());
            None
        }
    }

    /// A reference JSON file of the corpus, parsed.
    pub fn json(corpus: &Path, relative: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(corpus.join(relative))
            .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {relative}: {e}"))
    }

    /// The entry page of sample `id` (`phish/<id>/meta.json` field `entry`).
    pub fn entry_page(corpus: &Path, id: &str) -> PathBuf {
        let sample = corpus.join("phish").join(id);
        let meta = json(corpus, &format!("phish/{id}/meta.json"));
        sample.join(meta["entry"].as_str().expect("meta.json has an entry"))
    }
}
