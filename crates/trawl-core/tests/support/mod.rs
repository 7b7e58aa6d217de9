//! Shared by the engine's database tests: a fresh database on the test Postgres server and URL
//! lists in the form `scan::submit` takes.

#![allow(dead_code)]

#[path = "../../../../tests/support/pgserver.rs"]
pub mod pgserver;

use trawl_core::db::{Database, DbConfig};
use trawl_core::input::{InputUrl, normalize_url};

/// `list` normalised as the URL-list parser would, numbered from line 1.
pub fn urls(list: &[&str]) -> Vec<InputUrl> {
    list.iter()
        .enumerate()
        .map(|(i, raw)| {
            let n = normalize_url(raw).unwrap();
            InputUrl {
                url: n.url,
                display: n.display,
                line: i + 1,
            }
        })
        .collect()
}

/// A migrated, empty database of its own on `server`, with its data folder in `dir`.
pub async fn open(server: &pgserver::TestServer, dir: &tempfile::TempDir) -> Database {
    let mut cfg = DbConfig::from_env(dir.path().to_path_buf());
    cfg.database_url = Some(server.fresh_database().await);
    Database::open(&cfg).await.unwrap()
}
