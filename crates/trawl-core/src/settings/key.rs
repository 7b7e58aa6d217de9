//! Where the master key comes from, in order: `APP_SECRET_KEY`, the OS keyring, or a new key
//! made on first run and stored in the keyring.
//!
//! `APP_SECRET_KEY` holding exactly 32 bytes in base64 or hex is the key itself; any other text
//! is a passphrase, stretched with Argon2id (19 MiB, 2 passes, 1 lane) and a random salt kept
//! in `settings_meta`. A new key is only ever made when the database holds no encrypted
//! setting and no key-check value: with existing settings a missing key is an error that says
//! which source was tried. Blocking (keyring over D-Bus, Argon2): call from a blocking thread.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::crypto::MasterKey;
use super::keyring::{Keyring, KeyringError};

/// Environment variable with the master key or a passphrase.
pub const SECRET_KEY_ENV: &str = "APP_SECRET_KEY";
/// Environment variable with the new key or passphrase for `rotate-key` under
/// `APP_SECRET_KEY`.
pub const NEW_SECRET_KEY_ENV: &str = "APP_SECRET_KEY_NEW";
/// Salt length for passphrases, in bytes.
pub const SALT_LEN: usize = 16;

/// Where the key in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `APP_SECRET_KEY` holding the key's 32 bytes.
    EnvKey,
    /// `APP_SECRET_KEY` holding a passphrase.
    EnvPassphrase,
    /// An existing OS keyring entry.
    Keyring,
    /// Made on this run and stored in the OS keyring.
    Generated,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeySource::EnvKey => "APP_SECRET_KEY (raw key)",
            KeySource::EnvPassphrase => "APP_SECRET_KEY (passphrase)",
            KeySource::Keyring => "the OS keyring",
            KeySource::Generated => "a new key stored in the OS keyring",
        })
    }
}

/// Why no usable master key was found.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Neither the variable nor a keyring is available.
    #[error(
        "no master key for the encrypted settings: {SECRET_KEY_ENV} is not set and {cause}{}",
        if *existing { "; the database already holds encrypted settings, so no new key is made" }
        else { "" }
    )]
    NoSource {
        /// Why the keyring cannot be used.
        cause: KeyringError,
        /// Whether the database already holds encrypted settings.
        existing: bool,
    },
    /// The keyring works but has no key while the database holds encrypted settings.
    #[error(
        "the database holds encrypted settings but the OS keyring has no Trawl key (account \
         {0}); set {SECRET_KEY_ENV} to the key they were encrypted with (no new key is made \
         over existing settings)"
    )]
    MissingFromKeyring(String),
    /// The key does not open the key-check value.
    #[error(
        "wrong master key: the key from {0} does not match the key the settings were \
         encrypted with (key check failed); set {SECRET_KEY_ENV} to the right key or passphrase"
    )]
    WrongKey(KeySource),
    /// The keyring failed while reading or storing the key.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// Argon2 refused its input.
    #[error("deriving the key from the passphrase failed: {0}")]
    Kdf(String),
}

/// What `APP_SECRET_KEY` holds.
pub enum EnvSecret {
    /// The key's 32 bytes, given in base64 or hex.
    Key(MasterKey),
    /// Anything else: a passphrase.
    Passphrase(String),
}

/// Read a key variable's value: 32 bytes in base64 (padded or not) or hex are the key, any
/// other text is a passphrase.
pub fn parse_secret(value: &str) -> EnvSecret {
    let trimmed = value.trim();
    let decoded = STANDARD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()
        .filter(|b| b.len() == 32)
        .or_else(|| hex::decode(trimmed).ok().filter(|b| b.len() == 32));
    match decoded.and_then(|b| <[u8; 32]>::try_from(b).ok()) {
        Some(bytes) => EnvSecret::Key(MasterKey::from_bytes(bytes)),
        None => EnvSecret::Passphrase(value.to_string()),
    }
}

/// Stretch `passphrase` with Argon2id and `salt`.
pub fn derive_from_passphrase(passphrase: &str, salt: &[u8]) -> Result<MasterKey, KeyError> {
    let mut out = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| KeyError::Kdf(e.to_string()))?;
    Ok(MasterKey::from_bytes(out))
}

/// A new random salt.
pub fn new_salt() -> Vec<u8> {
    (0..SALT_LEN).map(|_| rand::random::<u8>()).collect()
}

/// Where to look for the key.
#[derive(Debug, Clone, Default)]
pub struct KeyOptions {
    /// The value of `APP_SECRET_KEY`, if set and not empty.
    pub env_secret: Option<String>,
    /// The keyring account to use; `None` never touches the keyring.
    pub keyring_account: Option<String>,
}

impl KeyOptions {
    /// `APP_SECRET_KEY` and the keyring account from the environment.
    pub fn from_env() -> KeyOptions {
        KeyOptions {
            env_secret: std::env::var(SECRET_KEY_ENV).ok().filter(|v| !v.is_empty()),
            keyring_account: Some(Keyring::account_from_env()),
        }
    }
}

/// What the database already holds that bears on the key.
#[derive(Debug, Clone, Default)]
pub struct StoredFacts {
    /// Whether any setting value is stored.
    pub has_values: bool,
    /// The stored key-check value.
    pub key_check: Option<String>,
    /// The stored passphrase salt.
    pub salt: Option<Vec<u8>>,
}

