//! Reading the `logs` table back for the Logs view: newest first, filtered by minimum level,
//! text and target, paged backwards by id ("older than the last row shown").
//!
//! Rows are written by the logging layer and the queue (see `logging`); this module only
//! reads. Text filters are bound parameters matched case-insensitively as plain substrings.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// Levels from most to least severe, as stored.
const LEVELS: [&str; 5] = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"];

/// Most rows one query may return.
pub const MAX_LOG_ROWS: i64 = 1000;

/// Which log rows to read.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// The least severe level shown (`error`, `warn`, `info`, `debug`, `trace`; any case).
    pub min_level: Option<String>,
    /// Only rows whose message or source contains this text (case-insensitive).
    pub text: Option<String>,
    /// Only rows about this target.
    pub target_id: Option<i64>,
    /// Only rows older than this row id (the last row of the previous page).
    pub before_id: Option<i64>,
    /// Rows to return, clamped to 1..=[`MAX_LOG_ROWS`].
    pub limit: i64,
}

/// One log row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Lower case: `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// Where the event came from (the tracing target, e.g. `trawl::queue`).
    pub source: Option<String>,
    pub message: String,
    pub target_id: Option<i64>,
}

/// A page of log rows and whether older rows match too.
#[derive(Debug, Clone, Serialize)]
pub struct LogPage {
    pub rows: Vec<LogEntry>,
    pub has_more: bool,
}

/// Why a log query was refused.
#[derive(Debug, thiserror::Error)]
pub enum LogQueryError {
    /// The level is not one of the five.
    #[error("unknown log level {0:?} (expected error, warn, info, debug or trace)")]
    Level(String),
    /// The database failed.
    #[error("reading logs: {0}")]
    Db(#[from] sqlx::Error),
}

/// The stored levels at least as severe as `min`.
fn levels_from(min: &str) -> Result<Vec<String>, LogQueryError> {
    let upper = min.trim().to_ascii_uppercase();
    let last = LEVELS
        .iter()
        .position(|l| *l == upper)
        .ok_or_else(|| LogQueryError::Level(min.to_string()))?;
    Ok(LEVELS[..=last].iter().map(|l| l.to_string()).collect())
}

/// Log rows matching `query`, newest first.
pub async fn list(pool: &PgPool, query: &LogQuery) -> Result<LogPage, LogQueryError> {
    let levels = match query.min_level.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(min) => levels_from(min)?,
        None => LEVELS.iter().map(|l| l.to_string()).collect(),
    };
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let limit = query.limit.clamp(1, MAX_LOG_ROWS);

    let mut rows: Vec<LogEntry> = sqlx::query_as(
        "SELECT id, created_at AS at, lower(level) AS level, source, message, target_id \
         FROM logs WHERE level = ANY($1) \
         AND ($2::text IS NULL OR strpos(lower(message), lower($2)) > 0 \
              OR strpos(lower(coalesce(source, '')), lower($2)) > 0) \
         AND ($3::bigint IS NULL OR target_id = $3) \
         AND ($4::bigint IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5",
    )
    .bind(&levels)
    .bind(text)
    .bind(query.target_id)
    .bind(query.before_id)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;

    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(LogPage { rows, has_more })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimum_level_includes_the_more_severe_ones() {
        assert_eq!(levels_from("warn").unwrap(), ["ERROR", "WARN"]);
        assert_eq!(levels_from("ERROR").unwrap(), ["ERROR"]);
        assert_eq!(levels_from("trace").unwrap().len(), 5);
        assert!(matches!(levels_from("loud"), Err(LogQueryError::Level(_))));
    }
}
