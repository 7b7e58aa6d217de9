//! Retro-hunts: the `rules.retrohunt` job runs the current rules over every stored target
//! (documents and assets, read back from `targets.capture` and the blob store).
//!
//! Progress is written to the job's `result` as `{done, total, matched}` every
//! [`PROGRESS_EVERY`] targets; the final result replaces it. The job is idempotent (matches
//! are replaced per target, alerts deduplicated), so a rerun after a crash is harmless. A
//! target whose stored record cannot be read is counted as skipped and logged.

use futures::future::BoxFuture;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{RuleCache, match_and_store};
use crate::blobs::BlobStore;
use crate::capture::Capture;
use crate::queue::{Enqueued, Job, JobError, JobHandler, NewJob, Queue};

/// Job type of [`RetroHuntJob`].
pub const RETROHUNT_JOB: &str = "rules.retrohunt";
/// Targets between progress updates.
pub const PROGRESS_EVERY: usize = 20;

/// Queue a retro-hunt of the current rules version (a request while one for the same version
/// is live joins it); returns the job's id.
pub async fn queue_retrohunt(pool: &PgPool) -> Result<i64, sqlx::Error> {
    let version = super::store::version(pool).await?;
    let job = NewJob::new(RETROHUNT_JOB, json!({ "rules_version": version }))
        .dedupe(format!("retrohunt-{version}"));
    let id = match Queue::new(pool.clone()).enqueue(&job).await? {
        Enqueued::New(id) | Enqueued::Duplicate(id) => id,
    };
    tracing::info!(version, job_id = id, "retro-hunt queued");
    Ok(id)
}

/// Handler of `rules.retrohunt` jobs.
pub struct RetroHuntJob {
    pool: PgPool,
    blobs: BlobStore,
    rules: RuleCache,
}

impl RetroHuntJob {
    /// A handler reading from `pool` and `blobs`.
    pub fn new(pool: PgPool, blobs: BlobStore) -> std::sync::Arc<RetroHuntJob> {
        std::sync::Arc::new(RetroHuntJob {
            pool,
            blobs,
            rules: RuleCache::default(),
        })
    }

    async fn hunt(&self, job: &Job) -> Result<Value, JobError> {
        let retry = |e: sqlx::Error| JobError::Retry(format!("database: {e}"));
        let rules = self.rules.get(&self.pool).await.map_err(retry)?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM targets WHERE status = 'DONE' AND capture IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(retry)?;
        let (total, mut matched, mut skipped) = (ids.len(), 0usize, 0usize);
        for (done, id) in ids.iter().enumerate() {
            if done % PROGRESS_EVERY == 0 {
                let progress = json!({ "done": done, "total": total, "matched": matched });
                sqlx::query("UPDATE jobs SET result = $2 WHERE id = $1")
                    .bind(job.id)
                    .bind(progress)
                    .execute(&self.pool)
                    .await
                    .map_err(retry)?;
            }
            let record: Option<Value> =
                sqlx::query_scalar("SELECT capture FROM targets WHERE id = $1")
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(retry)?;
            let Some(Ok(capture)) = record.map(serde_json::from_value::<Capture>) else {
                tracing::warn!(target_id = id, "retro-hunt: stored capture unreadable");
                skipped += 1;
                continue;
            };
            let outcome = match_and_store(&self.pool, &self.blobs, &rules, *id, &capture)
                .await
                .map_err(retry)?;
            matched += usize::from(!outcome.signatures.is_empty());
        }
        tracing::info!(total, matched, skipped, "retro-hunt done");
        Ok(
            json!({ "done": total, "total": total, "matched": matched, "skipped": skipped,
                    "rules_version": rules.signatures.version }),
        )
    }
}

impl JobHandler for RetroHuntJob {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>> {
        Box::pin(self.hunt(job))
    }
}
