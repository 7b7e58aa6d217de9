//! Storage: one database handle over two modes, embedded and remote.
//!
//! *Embedded* (the default) runs a private Postgres cluster in the data directory (see
//! [`embedded`]); *remote* connects to a shared server given by a URL (TLS options in the
//! URL, e.g. `sslmode=verify-full&sslrootcert=…`, are honoured). Either way the schema is
//! migrated on connect and a database whose schema is newer than this binary is refused.
//! Errors are a [`DbError`] with a stable code, so the CLI prints one clear line and the
//! desktop app can show a screen for each case. Connection strings are redacted before they
//! reach any message or log.

pub mod binaries;
pub mod embedded;
pub mod migrate;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Row};

use embedded::EmbeddedServer;

/// Environment variable with a remote database URL.
pub const DATABASE_URL_ENV: &str = "TRAWL_DATABASE_URL";
/// Environment variable with the folder of the Postgres server programs.
pub const PG_BIN_ENV: &str = "TRAWL_PG_BIN";
/// Name of the database Trawl uses inside its embedded cluster.
const EMBEDDED_DATABASE: &str = "trawl";

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// The data directory (embedded cluster, blobs, logs).
    pub data_dir: PathBuf,
    /// A remote server's URL; `None` selects embedded mode.
    pub database_url: Option<String>,
    /// Folder of `initdb`/`pg_ctl`/`postgres` for embedded mode; searched for when `None`.
    pub pg_bin_dir: Option<PathBuf>,
    /// Largest number of pooled connections.
    pub max_connections: u32,
}

impl DbConfig {
    /// Configuration from the environment (`TRAWL_DATABASE_URL`, `TRAWL_PG_BIN`).
    pub fn from_env(data_dir: PathBuf) -> DbConfig {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        DbConfig {
            data_dir,
            database_url: var(DATABASE_URL_ENV),
            pg_bin_dir: var(PG_BIN_ENV).map(PathBuf::from),
            max_connections: 16,
        }
    }
}

/// Why the database could not be opened or used. `code()` is stable for the UI.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The Postgres server programs are not installed where we looked.
    #[error(
        "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in {searched}; \
         install the server (Debian/Ubuntu: apt-get install postgresql){}",
        if *explicit { " or fix TRAWL_PG_BIN" } else { " or set TRAWL_PG_BIN to its bin folder" }
    )]
    BinariesMissing { searched: String, explicit: bool },
    /// The data directory (or a file in it) cannot be created or written.
    #[error("data directory {path} is not usable: {message}")]
    DataDir { path: String, message: String },
    /// The embedded server could not be created, started or stopped.
    #[error("{message}")]
    ServerStart { message: String },
    /// The database URL is malformed.
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    /// Nothing answers at the database address.
    #[error("cannot reach the database at {location}: {message}")]
    Unreachable { location: String, message: String },
    /// The server refused the credentials.
    #[error("the database at {location} refused the login: {message}")]
    Auth { location: String, message: String },
    /// The database was migrated by a newer Trawl.
    #[error(
        "the database schema is version {found}, newer than this Trawl supports ({known}); \
         upgrade Trawl before using this database"
    )]
    SchemaTooNew { found: i32, known: i32 },
    /// Applying a migration failed.
    #[error("schema migration failed: {0}")]
    Migration(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

impl DbError {
    /// A stable code for this kind of error (crosses the IPC boundary).
    pub fn code(&self) -> &'static str {
        match self {
            DbError::BinariesMissing { .. } => "pg_binaries_missing",
            DbError::DataDir { .. } => "data_dir_unusable",
            DbError::ServerStart { .. } => "embedded_server_failed",
            DbError::BadUrl(_) => "bad_database_url",
            DbError::Unreachable { .. } => "database_unreachable",
            DbError::Auth { .. } => "database_auth_failed",
            DbError::SchemaTooNew { .. } => "schema_too_new",
            DbError::Migration(_) => "migration_failed",
            DbError::Query(_) => "database_error",
        }
    }
}

