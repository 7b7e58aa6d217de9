//! What an analyst does to jobs by hand: page through them, cancel one still waiting, and put
//! a failed one back in the queue.
//!
//! Cancel only touches QUEUED jobs (a running job belongs to the worker holding its lease); a
//! cancelled capture job also skips its still-queued target, like cancelling its scan. Retry
//! only touches FAILED jobs, starts their attempts afresh, and refuses when another live job
//! holds the same dedupe key. Both write a `logs` row in the same statement as the change,
//! like the queue's own lifecycle rows. Nothing is retried here.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use super::NOTIFY_CHANNEL;

/// One row of the job list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct JobSummary {
    pub id: i64,
    /// Handler name (`capture`, `rules.retrohunt`, …).
    pub kind: String,
    /// `QUEUED`, `RUNNING`, `DONE`, `FAILED` or `SKIPPED`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    /// The job's result so far (running jobs may report progress there).
    pub result: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobSummary {
    /// Progress a running job reported (`done`/`total`, and `matched` when given), as text.
    pub fn progress(&self) -> Option<String> {
        let result = self.result.as_ref()?;
        let done = result.get("done")?.as_u64()?;
        let total = result.get("total")?.as_u64()?;
        Some(match result.get("matched").and_then(Value::as_u64) {
            Some(matched) => format!("{done}/{total} ({matched} matched)"),
            None => format!("{done}/{total}"),
        })
    }
}

/// A page of jobs, newest first, and the number matching the filters.
#[derive(Debug, Clone, Serialize)]
pub struct JobPage {
    pub rows: Vec<JobSummary>,
    pub total: i64,
}

/// Most jobs one page may hold.
pub const MAX_JOB_ROWS: i64 = 500;

const FILTER: &str = "WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)";

/// Jobs in `state` and of `kind` (either may be `None`), newest first.
pub async fn page(
    pool: &PgPool,
    state: Option<&str>,
    kind: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<JobPage, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT id, type AS kind, status AS state, attempts, max_attempts, last_error, result, \
         created_at, updated_at FROM jobs {FILTER} ORDER BY id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(state)
    .bind(kind)
    .bind(limit.clamp(1, MAX_JOB_ROWS))
    .bind(offset.max(0))
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM jobs {FILTER}"))
        .bind(state)
        .bind(kind)
        .fetch_one(pool)
        .await?;
    Ok(JobPage { rows, total })
}

const CANCEL_SQL: &str = "WITH cancelled AS (UPDATE jobs SET status = 'SKIPPED', \
    last_error = 'cancelled', finished_at = now(), updated_at = now() \
    WHERE id = $1 AND status = 'QUEUED' RETURNING id, type, payload), \
    target AS (UPDATE targets SET status = 'SKIPPED', reason = 'cancelled', updated_at = now() \
    WHERE status = 'QUEUED' AND id = (SELECT (payload->>'target_id')::bigint FROM cancelled \
    WHERE type = 'capture') RETURNING id) \
    INSERT INTO logs (level, message, source, job_id) \
    SELECT 'INFO', 'job cancelled: ' || type, 'trawl::queue', id FROM cancelled \
    RETURNING job_id";

const RETRY_SQL: &str = "WITH retried AS (UPDATE jobs j SET status = 'QUEUED', attempts = 0, \
    run_after = now(), lease_owner = NULL, lease_until = NULL, finished_at = NULL, \
    updated_at = now() \
    WHERE j.id = $1 AND j.status = 'FAILED' AND (j.dedupe_key IS NULL OR NOT EXISTS \
    (SELECT 1 FROM jobs o WHERE o.dedupe_key = j.dedupe_key AND o.status IN ('QUEUED', 'RUNNING'))) \
    RETURNING j.id, j.type) \
    INSERT INTO logs (level, message, source, job_id) \
    SELECT 'INFO', 'job queued again by hand: ' || type, 'trawl::queue', id FROM retried \
    RETURNING job_id";

/// Cancels job `id` if it is still QUEUED; true when it was.
pub async fn cancel(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar(CANCEL_SQL)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(done.is_some())
}

/// Puts FAILED job `id` back in the queue with fresh attempts; true when it was.
pub async fn retry(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar(RETRY_SQL)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    if done.is_some() {
        // Wake idle workers now rather than at their next poll.
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(NOTIFY_CHANNEL)
            .execute(pool)
            .await?;
    }
    Ok(done.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(result: Option<Value>) -> JobSummary {
        JobSummary {
            id: 1,
            kind: "rules.retrohunt".into(),
            state: "RUNNING".into(),
            attempts: 1,
            max_attempts: 3,
            last_error: None,
            result,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn progress_reads_done_and_total() {
        let with_matches = job(Some(
            serde_json::json!({"done": 5, "total": 9, "matched": 2}),
        ));
        let plain = job(Some(serde_json::json!({"done": 5, "total": 9})));

        assert_eq!(with_matches.progress().as_deref(), Some("5/9 (2 matched)"));
        assert_eq!(plain.progress().as_deref(), Some("5/9"));
        assert_eq!(
            job(Some(serde_json::json!({"worker": "w"}))).progress(),
            None
        );
        assert_eq!(job(None).progress(), None);
    }
}
