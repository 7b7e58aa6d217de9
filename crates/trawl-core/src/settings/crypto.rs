//! Encryption of one setting value: AES-256-GCM under the master key.
//!
//! Stored format: `v1:` followed by base64 (standard alphabet, padded) of
//! `version byte (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. Every value gets a fresh random
//! 96-bit nonce; the setting's name is the associated data, so a ciphertext copied under
//! another name fails to decrypt. The version byte is inside the authenticated blob's framing
//! and checked against the text prefix, so a changed version is refused before decryption.
//! The key-check value is the encryption of a fixed text under a reserved name: decrypting it
//! proves the key is the one that encrypted the settings. Errors never carry plaintext.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The version byte of values this build writes.
pub const FORMAT_VERSION: u8 = 1;
/// Text prefix of version-1 values.
const PREFIX: &str = "v1:";
/// Nonce length in bytes (96 bits).
const NONCE_LEN: usize = 12;
/// Tag length in bytes.
const TAG_LEN: usize = 16;
/// Associated data of the key-check value (no setting can have this name).
const KEY_CHECK_NAME: &str = "\0trawl-key-check";
/// Plaintext of the key-check value.
const KEY_CHECK_TEXT: &str = "trawl settings key check v1";

/// A 256-bit master key. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(bytes)
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> MasterKey {
        let key = Aes256Gcm::generate_key(OsRng);
        MasterKey(key.into())
    }

    /// The key's bytes (to store it in the keyring).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        // Best effort: volatile writes so the compiler keeps the wipe.
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference to a byte.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// Why a stored value could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Not `v<N>:` + base64, or too short to hold a nonce and a tag.
    #[error("the stored value is not in the encrypted-setting format")]
    Format,
    /// A version this build does not know, or a blob whose version byte does not match its
    /// text prefix.
    #[error("the stored value has format version {0}, which this Trawl does not support")]
    UnsupportedVersion(u8),
    /// Wrong key, a changed byte, or a value stored under another setting's name.
    #[error("the stored value failed authentication (wrong key, or the value was altered)")]
    Authentication,
}

/// Encrypt `plaintext` for the setting `name`.
pub fn encrypt(key: &MasterKey, name: &str, plaintext: &str) -> String {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let payload = Payload {
        msg: plaintext.as_bytes(),
        aad: name.as_bytes(),
    };
    // Encryption only fails for messages beyond GCM's 64 GiB limit.
    let sealed = key
        .cipher()
        .encrypt(&nonce, payload)
        .expect("AES-GCM encryption of a setting cannot fail");
    let mut blob = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    blob.push(FORMAT_VERSION);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    format!("{PREFIX}{}", STANDARD.encode(blob))
}

/// Decrypt a value stored for the setting `name`.
pub fn decrypt(key: &MasterKey, name: &str, stored: &str) -> Result<String, CryptoError> {
    let (version, rest) = stored.split_once(':').ok_or(CryptoError::Format)?;
    let version = version
        .strip_prefix('v')
        .and_then(|v| v.parse::<u8>().ok())
        .ok_or(CryptoError::Format)?;
    if version != FORMAT_VERSION {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    let blob = STANDARD.decode(rest).map_err(|_| CryptoError::Format)?;
    if blob.len() < 1 + NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Format);
    }
    if blob[0] != FORMAT_VERSION {
        return Err(CryptoError::UnsupportedVersion(blob[0]));
    }
    let nonce = Nonce::from_slice(&blob[1..1 + NONCE_LEN]);
    let payload = Payload {
        msg: &blob[1 + NONCE_LEN..],
        aad: name.as_bytes(),
    };
    let plain = key
        .cipher()
        .decrypt(nonce, payload)
        .map_err(|_| CryptoError::Authentication)?;
    String::from_utf8(plain).map_err(|_| CryptoError::Format)
}

/// A new key-check value for `key`.
pub fn key_check(key: &MasterKey) -> String {
    encrypt(key, KEY_CHECK_NAME, KEY_CHECK_TEXT)
}