/// Which mode a handle runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DbMode {
    /// A private cluster in the data directory.
    Embedded,
    /// A shared server reached by URL.
    Remote,
}

/// An open, migrated database. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
    mode: DbMode,
    location: String,
    server: Arc<Mutex<Option<EmbeddedServer>>>,
}

/// Row count of one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    /// Table name.
    pub name: String,
    /// Number of rows.
    pub rows: i64,
}

/// What `trawl db status` and the app's status screen show.
#[derive(Debug, Clone, Serialize)]
pub struct DbStatus {
    /// "embedded" or "remote".
    pub mode: String,
    /// The cluster folder (embedded) or the redacted URL (remote).
    pub location: String,
    /// The server's version string.
    pub server_version: String,
    /// `schema_version.version`.
    pub schema_version: i32,
    /// Rows per table, by table name.
    pub tables: Vec<TableCount>,
}

impl Database {
    /// Open the database the configuration names, start the embedded server when needed,
    /// and migrate the schema.
    pub async fn open(cfg: &DbConfig) -> Result<Database, DbError> {
        let db = match &cfg.database_url {
            Some(url) => Self::open_remote(cfg, url).await?,
            None => Self::open_embedded(cfg).await?,
        };
        if let Err(e) = migrate::migrate(&db.pool).await {
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    async fn open_remote(cfg: &DbConfig, url: &str) -> Result<Database, DbError> {
        let location = redact_url(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(DbError::BadUrl(format!(
                "{location}: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            )));
        }
        let opts: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| DbError::BadUrl(format!("{location}: {e}")))?;
        let pool = connect(cfg, opts, &location).await?;
        tracing::info!(%location, "connected to remote database");
        Ok(Database {
            pool,
            mode: DbMode::Remote,
            location,
            server: Default::default(),
        })
    }

    async fn open_embedded(cfg: &DbConfig) -> Result<Database, DbError> {
        let data_dir = cfg.data_dir.clone();
        let bin_dir = cfg.pg_bin_dir.clone();
        let server = tokio::task::spawn_blocking(move || {
            EmbeddedServer::start(&data_dir, bin_dir.as_deref())
        })
        .await
        .map_err(|e| DbError::ServerStart {
            message: e.to_string(),
        })??;
        let location = server.location();
        match Self::connect_embedded(cfg, &server).await {
            Ok(pool) => Ok(Database {
                pool,
                mode: DbMode::Embedded,
                location,
                server: Arc::new(Mutex::new(Some(server))),
            }),
            Err(e) => {
                let _ = tokio::task::spawn_blocking(move || server.stop()).await;
                Err(e)
            }
        }
    }

    async fn connect_embedded(cfg: &DbConfig, server: &EmbeddedServer) -> Result<PgPool, DbError> {
        let location = server.location();
        let admin = server
            .connect_options("postgres")
            .connect()
            .await
            .map_err(|e| classify(e, &location))?;
        let mut admin = admin;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(EMBEDDED_DATABASE)
                .fetch_one(&mut admin)
                .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {EMBEDDED_DATABASE}"))
                .execute(&mut admin)
                .await?;
        }
        drop(admin);
        connect(cfg, server.connect_options(EMBEDDED_DATABASE), &location).await
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Embedded or remote.
    pub fn mode(&self) -> DbMode {
        self.mode
    }

    /// The cluster folder or the redacted URL.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Server version, schema version and row counts.
    pub async fn status(&self) -> Result<DbStatus, DbError> {
        let server_version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&self.pool)
            .await?;
        let schema_version = migrate::current_version(&self.pool).await?.unwrap_or(0);
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tables = Vec::with_capacity(names.len());
        for name in names {
            // Names come from information_schema, quoted as identifiers.
            let row = sqlx::query(&format!("SELECT count(*) FROM \"{name}\""))
                .fetch_one(&self.pool)
                .await?;
            tables.push(TableCount {
                name,
                rows: row.get::<i64, _>(0),
            });
        }
        let mode = match self.mode {
            DbMode::Embedded => "embedded",
            DbMode::Remote => "remote",
        };
        Ok(DbStatus {
            mode: mode.into(),
            location: self.location.clone(),
            server_version,
            schema_version,
            tables,
        })
    }

    /// Close the pool and stop the embedded server if this process was its last user.
    pub async fn close(&self) {
        crate::logging::detach_database(&self.location).await;
        self.pool.close().await;
        let server = self.server.lock().ok().and_then(|mut s| s.take());
        if let Some(server) = server {
            match tokio::task::spawn_blocking(move || server.stop()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!("stopping embedded postgres: {e}"),
                Err(e) => tracing::warn!("stopping embedded postgres: {e}"),
            }
        }
    }

    /// Copy this process's warnings into this database's `logs` table until `close`.
    pub fn attach_logs(&self, retention_days: u32) {
        crate::logging::attach_database(self.pool.clone(), retention_days, &self.location);
    }

    /// The embedded server's postmaster pid (tests and diagnostics).
    pub fn embedded_server_pid(&self) -> Option<i32> {
        self.server.lock().ok()?.as_ref()?.server_pid()
    }
}

async fn connect(
    cfg: &DbConfig,
    opts: PgConnectOptions,
    location: &str,
) -> Result<PgPool, DbError> {
    // Statements may carry captured content; they never go to the logs.
    let opts = opts.disable_statement_logging();
    // One direct attempt first, so a refused connection or a wrong password is reported at
    // once and as itself, not as a pool timeout after retries.
    let probe = tokio::time::timeout(Duration::from_secs(30), opts.connect())
        .await
        .map_err(|_| DbError::Unreachable {
            location: location.to_string(),
            message: "timed out connecting".into(),
        })?
        .map_err(|e| classify(e, location))?;
    let _ = probe.close().await;
    PgPoolOptions::new()
        .max_connections(cfg.max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(|e| classify(e, location))
}

/// Turn a connection error into the error kind a person can act on.
fn classify(e: sqlx::Error, location: &str) -> DbError {
    let location = location.to_string();
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28P01") => DbError::Auth {
            location,
            message: "wrong password".into(),
        },
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28000") => DbError::Auth {
            location,
            message: db.message().to_string(),
        },
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            DbError::Unreachable {
                location,
                message: db.message().to_string(),
            }
        }
        sqlx::Error::Io(io) => DbError::Unreachable {
            location,
            message: io.to_string(),
        },
        sqlx::Error::Tls(tls) => DbError::Unreachable {
            location,
            message: format!("TLS: {tls}"),
        },
        sqlx::Error::PoolTimedOut => DbError::Unreachable {
            location,
            message: "timed out connecting".into(),
        },
        _ => DbError::Query(e),
    }
}

