//! Encrypted settings on a real Postgres: values round-trip and are stored encrypted, a
//! ciphertext moved to another setting or altered is refused, a wrong key is refused at open
//! with a clear message, a passphrase key needs its stored salt, and key rotation leaves every
//! value readable under the new key only. Keys come from `APP_SECRET_KEY`-style options, so
//! these tests never touch the OS keyring.

#[path = "../../../tests/support/pgserver.rs"]
mod pgserver;

use sqlx::PgPool;
use trawl_core::db::migrate;
use trawl_core::settings::crypto::{self, MasterKey};
use trawl_core::settings::key::{self, EnvSecret};
use trawl_core::settings::{KeyOptions, KeySource, SettingsError, SettingsStore};

const FOFA: &str = "fofa-0123456789abcdef-SECRET";
const URLSCAN: &str = "urlscan-fedcba9876543210-SECRET";

fn opts(secret: &str) -> KeyOptions {
    KeyOptions {
        env_secret: Some(secret.into()),
        keyring_account: None,
    }
}

fn raw_key(byte: u8) -> String {
    hex::encode([byte; 32])
}

async fn fresh_pool(server: &pgserver::TestServer) -> PgPool {
    let pool = PgPool::connect(&server.fresh_database().await)
        .await
        .unwrap();
    migrate::migrate(&pool).await.unwrap();
    pool
}

