//! Generic values: the shipped list (`data/generic.txt`, embedded at build time) plus the
//! analyst's additions (`generic_values` table). A generic value stays a node of the graph but
//! never links targets into a campaign.
//!
//! Loading is cached per database: [`cached`] asks Postgres only for a cheap stamp of
//! `generic_values` (row count and highest id, which change with every insert or delete) and
//! rebuilds the list when the stamp moved, so every worker process sees an analyst's new mark on
//! the next target it links.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use sqlx::PgPool;

/// The list that ships with Trawl.
pub const SHIPPED: &str = include_str!("../../data/generic.txt");

/// Generic values of every kind, and library file-name prefixes.
#[derive(Clone, Debug, Default)]
pub struct GenericValues {
    values: HashSet<(String, String)>,
    libraries: Vec<String>,
}

impl GenericValues {
    /// The shipped list alone.
    pub fn shipped() -> GenericValues {
        SHIPPED_LIST.clone()
    }

    fn parse_shipped() -> GenericValues {
        let mut out = GenericValues::default();
        for line in SHIPPED.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let mut words = line.split_whitespace();
            if let (Some(kind), Some(value)) = (words.next(), words.next()) {
                out.add(kind, value);
            }
        }
        out
    }

    /// The shipped list plus the analyst's table.
    pub async fn load(pool: &PgPool) -> Result<GenericValues, sqlx::Error> {
        let mut out = GenericValues::shipped();
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT kind, value FROM generic_values")
            .fetch_all(pool)
            .await?;
        for (kind, value) in rows {
            out.add(&kind, &value);
        }
        Ok(out)
    }

    /// Marks `value` of `kind` generic (`library` adds a file-name prefix).
    pub fn add(&mut self, kind: &str, value: &str) {
        match kind {
            "library" => self.libraries.push(value.to_ascii_lowercase()),
            _ => {
                self.values
                    .insert((kind.to_string(), value.to_ascii_lowercase()));
            }
        }
    }

    /// Whether `value` of `kind` is generic.
    pub fn contains(&self, kind: &str, value: &str) -> bool {
        self.values
            .contains(&(kind.to_string(), value.to_ascii_lowercase()))
    }

    /// Whether an asset URL names a common library file (`…/jquery-3.6.0.min.js`).
    pub fn is_library(&self, url: &str) -> bool {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        let name = path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let is_code = name.ends_with(".js") || name.ends_with(".css");
        is_code && self.libraries.iter().any(|l| name.starts_with(l.as_str()))
    }
}

/// The shipped list, parsed once.
static SHIPPED_LIST: LazyLock<GenericValues> = LazyLock::new(GenericValues::parse_shipped);

/// A database's generic list with the `generic_values` stamp it was built at.
struct CacheEntry {
    database: String,
    stamp: (i64, i64),
    values: Arc<GenericValues>,
}

static CACHE: Mutex<Vec<CacheEntry>> = Mutex::new(Vec::new());

/// Names the database a pool talks to (host or socket, port, database name).
fn database_identity(pool: &PgPool) -> String {
    let o = pool.connect_options();
    let socket = o.get_socket().map(|s| s.display().to_string());
    format!(
        "{}|{}|{}|{}",
        o.get_host(),
        socket.unwrap_or_default(),
        o.get_port(),
        o.get_database().unwrap_or_default()
    )
}

/// The shipped list plus the analyst's table, rebuilt only when `generic_values` changed since
/// the last call for the same database.
pub async fn cached(pool: &PgPool) -> Result<Arc<GenericValues>, sqlx::Error> {
    let stamp: (i64, i64) =
        sqlx::query_as("SELECT count(*), coalesce(max(id), 0) FROM generic_values")
            .fetch_one(pool)
            .await?;
    let database = database_identity(pool);
    {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let hit = cache
            .iter()
            .find(|e| e.database == database && e.stamp == stamp);
        if let Some(entry) = hit {
            return Ok(entry.values.clone());
        }
    }
    let values = Arc::new(GenericValues::load(pool).await?);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|e| e.database != database);
    cache.push(CacheEntry {
        database,
        stamp,
        values: values.clone(),
    });
    Ok(values)
}

/// Records an analyst's generic value (idempotent).
pub async fn mark_generic(
    pool: &PgPool,
    kind: &str,
    value: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO generic_values (kind, value, note) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, value) DO UPDATE SET note = EXCLUDED.note",
    )
    .bind(kind)
    .bind(value.to_ascii_lowercase())
    .bind(note)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses_and_names_known_kinds() {
        let g = GenericValues::shipped();
        assert!(g.contains(
            "asset_sha256",
            "19b644434cfa9f5d12e1e90a3c2d062aacf27da9ecbe8393df77383ab3c00208"
        ));
        assert!(g.contains("registered_domain", "github.io"));
        assert!(!g.contains("ip", "192.0.2.1"));
        for line in SHIPPED.lines().map(|l| l.split('#').next().unwrap().trim()) {
            let Some(kind) = line.split_whitespace().next() else {
                continue;
            };
            assert!(
                kind == "library" || crate::link::kinds::kind(kind).is_some(),
                "unknown kind {kind}"
            );
        }
    }

    #[test]
    fn library_files_are_recognised_by_name() {
        let g = GenericValues::shipped();
        assert!(g.is_library("http://x.test/js/jquery-3.6.0.min.js?v=1"));
        assert!(g.is_library("http://x.test/Bootstrap.min.css"));
        assert!(!g.is_library("http://x.test/jquery.png"));
        assert!(!g.is_library("http://x.test/kit.js"));
    }
}
