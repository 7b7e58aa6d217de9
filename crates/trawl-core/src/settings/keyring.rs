//! The master key in the operating system's keyring (Secret Service on Linux).
//!
//! Uses the `keyring` crate's Secret Service store; the crate silently falls back to an
//! in-memory mock when no store is compiled in, so [`Keyring::connect`] checks that entries
//! really are Secret Service credentials and runs a self-test (write, read back, delete a probe
//! entry) before the keyring is trusted. Every failure names the keyring and what to do; no
//! error or log line carries the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use keyring::Entry;

use super::crypto::MasterKey;

/// Keyring service name of Trawl's entries.
pub const SERVICE: &str = "trawl";
/// Default account name of the master key entry.
pub const DEFAULT_ACCOUNT: &str = "settings-master-key";
/// Environment variable overriding the account name (separate keys for separate data).
pub const ACCOUNT_ENV: &str = "TRAWL_KEYRING_ACCOUNT";

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No Secret Service answered, or it refused access (locked, no session bus).
    #[error(
        "no usable OS keyring (Secret Service): {0}; start a Secret Service (e.g. \
         gnome-keyring) in this session or set APP_SECRET_KEY"
    )]
    Unreachable(String),
    /// The keyring answered but an operation on the entry failed.
    #[error("OS keyring {operation} failed: {message}")]
    Operation {
        /// What was attempted.
        operation: &'static str,
        /// The keyring's message.
        message: String,
    },
    /// The stored entry is not a 32-byte key in base64.
    #[error("the keyring entry {SERVICE}/{0} does not hold a valid Trawl master key")]
    Malformed(String),
}

/// A checked connection to the keyring, bound to one account name.
#[derive(Debug, Clone)]
pub struct Keyring {
    account: String,
}

impl Keyring {
    /// The account from `TRAWL_KEYRING_ACCOUNT`, else [`DEFAULT_ACCOUNT`].
    pub fn account_from_env() -> String {
        std::env::var(ACCOUNT_ENV)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string())
    }

    /// Check the Secret Service is reachable and works (self-test with a probe entry), and
    /// bind to `account`.
    pub fn connect(account: &str) -> Result<Keyring, KeyringError> {
        self_test()?;
        Ok(Keyring {
            account: account.to_string(),
        })
    }

    /// The account name of the master key entry.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The stored master key, `None` when there is no entry.
    pub fn load(&self) -> Result<Option<MasterKey>, KeyringError> {
        let entry = entry(&self.account)?;
        match entry.get_password() {
            Ok(text) => decode_key(&text)
                .map(Some)
                .ok_or_else(|| KeyringError::Malformed(self.account.clone())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(operation("read", e)),
        }
    }

    /// Store `key` (replacing any entry) and read it back.
    pub fn store(&self, key: &MasterKey) -> Result<(), KeyringError> {
        let entry = entry(&self.account)?;
        entry
            .set_password(&STANDARD.encode(key.as_bytes()))
            .map_err(|e| operation("write", e))?;
        match self.load()? {
            Some(back) if &back == key => Ok(()),
            _ => Err(KeyringError::Operation {
                operation: "write",
                message: "the key read back differs from the key written".into(),
            }),
        }
    }

    /// Delete the entry; `false` when there was none.
    pub fn delete(&self) -> Result<bool, KeyringError> {
        match entry(&self.account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(operation("delete", e)),
        }
    }
}

/// Write, read back and delete a probe entry; fails unless a real Secret Service did it.
pub fn self_test() -> Result<(), KeyringError> {
    let account = format!("self-test-{}", std::process::id());
    let probe = entry(&account)?;
    let value = format!("probe-{}", rand::random::<u64>());
    probe.set_password(&value).map_err(unreachable)?;
    let back = probe.get_password().map_err(unreachable);
    let deleted = probe.delete_credential().map_err(unreachable);
    if back? != value {
        return Err(KeyringError::Unreachable(
            "the self-test read back a different value".into(),
        ));
    }
    deleted?;
    match probe.get_password() {
        Err(keyring::Error::NoEntry) => Ok(()),
        _ => Err(KeyringError::Unreachable(
            "the self-test probe entry survived its deletion".into(),
        )),
    }
}

fn entry(account: &str) -> Result<Entry, KeyringError> {
    let entry = Entry::new(SERVICE, account).map_err(unreachable)?;
    // Without a compiled-in store the crate hands out in-memory mock entries.
    let real = entry
        .get_credential()
        .downcast_ref::<keyring::secret_service::SsCredential>()
        .is_some();
    if !real {
        return Err(KeyringError::Unreachable(
            "this build has no Secret Service support (in-memory mock store)".into(),
        ));
    }
    Ok(entry)
}

fn decode_key(text: &str) -> Option<MasterKey> {
    let bytes: [u8; 32] = STANDARD.decode(text.trim()).ok()?.try_into().ok()?;
    Some(MasterKey::from_bytes(bytes))
}

fn unreachable(e: keyring::Error) -> KeyringError {
    KeyringError::Unreachable(e.to_string())
}

fn operation(operation: &'static str, e: keyring::Error) -> KeyringError {
    KeyringError::Operation {
        operation,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyring, or a printed reason to skip (no Secret Service outside `.ci/run`).
    fn keyring_or_skip(account: &str) -> Option<Keyring> {
        match Keyring::connect(account) {
            Ok(k) => Some(k),
            Err(e) => {
                println!("skipping: no Secret Service reachable ({e})");
                None
            }
        }
    }

    #[test]
    fn stores_reads_and_deletes_a_key() {
        let account = format!("unit-test-{}", std::process::id());
        let Some(keyring) = keyring_or_skip(&account) else {
            return;
        };
        assert!(keyring.load().unwrap().is_none());
        let key = MasterKey::generate();
        keyring.store(&key).unwrap();
        assert_eq!(keyring.load().unwrap(), Some(key.clone()));

        // A second handle (as a new start would make) sees the same key.
        let again = Keyring::connect(&account).unwrap();
        assert_eq!(again.load().unwrap(), Some(key));

        assert!(keyring.delete().unwrap());
        assert!(keyring.load().unwrap().is_none());
        assert!(!keyring.delete().unwrap());
    }

    #[test]
    fn malformed_entries_are_refused() {
        assert!(decode_key("not base64!").is_none());
        assert!(decode_key(&STANDARD.encode([1u8; 16])).is_none());
        assert!(decode_key(&STANDARD.encode([1u8; 32])).is_some());
    }
}