/// Whether `check` was made by [`key_check`] with this `key`.
pub fn verify_key_check(key: &MasterKey, check: &str) -> Result<bool, CryptoError> {
    match decrypt(key, KEY_CHECK_NAME, check) {
        Ok(text) => Ok(text == KEY_CHECK_TEXT),
        Err(CryptoError::Authentication) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes([byte; 32])
    }

    fn blob(stored: &str) -> Vec<u8> {
        STANDARD
            .decode(stored.strip_prefix(PREFIX).unwrap())
            .unwrap()
    }

    fn seal(blob: &[u8]) -> String {
        format!("{PREFIX}{}", STANDARD.encode(blob))
    }

    #[test]
    fn round_trip_and_fresh_nonce_per_value() {
        let k = key(7);
        let a = encrypt(&k, "fofa.api_key", "s3cret-value");
        let b = encrypt(&k, "fofa.api_key", "s3cret-value");
        assert_ne!(
            a, b,
            "two encryptions of one value must differ (fresh nonce)"
        );
        assert_ne!(blob(&a)[1..13], blob(&b)[1..13]);
        assert!(a.starts_with("v1:"), "{a}");
        assert!(!a.contains("s3cret"));
        assert_eq!(decrypt(&k, "fofa.api_key", &a).unwrap(), "s3cret-value");
        assert_eq!(decrypt(&k, "fofa.api_key", &b).unwrap(), "s3cret-value");
        assert_eq!(decrypt(&k, "x", &encrypt(&k, "x", "")).unwrap(), "");
    }

    #[test]
    fn tampering_with_any_byte_of_the_blob_fails() {
        let k = key(1);
        let stored = encrypt(&k, "urlscan.api_key", "abcdef0123456789");
        let original = blob(&stored);
        for i in 0..original.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = original.clone();
                bad[i] ^= flip;
                let result = decrypt(&k, "urlscan.api_key", &seal(&bad));
                assert!(result.is_err(), "byte {i} ^ {flip:#x} was accepted");
            }
        }
        // Truncation and extension fail too.
        assert!(
            decrypt(
                &k,
                "urlscan.api_key",
                &seal(&original[..original.len() - 1])
            )
            .is_err()
        );
        let mut longer = original.clone();
        longer.push(0);
        assert!(decrypt(&k, "urlscan.api_key", &seal(&longer)).is_err());
    }

    #[test]
    fn tampering_with_any_character_of_the_stored_text_fails() {
        let k = key(2);
        let stored = encrypt(&k, "search.api_key", "key-123");
        for (i, c) in stored.char_indices() {
            for replacement in ['A', 'z', '0', '+', ':', '='] {
                if replacement == c {
                    continue;
                }
                let mut bad = stored.clone();
                bad.replace_range(i..i + 1, &replacement.to_string());
                let result = decrypt(&k, "search.api_key", &bad);
                assert!(
                    result.is_err(),
                    "char {i} {c:?} -> {replacement:?} was accepted"
                );
            }
        }
    }

    #[test]
    fn swapped_ciphertexts_fail() {
        let k = key(3);
        let fofa = encrypt(&k, "fofa.api_key", "fofa-secret");
        let urlscan = encrypt(&k, "urlscan.api_key", "urlscan-secret");
        assert_eq!(
            decrypt(&k, "fofa.api_key", &urlscan),
            Err(CryptoError::Authentication)
        );
        assert_eq!(
            decrypt(&k, "urlscan.api_key", &fofa),
            Err(CryptoError::Authentication)
        );
    }

    #[test]
    fn wrong_key_fails_and_key_check_detects_it() {
        let stored = encrypt(&key(4), "n", "value");
        assert_eq!(
            decrypt(&key(5), "n", &stored),
            Err(CryptoError::Authentication)
        );
        let check = key_check(&key(4));
        assert_eq!(verify_key_check(&key(4), &check), Ok(true));
        assert_eq!(verify_key_check(&key(5), &check), Ok(false));
        assert_eq!(verify_key_check(&key(4), "junk"), Err(CryptoError::Format));
    }

    #[test]
    fn version_byte_and_prefix_are_checked() {
        let k = key(6);
        let stored = encrypt(&k, "n", "value");
        assert_eq!(blob(&stored)[0], FORMAT_VERSION);
        let v2 = stored.replacen("v1:", "v2:", 1);
        assert_eq!(
            decrypt(&k, "n", &v2),
            Err(CryptoError::UnsupportedVersion(2))
        );
        let mut inner = blob(&stored);
        inner[0] = 9;
        assert_eq!(
            decrypt(&k, "n", &seal(&inner)),
            Err(CryptoError::UnsupportedVersion(9))
        );
        assert_eq!(decrypt(&k, "n", "value"), Err(CryptoError::Format));
        assert_eq!(decrypt(&k, "n", "v1:AAAA"), Err(CryptoError::Format));
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(format!("{:?}", key(0xab)), "MasterKey(<redacted>)");
    }
}
