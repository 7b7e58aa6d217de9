//! Encrypted settings in the database: open (find and check the master key), get, set,
//! unset, list, and key rotation in one transaction.
//!
//! Rows of `settings` hold `crypto::encrypt(key, name, value)`; `settings_meta` holds the
//! key-check value and the passphrase salt. Opening fails with a [`KeyError`] when the key is
//! missing or wrong, before any value is read or written. Names are checked against the schema
//! and values parsed by it. Nothing here logs a value.

use sqlx::PgPool;

use super::crypto::{self, CryptoError, MasterKey};
use super::key::{self, KeyError, KeyOptions, KeySource, NEW_SECRET_KEY_ENV, StoredFacts};
use super::keyring::Keyring;
use super::schema::{self, SettingDef};
use crate::db::Database;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// `settings_meta` key of the key-check value.
const META_KEY_CHECK: &str = "key_check";
/// `settings_meta` key of the passphrase salt (base64).
const META_SALT: &str = "passphrase_salt";

/// Why a settings operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// No usable master key (missing, unreachable keyring, wrong key).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The name is not in the schema.
    #[error("unknown setting {0:?} (`trawl settings list` shows every setting)")]
    Unknown(String),
    /// The value does not fit the setting's type.
    #[error("invalid value for {name}: {message}")]
    Invalid {
        /// The setting.
        name: String,
        /// What was expected.
        message: String,
    },
    /// A stored value could not be decrypted.
    #[error("the stored value of {name} cannot be read: {source}")]
    Decrypt {
        /// The setting.
        name: String,
        /// Why.
        source: CryptoError,
    },
    /// Rotation needs a new key it was not given.
    #[error("{0}")]
    Rotation(String),
    /// The database failed.
    #[error("settings database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// One setting and its current value.
#[derive(Debug, Clone)]
pub struct SettingValue {
    /// Its definition.
    pub def: &'static SettingDef,
    /// The stored value, else the default (`None`: unset without default).
    pub value: Option<String>,
    /// Whether a value is stored (not the default).
    pub is_set: bool,
}

impl SettingValue {
    /// The value as it may be printed: secrets masked unless `reveal`.
    pub fn shown(&self, reveal: bool) -> String {
        match &self.value {
            None => "(unset)".into(),
            Some(v) if reveal => v.clone(),
            Some(v) => self.def.display(v),
        }
    }
}

/// What a key rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// Values re-encrypted.
    pub values: usize,
    /// Where the new key lives.
    pub source: KeySource,
}

/// The settings of one database, opened with a checked master key.
pub struct SettingsStore {
    pool: PgPool,
    key: MasterKey,
    source: KeySource,
    keyring: Option<Keyring>,
}

impl SettingsStore {
    /// Open the settings of `db`, finding the key as `opts` says.
    pub async fn open(db: &Database, opts: KeyOptions) -> Result<SettingsStore, SettingsError> {
        Self::open_pool(db.pool().clone(), opts).await
    }

    /// Open the settings in a pool's database (migrated).
    pub async fn open_pool(pool: PgPool, opts: KeyOptions) -> Result<SettingsStore, SettingsError> {
        let facts = stored_facts(&pool).await?;
        let found = blocking(move || key::resolve(&opts, &facts)).await?;
        let store = SettingsStore {
            pool,
            key: found.key,
            source: found.source,
            keyring: found.keyring,
        };
        if let Some(salt) = found.new_salt {
            store.record_salt(&salt).await?;
        }
        store.check_key().await?;
        Ok(store)
    }

    /// Where the key in use came from.
    pub fn key_source(&self) -> KeySource {
        self.source
    }

    /// A setting's value (stored, else default).
    pub async fn get(&self, name: &str) -> Result<SettingValue, SettingsError> {
        let def = definition(name)?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value_encrypted FROM settings WHERE key = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        self.value_of(def, stored.as_deref())
    }

