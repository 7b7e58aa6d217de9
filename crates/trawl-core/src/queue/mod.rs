//! The job queue, on the `jobs` table of the shared database.
//!
//! Owns enqueueing (with a dedupe key: at most one live job per key), claiming with
//! `FOR UPDATE SKIP LOCKED` and a lease, renewing leases, completing and failing (fenced by
//! the lease owner, so a worker that lost its lease cannot finish a job another worker now
//! holds), retry with exponential backoff up to `max_attempts`, and returning jobs whose lease
//! ran out to the queue. Lifecycle outcomes (done, requeued, failed, lease expired) are written
//! to `logs` in the same statement as the state change. Running jobs is the worker's business
//! ([`worker`]); what a job does is its handler's.

pub mod admin;
pub mod diag;
pub mod worker;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{FromRow, PgPool};

pub use worker::{JobError, JobHandler, Worker, WorkerOptions, WorkerStats};

/// Channel workers LISTEN on; the insert trigger on `jobs` notifies it.
pub const NOTIFY_CHANNEL: &str = "trawl_jobs";

/// Job states, as stored.
pub const STATUSES: [&str; 5] = ["QUEUED", "RUNNING", "DONE", "FAILED", "SKIPPED"];

/// A job to add to the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Handler name, e.g. `capture` or `diag.sleep`.
    pub job_type: String,
    /// Handler input.
    pub payload: Value,
    /// At most one QUEUED or RUNNING job exists per key.
    pub dedupe_key: Option<String>,
    /// Attempts before the job is FAILED.
    pub max_attempts: i32,
    /// Higher runs first.
    pub priority: i32,
}

impl NewJob {
    /// A job of `job_type` with `payload` and default settings (5 attempts, priority 0).
    pub fn new(job_type: impl Into<String>, payload: Value) -> Self {
        NewJob {
            job_type: job_type.into(),
            payload,
            dedupe_key: None,
            max_attempts: 5,
            priority: 0,
        }
    }

    /// Set the dedupe key.
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Set the attempt limit.
    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

/// What enqueueing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job with this id.
    New(i64),
    /// A live job with the same dedupe key already exists (its id).
    Duplicate(i64),
}

/// A job row.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Job {
    pub id: i64,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub job_type: String,
    pub status: String,
    pub payload: Value,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub dedupe_key: Option<String>,
    pub result: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What happened when a failure was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back in the queue, to run again after the backoff.
    Requeued,
    /// Out of attempts (or not retryable): FAILED.
    Failed,
    /// This worker no longer held the lease; nothing changed.
    LeaseLost,
}

/// Filter for listing jobs.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<String>,
    pub job_type: Option<String>,
    pub limit: i64,
}

const JOB_COLUMNS: &str = "id, type, status, payload, attempts, max_attempts, last_error, \
    lease_owner, lease_until, dedupe_key, result, created_at, updated_at";

const CLAIM_SQL: &str = "UPDATE jobs SET status = 'RUNNING', lease_owner = $1, \
    lease_until = now() + make_interval(secs => $2), attempts = attempts + 1, updated_at = now() \
    WHERE id IN (SELECT id FROM jobs WHERE status = 'QUEUED' AND run_after <= now() \
        AND type = ANY($3) ORDER BY priority DESC, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
    RETURNING id, type, status, payload, attempts, max_attempts, last_error, \
    lease_owner, lease_until, dedupe_key, result, created_at, updated_at";

const COMPLETE_SQL: &str = "WITH done AS (UPDATE jobs SET status = 'DONE', result = $3, \
    lease_until = NULL, finished_at = now(), updated_at = now() \
    WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING' RETURNING id, type, attempts) \
    INSERT INTO logs (level, message, source, job_id) \
    SELECT 'INFO', 'job done: ' || type || ' (attempt ' || attempts || ', ' || $2 || ')', \
    'trawl::queue', id FROM done RETURNING job_id";

const FAIL_SQL: &str = "WITH failed AS (UPDATE jobs SET \
    status = CASE WHEN $4 AND attempts < max_attempts THEN 'QUEUED' ELSE 'FAILED' END, \
    run_after = now() + make_interval(secs => $5), last_error = $3, lease_until = NULL, \
    finished_at = CASE WHEN $4 AND attempts < max_attempts THEN NULL ELSE now() END, \
    updated_at = now() \
    WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING' \
    RETURNING id, type, status, attempts) \
    INSERT INTO logs (level, message, source, job_id, fields) \
    SELECT 'WARN', CASE WHEN status = 'QUEUED' THEN 'job requeued: ' ELSE 'job failed: ' END \
    || type || ' (attempt ' || attempts || '): ' || $3, 'trawl::queue', id, \
    jsonb_build_object('status', status) FROM failed RETURNING fields->>'status'";

const REAP_SQL: &str = "WITH expired AS (UPDATE jobs SET \
    status = CASE WHEN attempts < max_attempts THEN 'QUEUED' ELSE 'FAILED' END, \
    last_error = 'lease expired (held by ' || coalesce(lease_owner, '?') || ')', \
    lease_until = NULL, updated_at = now(), \
    finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END \
    WHERE id IN (SELECT id FROM jobs WHERE status = 'RUNNING' AND lease_until < now() \
        FOR UPDATE SKIP LOCKED) RETURNING id, type, status, last_error) \
    INSERT INTO logs (level, message, source, job_id) \
    SELECT 'WARN', 'job ' || lower(status) || ' after ' || last_error || ': ' || type, \
    'trawl::queue', id FROM expired RETURNING job_id";

