//! The schema on a real Postgres, in embedded mode and in remote mode: it matches the
//! product's schema document column for column, migrating twice changes nothing, the
//! recorded version is the newest migration, and a newer database is refused.

#[path = "../../../tests/support/pgserver.rs"]
mod pgserver;

use std::collections::BTreeMap;
use std::path::PathBuf;

use sqlx::PgPool;
use trawl_core::db::{Database, DbConfig, DbError, migrate};

/// `table -> [(column, type)]` as the schema document lists them.
type Columns = BTreeMap<String, Vec<(String, String)>>;

fn schema_doc() -> Option<String> {
    let path = std::env::var("TRAWL_SCHEMA_DOC")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/schema.md"
            ))
        });
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "skipping the schema-document comparison: {} not found",
                path.display()
            );
            None
        }
    }
}

/// Parse `### table` headings and `- column (type, …)` items.
fn parse_doc(text: &str) -> Columns {
    let mut tables = Columns::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            current = Some(name.trim().to_string());
            tables.insert(name.trim().to_string(), Vec::new());
        } else if line.starts_with("## ") {
            current = None;
        } else if let (Some(table), Some(item)) = (&current, line.strip_prefix("- ")) {
            let (name, rest) = item.split_once(" (").expect("column with a type");
            let ty = rest.split([',', ')']).next().unwrap().trim().to_string();
            tables
                .get_mut(table)
                .unwrap()
                .push((name.trim().to_string(), ty));
        }
    }
    tables
}

/// The information_schema type a documented type maps to.
fn expected_type(doc: &str) -> &'static [&'static str] {
    match doc {
        "int" => &["integer"],
        "bigint" | "bigserial" => &["bigint"],
        "text" => &["text"],
        "bool" => &["boolean"],
        "jsonb" => &["jsonb"],
        // timestamptz: the document's "timestamp", stored with its zone
        "timestamp" => &["timestamp with time zone", "timestamp without time zone"],
        other => panic!("schema document uses a type the test does not know: {other}"),
    }
}

async fn actual_columns(pool: &PgPool) -> BTreeMap<(String, String), (String, Option<String>)> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, column_default::text \
         FROM information_schema.columns WHERE table_schema = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, c, ty, d)| ((t, c), (ty, d)))
        .collect()
}

async fn check_schema(db: &Database) {
    let pool = db.pool();
    let actual = actual_columns(pool).await;

    if let Some(doc) = schema_doc() {
        let tables = parse_doc(&doc);
        assert!(
            tables.len() >= 24,
            "parsed only {} tables from the document",
            tables.len()
        );
        for (table, columns) in &tables {
            for (column, doc_type) in columns {
                let key = (table.clone(), column.clone());
                let (ty, default) = actual
                    .get(&key)
                    .unwrap_or_else(|| panic!("{table}.{column} is missing"));
                assert!(
                    expected_type(doc_type).contains(&ty.as_str()),
                    "{table}.{column}: document says {doc_type}, database has {ty}"
                );
                if doc_type == "bigserial" {
                    let default = default.as_deref().unwrap_or("");
                    assert!(
                        default.starts_with("nextval("),
                        "{table}.{column} is not serial"
                    );
                }
            }
        }
        let views: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.views \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(
            views.contains(&"assets_view".to_string()),
            "assets_view missing: {views:?}"
        );
    }

    let version: i32 = sqlx::query_scalar("SELECT version FROM schema_version WHERE id = 1")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(version, migrate::newest_version());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM schema_version")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 1, "schema_version must have exactly one row");
}

/// Everything a migration could change, as text.
async fn fingerprint(pool: &PgPool) -> String {
    let columns = actual_columns(pool).await;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
         ORDER BY indexname",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let version: (i32, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT version, updated_at FROM schema_version")
            .fetch_one(pool)
            .await
            .unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap();
    format!("{columns:?}\n{indexes:?}\n{version:?}\n{applied}")
}

async fn check_idempotent_and_newer_refused(cfg: &DbConfig) {
    let db = Database::open(cfg).await.unwrap();
    check_schema(&db).await;
    let before = fingerprint(db.pool()).await;
    migrate::migrate(db.pool()).await.unwrap();
    db.close().await;

    let db = Database::open(cfg).await.unwrap();
    assert_eq!(
        before,
        fingerprint(db.pool()).await,
        "migrating again changed the schema"
    );

    // A newer Trawl migrated this database: this binary must refuse it.
    sqlx::query("UPDATE schema_version SET version = version + 1")
        .execute(db.pool())
        .await
        .unwrap();
    db.close().await;
    match Database::open(cfg).await {
        Err(e @ DbError::SchemaTooNew { .. }) => {
            assert!(e.to_string().contains("upgrade Trawl"), "{e}");
        }
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[tokio::test]
async fn embedded_schema_matches_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = DbConfig::from_env(dir.path().join("data"));
    let cfg = DbConfig {
        database_url: None,
        ..cfg
    };
    check_idempotent_and_newer_refused(&cfg).await;
}

#[tokio::test]
async fn remote_schema_matches_and_migrations_are_idempotent() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = DbConfig::from_env(dir.path().to_path_buf());
    cfg.database_url = Some(server.fresh_database().await);
    check_idempotent_and_newer_refused(&cfg).await;
    // Remote mode never creates a cluster in the data directory.
    assert!(!dir.path().join("postgres").exists());
}

#[tokio::test]
async fn status_reports_mode_version_and_counts() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = DbConfig::from_env(dir.path().to_path_buf());
    cfg.database_url = Some(server.fresh_database().await);
    let db = Database::open(&cfg).await.unwrap();
    let status = db.status().await.unwrap();
    assert_eq!(status.mode, "remote");
    assert!(
        !status.location.contains(pgserver::PASSWORD),
        "{}",
        status.location
    );
    assert_eq!(status.schema_version, migrate::newest_version());
    let jobs = status
        .tables
        .iter()
        .find(|t| t.name == "jobs")
        .expect("jobs counted");
    assert_eq!(jobs.rows, 0);
    let version = status
        .tables
        .iter()
        .find(|t| t.name == "schema_version")
        .unwrap();
    assert_eq!(version.rows, 1);
    db.close().await;
}