    /// Every setting of the schema with its value.
    pub async fn list(&self) -> Result<Vec<SettingValue>, SettingsError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value_encrypted FROM settings")
                .fetch_all(&self.pool)
                .await?;
        schema::SETTINGS
            .iter()
            .map(|def| {
                let stored = rows.iter().find(|(k, _)| k == def.name).map(|(_, v)| v);
                self.value_of(def, stored.map(String::as_str))
            })
            .collect()
    }

    /// Check `raw` against the setting's type and store it encrypted.
    pub async fn set(&self, name: &str, raw: &str) -> Result<SettingValue, SettingsError> {
        let def = definition(name)?;
        let value = def.parse(raw).map_err(|message| SettingsError::Invalid {
            name: name.into(),
            message,
        })?;
        sqlx::query(
            "INSERT INTO settings (key, value_encrypted, updated_at) VALUES ($1, $2, now()) \
             ON CONFLICT (key) DO UPDATE SET value_encrypted = EXCLUDED.value_encrypted, \
             updated_at = now()",
        )
        .bind(name)
        .bind(crypto::encrypt(&self.key, name, &value))
        .execute(&self.pool)
        .await?;
        Ok(SettingValue {
            def,
            value: Some(value),
            is_set: true,
        })
    }

    /// Remove a stored value (the default applies again); `false` when none was stored.
    pub async fn unset(&self, name: &str) -> Result<bool, SettingsError> {
        definition(name)?;
        let done = sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Re-encrypt every value under a new key in one transaction. Under `APP_SECRET_KEY` the
    /// new key or passphrase is `new_secret` (the CLI reads `APP_SECRET_KEY_NEW`); with the
    /// keyring a new random key replaces the entry, written just before the commit and put
    /// back if the commit fails.
    pub async fn rotate_key(
        &mut self,
        new_secret: Option<String>,
    ) -> Result<Rotation, SettingsError> {
        let (new, source, salt) = match (&self.keyring, new_secret) {
            (_, Some(secret)) => {
                let r = blocking(move || key::from_secret(&secret, None)).await?;
                let salt = r.new_salt.clone();
                (r.key, r.source, salt)
            }
            (Some(_), None) => (MasterKey::generate(), KeySource::Keyring, None),
            (None, None) => {
                return Err(SettingsError::Rotation(format!(
                    "the key comes from APP_SECRET_KEY: put the new key or passphrase in \
                     {NEW_SECRET_KEY_ENV} to rotate"
                )));
            }
        };
        // A new secret replaces a keyring key only for values; the keyring entry goes too.
        let keyring = if source == KeySource::Keyring {
            self.keyring.clone()
        } else {
            None
        };

        let mut tx = self.pool.begin().await?;
        let check: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings_meta WHERE key = $1 FOR UPDATE")
                .bind(META_KEY_CHECK)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(check) = check
            && !crypto::verify_key_check(&self.key, &check).unwrap_or(false)
        {
            return Err(KeyError::WrongKey(self.source).into());
        }
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value_encrypted FROM settings ORDER BY key FOR UPDATE")
                .fetch_all(&mut *tx)
                .await?;
        for (name, stored) in &rows {
            let plain = crypto::decrypt(&self.key, name, stored).map_err(|source| {
                SettingsError::Decrypt {
                    name: name.clone(),
                    source,
                }
            })?;
            sqlx::query(
                "UPDATE settings SET value_encrypted = $2, updated_at = now() WHERE key = $1",
            )
            .bind(name)
            .bind(crypto::encrypt(&new, name, &plain))
            .execute(&mut *tx)
            .await?;
        }
        put_meta(&mut tx, META_KEY_CHECK, &crypto::key_check(&new)).await?;
        match &salt {
            Some(salt) => put_meta(&mut tx, META_SALT, &STANDARD.encode(salt)).await?,
            None => {
                sqlx::query("DELETE FROM settings_meta WHERE key = $1")
                    .bind(META_SALT)
                    .execute(&mut *tx)
                    .await?;
            }
        }

        if let Some(keyring) = &keyring {
            let (k, n) = (keyring.clone(), new.clone());
            blocking(move || k.store(&n).map_err(KeyError::from)).await?;
        }
        if let Err(e) = tx.commit().await {
            if let Some(keyring) = keyring {
                let old = self.key.clone();
                let _ = blocking(move || keyring.store(&old).map_err(KeyError::from)).await;
            }
            return Err(e.into());
        }
        self.key = new;
        self.source = source;
        if source != KeySource::Keyring {
            self.keyring = None;
        }
        Ok(Rotation {
            values: rows.len(),
            source,
        })
    }

    fn value_of(
        &self,
        def: &'static SettingDef,
        stored: Option<&str>,
    ) -> Result<SettingValue, SettingsError> {
        let Some(stored) = stored else {
            return Ok(SettingValue {
                def,
                value: def.default.map(String::from),
                is_set: false,
            });
        };
        let value = crypto::decrypt(&self.key, def.name, stored).map_err(|source| {
            SettingsError::Decrypt {
                name: def.name.into(),
                source,
            }
        })?;
        Ok(SettingValue {
            def,
            value: Some(value),
            is_set: true,
        })
    }

    /// Store a new passphrase salt; when another process stored one first, derive again.
    async fn record_salt(&self, salt: &[u8]) -> Result<(), SettingsError> {
        let inserted = sqlx::query(
            "INSERT INTO settings_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(META_SALT)
        .bind(STANDARD.encode(salt))
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(SettingsError::Rotation(
                "another Trawl process set up the passphrase salt at the same time; run the \
                 command again"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Compare the key with the stored key-check value, or record one for a new key.
    async fn check_key(&self) -> Result<(), SettingsError> {
        let check = get_meta(&self.pool, META_KEY_CHECK).await?;
        let ok = match check {
            Some(check) => crypto::verify_key_check(&self.key, &check).unwrap_or(false),
            None => {
                // Values written before any key check: the key must open one of them.
                let sample: Option<(String, String)> =
                    sqlx::query_as("SELECT key, value_encrypted FROM settings LIMIT 1")
                        .fetch_optional(&self.pool)
                        .await?;
                let opens =
                    sample.is_none_or(|(name, v)| crypto::decrypt(&self.key, &name, &v).is_ok());
                if opens {
                    sqlx::query(
                        "INSERT INTO settings_meta (key, value) VALUES ($1, $2) \
                         ON CONFLICT (key) DO NOTHING",
                    )
                    .bind(META_KEY_CHECK)
                    .bind(crypto::key_check(&self.key))
                    .execute(&self.pool)
                    .await?;
                    // Another process may have recorded its own key first.
                    let check = get_meta(&self.pool, META_KEY_CHECK)
                        .await?
                        .unwrap_or_default();
                    crypto::verify_key_check(&self.key, &check).unwrap_or(false)
                } else {
                    false
                }
            }
        };
        if ok {
            Ok(())
        } else {
            Err(KeyError::WrongKey(self.source).into())
        }
    }
}

fn definition(name: &str) -> Result<&'static SettingDef, SettingsError> {
    schema::find(name).ok_or_else(|| SettingsError::Unknown(name.into()))
}

async fn stored_facts(pool: &PgPool) -> Result<StoredFacts, SettingsError> {
    let has_values: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM settings)")
        .fetch_one(pool)
        .await?;
    let salt = get_meta(pool, META_SALT)
        .await?
        .and_then(|s| STANDARD.decode(s).ok());
    Ok(StoredFacts {
        has_values,
        key_check: get_meta(pool, META_KEY_CHECK).await?,
        salt,
    })
}

async fn get_meta(pool: &PgPool, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM settings_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await
}

async fn put_meta(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings_meta (key, value, updated_at) VALUES ($1, $2, now()) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
    )
    .bind(key)
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Run keyring or Argon2 work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeyError> + Send + 'static,
) -> Result<T, SettingsError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SettingsError::Rotation(format!("key task failed: {e}")))?
        .map_err(SettingsError::from)
}
