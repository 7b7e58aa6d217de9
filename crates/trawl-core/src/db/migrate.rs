//! Schema migrations: embedded in the binary, applied on connect, version recorded.
//!
//! Migrations are the SQL files in `migrations/` (append-only, numbered). Before applying
//! anything, a database whose `schema_version` is newer than the newest migration this binary
//! knows is refused, so an older Trawl never writes to a schema it does not understand. After
//! applying, `schema_version` holds exactly one row (id 1) with the newest version; it is
//! only rewritten when the version changes, so migrating twice changes nothing.

use sqlx::PgPool;
use sqlx::migrate::Migrator;

use super::DbError;

/// The migrations of this build.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The newest schema version this binary knows.
pub fn newest_version() -> i32 {
    let newest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    i32::try_from(newest).expect("migration versions are small integers")
}

/// The version recorded in the database, if the schema exists.
pub async fn current_version(pool: &PgPool) -> Result<Option<i32>, DbError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('schema_version') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar("SELECT version FROM schema_version WHERE id = 1")
            .fetch_optional(pool)
            .await?,
    )
}

/// Refuse newer schemas, apply pending migrations and record the version.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    let known = newest_version();
    if let Some(found) = current_version(pool).await?
        && found > known
    {
        return Err(DbError::SchemaTooNew { found, known });
    }
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| DbError::Migration(e.to_string()))?;
    let updated = sqlx::query(
        "INSERT INTO schema_version (id, version, updated_at) VALUES (1, $1, now()) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, updated_at = now() \
         WHERE schema_version.version <> EXCLUDED.version",
    )
    .bind(known)
    .execute(pool)
    .await?;
    if updated.rows_affected() > 0 {
        tracing::info!(version = known, "database schema migrated");
    }
    Ok(())
}