impl StoredFacts {
    fn has_encrypted_data(&self) -> bool {
        self.has_values || self.key_check.is_some()
    }
}

/// The key found and what must be recorded with it.
#[derive(Debug)]
pub struct Resolved {
    /// The master key.
    pub key: MasterKey,
    /// Where it came from.
    pub source: KeySource,
    /// A salt made for a passphrase, to be stored before any value is written.
    pub new_salt: Option<Vec<u8>>,
    /// The keyring holding the key (sources `Keyring` and `Generated`).
    pub keyring: Option<Keyring>,
}

/// Find the master key (not yet checked against the key-check value).
pub fn resolve(opts: &KeyOptions, facts: &StoredFacts) -> Result<Resolved, KeyError> {
    if let Some(secret) = &opts.env_secret {
        return from_secret(secret, facts.salt.as_deref());
    }
    let Some(account) = &opts.keyring_account else {
        return Err(KeyError::NoSource {
            cause: KeyringError::Unreachable("the keyring is disabled".into()),
            existing: facts.has_encrypted_data(),
        });
    };
    let keyring = Keyring::connect(account).map_err(|cause| KeyError::NoSource {
        cause,
        existing: facts.has_encrypted_data(),
    })?;
    if let Some(key) = keyring.load()? {
        return Ok(Resolved {
            key,
            source: KeySource::Keyring,
            new_salt: None,
            keyring: Some(keyring),
        });
    }
    if facts.has_encrypted_data() {
        return Err(KeyError::MissingFromKeyring(account.clone()));
    }
    let key = MasterKey::generate();
    keyring.store(&key)?;
    Ok(Resolved {
        key,
        source: KeySource::Generated,
        new_salt: None,
        keyring: Some(keyring),
    })
}

/// The key a variable's value names, with `salt` for a passphrase (a new salt when `None`).
pub fn from_secret(secret: &str, salt: Option<&[u8]>) -> Result<Resolved, KeyError> {
    let (key, source, new_salt) = match parse_secret(secret) {
        EnvSecret::Key(key) => (key, KeySource::EnvKey, None),
        EnvSecret::Passphrase(pass) => {
            let fresh = salt.is_none().then(new_salt);
            let salt = salt.or(fresh.as_deref()).expect("a salt either way");
            let key = derive_from_passphrase(&pass, salt)?;
            (key, KeySource::EnvPassphrase, fresh)
        }
    };
    Ok(Resolved {
        key,
        source,
        new_salt,
        keyring: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_only(secret: &str) -> KeyOptions {
        KeyOptions {
            env_secret: Some(secret.into()),
            keyring_account: None,
        }
    }

    #[test]
    fn base64_and_hex_keys_are_used_as_is() {
        let bytes: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
        let expected = MasterKey::from_bytes(bytes);
        for text in [
            STANDARD.encode(bytes),
            STANDARD_NO_PAD.encode(bytes),
            hex::encode(bytes),
            hex::encode_upper(bytes),
            format!(" {}\n", STANDARD.encode(bytes)),
        ] {
            let r = resolve(&env_only(&text), &StoredFacts::default()).unwrap();
            assert_eq!(r.key, expected, "{text}");
            assert_eq!(r.source, KeySource::EnvKey);
            assert!(r.new_salt.is_none());
        }
    }

    #[test]
    fn other_text_is_a_passphrase_with_a_stored_salt() {
        // 31 bytes in base64 and 33 bytes in hex are passphrases, not keys.
        for text in [STANDARD.encode([1u8; 31]), hex::encode([1u8; 33])] {
            assert!(matches!(parse_secret(&text), EnvSecret::Passphrase(_)));
        }
        let first = resolve(&env_only("correct horse"), &StoredFacts::default()).unwrap();
        assert_eq!(first.source, KeySource::EnvPassphrase);
        let salt = first.new_salt.clone().expect("a new salt to store");
        assert_eq!(salt.len(), SALT_LEN);

        // The next start reads the stored salt and derives the same key.
        let facts = StoredFacts {
            salt: Some(salt.clone()),
            ..Default::default()
        };
        let again = resolve(&env_only("correct horse"), &facts).unwrap();
        assert!(again.new_salt.is_none());
        assert_eq!(again.key, first.key);
        let other = resolve(&env_only("correct horsf"), &facts).unwrap();
        assert_ne!(other.key, first.key);
        let other_salt = derive_from_passphrase("correct horse", &[0u8; SALT_LEN]).unwrap();
        assert_ne!(other_salt, first.key);
    }

    #[test]
    fn no_variable_and_no_keyring_is_a_clear_error() {
        let opts = KeyOptions::default();
        let empty = resolve(&opts, &StoredFacts::default()).unwrap_err();
        assert!(
            empty.to_string().contains("APP_SECRET_KEY is not set"),
            "{empty}"
        );
        let facts = StoredFacts {
            has_values: true,
            ..Default::default()
        };
        let err = resolve(&opts, &facts).unwrap_err().to_string();
        assert!(err.contains("no new key is made"), "{err}");
    }
}