async fn stored(pool: &PgPool, name: &str) -> String {
    sqlx::query_scalar("SELECT value_encrypted FROM settings WHERE key = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn put(pool: &PgPool, name: &str, value: &str) {
    sqlx::query("UPDATE settings SET value_encrypted = $2 WHERE key = $1")
        .bind(name)
        .bind(value)
        .execute(pool)
        .await
        .unwrap();
}

fn key_of(secret: &str) -> MasterKey {
    match key::parse_secret(secret) {
        EnvSecret::Key(k) => k,
        EnvSecret::Passphrase(_) => panic!("not a raw key"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_round_trip_encrypted_and_moved_or_altered_values_fail() {
    let server = pgserver::TestServer::start();
    let pool = fresh_pool(&server).await;
    let store = SettingsStore::open_pool(pool.clone(), opts(&raw_key(1)))
        .await
        .unwrap();
    assert_eq!(store.key_source(), KeySource::EnvKey);

    store.set("fofa.api_key", FOFA).await.unwrap();
    store.set("urlscan.api_key", URLSCAN).await.unwrap();
    store.set("capture.concurrency", " 12 ").await.unwrap();
    assert_eq!(
        store.get("fofa.api_key").await.unwrap().value.as_deref(),
        Some(FOFA)
    );
    let conc = store.get("capture.concurrency").await.unwrap();
    assert_eq!((conc.value.as_deref(), conc.is_set), (Some("12"), true));
    let mode = store.get("capture.mode").await.unwrap();
    assert_eq!((mode.value.as_deref(), mode.is_set), (Some("fast"), false));
    assert!(
        !store
            .get("fofa.api_key")
            .await
            .unwrap()
            .shown(false)
            .contains("SECRET")
    );
    assert!(matches!(
        store.set("capture.concurrency", "lots").await,
        Err(SettingsError::Invalid { .. })
    ));
    assert!(matches!(
        store.get("nope").await,
        Err(SettingsError::Unknown(_))
    ));

    // Nothing in clear in the table.
    let all: Vec<String> = sqlx::query_scalar("SELECT t::text FROM settings t")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .all(|row| !row.contains("SECRET") && row.contains("v1:"))
    );

    // A new start reads them back.
    let again = SettingsStore::open_pool(pool.clone(), opts(&raw_key(1)))
        .await
        .unwrap();
    assert_eq!(
        again
            .list()
            .await
            .unwrap()
            .iter()
            .filter(|s| s.is_set)
            .count(),
        3
    );

    // Swapping two settings' ciphertexts fails both.
    let (fofa, urlscan) = (
        stored(&pool, "fofa.api_key").await,
        stored(&pool, "urlscan.api_key").await,
    );
    put(&pool, "fofa.api_key", &urlscan).await;
    put(&pool, "urlscan.api_key", &fofa).await;
    for name in ["fofa.api_key", "urlscan.api_key"] {
        let err = again.get(name).await.unwrap_err();
        assert!(matches!(err, SettingsError::Decrypt { .. }), "{err}");
    }
    assert!(again.list().await.is_err());

    // Altering one character of a stored value fails.
    put(&pool, "fofa.api_key", &fofa).await;
    let mut altered = fofa.clone().into_bytes();
    let last = altered.len() - 3;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    put(
        &pool,
        "fofa.api_key",
        std::str::from_utf8(&altered).unwrap(),
    )
    .await;
    assert!(again.get("fofa.api_key").await.is_err());

    // Unset brings the default back.
    assert!(again.unset("capture.concurrency").await.unwrap());
    assert!(!again.unset("capture.concurrency").await.unwrap());
    let conc = again.get("capture.concurrency").await.unwrap();
    assert_eq!((conc.value.as_deref(), conc.is_set), (Some("8"), false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused_at_open_with_a_clear_message() {
    let server = pgserver::TestServer::start();
    let pool = fresh_pool(&server).await;
    let store = SettingsStore::open_pool(pool.clone(), opts(&raw_key(1)))
        .await
        .unwrap();
    store.set("fofa.api_key", FOFA).await.unwrap();

    let err = SettingsStore::open_pool(pool.clone(), opts(&raw_key(2)))
        .await
        .err()
        .expect("a wrong key must not open the settings");
    let message = err.to_string();
    assert!(message.contains("wrong master key"), "{message}");
    assert!(message.contains("APP_SECRET_KEY"), "{message}");

    // A passphrase is not the raw key either.
    assert!(
        SettingsStore::open_pool(pool.clone(), opts("a passphrase"))
            .await
            .is_err()
    );

    // No key source at all over existing settings: refused, and no new key made.
    let none = KeyOptions::default();
    let message = SettingsStore::open_pool(pool.clone(), none)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("no new key is made"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passphrase_key_uses_its_stored_salt() {
    let server = pgserver::TestServer::start();
    let pool = fresh_pool(&server).await;
    let store = SettingsStore::open_pool(pool.clone(), opts("correct horse battery"))
        .await
        .unwrap();
    assert_eq!(store.key_source(), KeySource::EnvPassphrase);
    store.set("urlscan.api_key", URLSCAN).await.unwrap();
    let salt: String =
        sqlx::query_scalar("SELECT value FROM settings_meta WHERE key = 'passphrase_salt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!salt.is_empty());

    let again = SettingsStore::open_pool(pool.clone(), opts("correct horse battery"))
        .await
        .unwrap();
    assert_eq!(
        again.get("urlscan.api_key").await.unwrap().value.as_deref(),
        Some(URLSCAN)
    );
    assert!(
        SettingsStore::open_pool(pool.clone(), opts("correct horse battery!"))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_leaves_every_value_readable_under_the_new_key_only() {
    let server = pgserver::TestServer::start();
    let pool = fresh_pool(&server).await;
    let (old, new) = (raw_key(1), raw_key(9));
    let mut store = SettingsStore::open_pool(pool.clone(), opts(&old))
        .await
        .unwrap();
    let values = [
        ("fofa.api_key", FOFA),
        ("urlscan.api_key", URLSCAN),
        ("capture.mode", "full"),
        ("guard.allow_private_targets", "true"),
    ];
    for (name, value) in values {
        store.set(name, value).await.unwrap();
    }
    let before: Vec<String> =
        sqlx::query_scalar("SELECT value_encrypted FROM settings ORDER BY key")
            .fetch_all(&pool)
            .await
            .unwrap();

    // Under APP_SECRET_KEY rotation needs the new key.
    assert!(matches!(
        store.rotate_key(None).await,
        Err(SettingsError::Rotation(_))
    ));
    let done = store.rotate_key(Some(new.clone())).await.unwrap();
    assert_eq!(done.values, values.len());
    assert_eq!(done.source, KeySource::EnvKey);

    // The same handle, and a new start with the new key, read every value.
    let reopened = SettingsStore::open_pool(pool.clone(), opts(&new))
        .await
        .unwrap();
    for (name, value) in values {
        assert_eq!(store.get(name).await.unwrap().value.as_deref(), Some(value));
        assert_eq!(
            reopened.get(name).await.unwrap().value.as_deref(),
            Some(value)
        );
    }

    // Every stored value changed, and none opens under the old key.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value_encrypted FROM settings ORDER BY key")
            .fetch_all(&pool)
            .await
            .unwrap();
    for ((name, now), was) in rows.iter().zip(&before) {
        assert_ne!(now, was, "{name} was not re-encrypted");
        assert!(crypto::decrypt(&key_of(&old), name, now).is_err(), "{name}");
        assert!(crypto::decrypt(&key_of(&new), name, now).is_ok(), "{name}");
    }
    let err = SettingsStore::open_pool(pool.clone(), opts(&old))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("wrong master key"), "{err}");

    // Rotating to a passphrase records a salt; back to a raw key removes it.
    let mut store = reopened;
    store
        .rotate_key(Some("new passphrase".into()))
        .await
        .unwrap();
    let by_pass = SettingsStore::open_pool(pool.clone(), opts("new passphrase"))
        .await
        .unwrap();
    assert_eq!(
        by_pass.get("fofa.api_key").await.unwrap().value.as_deref(),
        Some(FOFA)
    );
    store.rotate_key(Some(old.clone())).await.unwrap();
    let salts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM settings_meta WHERE key = 'passphrase_salt'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(salts, 0);
    let back = SettingsStore::open_pool(pool.clone(), opts(&old))
        .await
        .unwrap();
    assert_eq!(
        back.get("capture.mode").await.unwrap().value.as_deref(),
        Some("full")
    );
}