/// The queue over one database.
#[derive(Clone)]
pub struct Queue {
    pool: PgPool,
}

impl Queue {
    /// A queue over `pool`.
    pub fn new(pool: PgPool) -> Self {
        Queue { pool }
    }

    /// The pool the queue uses.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Add a job unless a live job with the same dedupe key exists.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Enqueued, sqlx::Error> {
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO jobs (type, payload, dedupe_key, max_attempts, priority) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&job.job_type)
        .bind(&job.payload)
        .bind(&job.dedupe_key)
        .bind(job.max_attempts)
        .bind(job.priority)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(id) = inserted {
            return Ok(Enqueued::New(id));
        }
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE dedupe_key = $1 AND status IN ('QUEUED', 'RUNNING')",
        )
        .bind(&job.dedupe_key)
        .fetch_optional(&self.pool)
        .await?;
        match existing {
            Some(id) => Ok(Enqueued::Duplicate(id)),
            // The live job finished between the two statements: try once more.
            None => Box::pin(self.enqueue(job)).await,
        }
    }

    /// Add many jobs of one type in one statement (no dedupe keys). Returns the new ids.
    pub async fn enqueue_batch(
        &self,
        job_type: &str,
        payloads: &[Value],
        max_attempts: i32,
    ) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO jobs (type, payload, max_attempts) \
             SELECT $1, p, $3 FROM unnest($2::jsonb[]) AS p RETURNING id",
        )
        .bind(job_type)
        .bind(payloads)
        .bind(max_attempts)
        .fetch_all(&self.pool)
        .await
    }

    /// Record an input that will not run (a duplicate or a filtered input) as SKIPPED.
    pub async fn record_skipped(
        &self,
        job_type: &str,
        payload: &Value,
        reason: &str,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO jobs (type, payload, status, last_error, finished_at) \
             VALUES ($1, $2, 'SKIPPED', $3, now()) RETURNING id",
        )
        .bind(job_type)
        .bind(payload)
        .bind(reason)
        .fetch_one(&self.pool)
        .await
    }

    /// Lease up to `limit` runnable jobs of the given types to `owner`.
    pub async fn claim(
        &self,
        owner: &str,
        types: &[String],
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<Job>, sqlx::Error> {
        sqlx::query_as::<_, Job>(CLAIM_SQL)
            .bind(owner)
            .bind(lease.as_secs_f64())
            .bind(types)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
    }

    /// Extend a lease; false when `owner` no longer holds the job.
    pub async fn renew(&self, id: i64, owner: &str, lease: Duration) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = now() + make_interval(secs => $3), updated_at = now() \
             WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
        )
        .bind(id)
        .bind(owner)
        .bind(lease.as_secs_f64())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Mark a job DONE; false when `owner` no longer holds it.
    pub async fn complete(
        &self,
        id: i64,
        owner: &str,
        result: &Value,
    ) -> Result<bool, sqlx::Error> {
        let row: Option<i64> = sqlx::query_scalar(COMPLETE_SQL)
            .bind(id)
            .bind(owner)
            .bind(result)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Report a failure: requeue to run after `retry_after` while attempts remain and `retry`
    /// is true, else FAILED with `error`.
    pub async fn fail(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        retry: bool,
        retry_after: Duration,
    ) -> Result<FailOutcome, sqlx::Error> {
        let status: Option<String> = sqlx::query_scalar(FAIL_SQL)
            .bind(id)
            .bind(owner)
            .bind(error)
            .bind(retry)
            .bind(retry_after.as_secs_f64())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match status.as_deref() {
            Some("QUEUED") => FailOutcome::Requeued,
            Some(_) => FailOutcome::Failed,
            None => FailOutcome::LeaseLost,
        })
    }

    /// Return RUNNING jobs whose lease ran out to the queue (or FAILED when out of attempts).
    pub async fn reap_expired(&self) -> Result<u64, sqlx::Error> {
        let reaped: Vec<i64> = sqlx::query_scalar(REAP_SQL).fetch_all(&self.pool).await?;
        if !reaped.is_empty() {
            tracing::warn!(
                count = reaped.len(),
                "returned jobs with expired leases to the queue"
            );
        }
        Ok(reaped.len() as u64)
    }

    /// Jobs, newest first.
    pub async fn list(&self, filter: &JobFilter) -> Result<Vec<Job>, sqlx::Error> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1::text IS NULL OR status = $1) \
             AND ($2::text IS NULL OR type = $2) ORDER BY id DESC LIMIT $3"
        );
        sqlx::query_as::<_, Job>(&sql)
            .bind(&filter.status)
            .bind(&filter.job_type)
            .bind(if filter.limit > 0 { filter.limit } else { 100 })
            .fetch_all(&self.pool)
            .await
    }

    /// One job by id.
    pub async fn get(&self, id: i64) -> Result<Option<Job>, sqlx::Error> {
        sqlx::query_as::<_, Job>(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Number of jobs per status.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        sqlx::query_as("SELECT status, count(*) FROM jobs GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await
    }
}

/// Delay before the next attempt after `attempts` failed ones: `base`·2^(n-1), at most 5 min.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = (attempts - 1).clamp(0, 16) as u32;
    base.saturating_mul(1 << exp).min(Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, 50), Duration::from_secs(300));
        assert!(backoff(base, 2) < backoff(base, 3));
    }

    #[test]
    fn status_list_matches_the_schema_check() {
        let sql = include_str!("../../../../migrations/0001_schema.sql");
        for status in STATUSES {
            assert!(
                sql.contains(&format!("'{status}'")),
                "{status} missing from CHECK"
            );
        }
    }
}
