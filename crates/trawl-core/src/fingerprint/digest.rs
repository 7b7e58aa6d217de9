//! Plain cryptographic digests of bytes as lowercase hex, the identity every other fingerprint
//! and every asset record leans on. No policy lives here: callers decide what they hash.

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// MD5 of `bytes` as 32 lowercase hex characters (Python `hashlib.md5(b).hexdigest()`).
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// SHA-256 of `bytes` as 64 lowercase hex characters (Python `hashlib.sha256(b).hexdigest()`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_known_vectors() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