/// A database URL with its password replaced, safe to print and log.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            // Passwords may also hide in the query string.
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| {
                    let secret = k.eq_ignore_ascii_case("password");
                    (
                        k.into_owned(),
                        if secret { "***".into() } else { v.into_owned() },
                    )
                })
                .collect();
            if !pairs.is_empty() {
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        Err(_) => "(unparsable database URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_userinfo_and_query() {
        let url = "postgres://alice:s3cret@db.example:5432/trawl?password=other&sslmode=require";
        let shown = redact_url(url);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("other"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
        assert!(shown.contains("sslmode=require"), "{shown}");
    }

    #[test]
    fn every_error_has_a_distinct_code() {
        let errors = [
            DbError::BinariesMissing {
                searched: "x".into(),
                explicit: true,
            },
            DbError::DataDir {
                path: "x".into(),
                message: "y".into(),
            },
            DbError::ServerStart {
                message: "x".into(),
            },
            DbError::BadUrl("x".into()),
            DbError::Unreachable {
                location: "x".into(),
                message: "y".into(),
            },
            DbError::Auth {
                location: "x".into(),
                message: "y".into(),
            },
            DbError::SchemaTooNew { found: 2, known: 1 },
            DbError::Migration("x".into()),
        ];
        let mut codes: Vec<_> = errors.iter().map(DbError::code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
