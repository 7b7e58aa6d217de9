//! Retro-hunts: the `rules.retrohunt` job runs the current rules (signatures, YARA, alert
//! rules) over every stored target (documents and assets, read back from `targets.capture`
//! and the blob store).
//!
//! Progress is written to the job's `result` as `{done, total, matched}` every
//! [`PROGRESS_EVERY`] targets; the final result replaces it. The job is idempotent (matches
//! are replaced per target, alerts deduplicated), so a rerun after a crash is harmless. A
//! target whose stored record cannot be read is counted as skipped and logged.
//!
//! A hunt queued by [`queue_yara_retrohunt`] runs only the YARA rules just added or changed:
//! it replaces those rules' matches and rescores each target from its stored matches. When
//! those rules do not compile on their own (one uses another rule), it runs everything.

use futures::future::BoxFuture;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::risk;
use super::yara::{YaraRuleRow, YaraRules};
use super::{Compiled, RuleCache, match_and_store, matcher::MatchInput, scan_yara, yara_store};
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

/// Queue a retro-hunt of the YARA rules `ids` only (they were just added or changed);
/// returns the job's id.
pub async fn queue_yara_retrohunt(pool: &PgPool, ids: &[i64]) -> Result<i64, sqlx::Error> {
    let version = super::store::version(pool).await?;
    let key: Vec<String> = ids.iter().map(i64::to_string).collect();
    let payload = json!({ "rules_version": version, "yara_rule_ids": ids });
    let job = NewJob::new(RETROHUNT_JOB, payload)
        .dedupe(format!("retrohunt-{version}-yara-{}", key.join(",")));
    let id = match Queue::new(pool.clone()).enqueue(&job).await? {
        Enqueued::New(id) | Enqueued::Duplicate(id) => id,
    };
    tracing::info!(
        version,
        job_id = id,
        rules = ids.len(),
        "YARA retro-hunt queued"
    );
    Ok(id)
}

/// What a hunt runs.
enum Scope {
    /// Every rule.
    All(std::sync::Arc<Compiled>),
    /// Only these YARA rules, compiled alone.
    Yara(Vec<i64>, YaraRules),
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
        if let Some(newer) = self.superseded_by(job).await.map_err(retry)? {
            tracing::info!(
                job_id = job.id,
                newer,
                "retro-hunt superseded by a newer one"
            );
            return Ok(json!({ "superseded_by": newer }));
        }
        let version = super::store::version(&self.pool).await.map_err(retry)?;
        let scope = self.scope(job).await.map_err(retry)?;
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
            let hit = match &scope {
                Scope::All(rules) => {
                    let outcome = match_and_store(&self.pool, &self.blobs, rules, *id, &capture)
                        .await
                        .map_err(retry)?;
                    !outcome.signatures.is_empty() || !outcome.yara.is_empty()
                }
                Scope::Yara(ids, rules) => self
                    .hunt_yara(ids, rules, *id, &capture)
                    .await
                    .map_err(retry)?,
            };
            matched += usize::from(hit);
        }
        let yara_only = matches!(scope, Scope::Yara(..));
        tracing::info!(total, matched, skipped, yara_only, "retro-hunt done");
        Ok(
            json!({ "done": total, "total": total, "matched": matched, "skipped": skipped,
                    "rules_version": version, "yara_only": yara_only }),
        )
    }

    /// A full hunt queued after `job`. That one is waiting or has just started, and reads the
    /// rules when it starts, which is after `job` was queued: it runs every rule `job` would,
    /// so `job` has nothing left to do (several rule edits in a row queue one hunt each).
    async fn superseded_by(&self, job: &Job) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT max(id) FROM jobs WHERE type = $1 AND id > $2 \
             AND status IN ('QUEUED', 'RUNNING') \
             AND NOT payload ? 'yara_rule_ids'",
        )
        .bind(RETROHUNT_JOB)
        .bind(job.id)
        .fetch_one(&self.pool)
        .await
    }

    /// Every rule, or only the job's YARA rules when they compile on their own.
    async fn scope(&self, job: &Job) -> Result<Scope, sqlx::Error> {
        let only: Vec<i64> = job
            .payload
            .get("yara_rule_ids")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        if !only.is_empty() {
            let rows: Vec<YaraRuleRow> = yara_store::list_rules(&self.pool)
                .await?
                .into_iter()
                .filter(|r| only.contains(&r.id))
                .collect();
            let rules = tokio::task::spawn_blocking(move || YaraRules::compile(&rows))
                .await
                .unwrap_or_default();
            if rules.issues.is_empty() {
                return Ok(Scope::Yara(only, rules));
            }
            tracing::info!("retro-hunt: the changed YARA rules need the others, running all");
        }
        Ok(Scope::All(self.rules.get(&self.pool).await?))
    }

    /// Run `rules` (the YARA rules `ids`) on one target, replace their matches and rescore
    /// it from every stored match. Whether any of them matched.
    async fn hunt_yara(
        &self,
        ids: &[i64],
        rules: &YaraRules,
        target_id: i64,
        capture: &Capture,
    ) -> Result<bool, sqlx::Error> {
        let found = scan_yara(rules, capture, &self.blobs, target_id).await;
        let input = MatchInput::from_capture(capture, &self.blobs);
        let mut tx = self.pool.begin().await?;
        super::store::lock_results(&mut tx, target_id).await?;
        yara_store::replace_matches(&mut tx, target_id, &found, Some(ids)).await?;
        let names: Vec<String> = sqlx::query_scalar(STORED_RULE_NAMES)
            .bind(target_id)
            .fetch_all(&mut *tx)
            .await?;
        let risk = risk::score_named(capture, &input, &names);
        super::store::store_risk(&mut tx, target_id, &risk).await?;
        tx.commit().await?;
        Ok(!found.is_empty())
    }
}

/// Names of the verified signatures and the YARA rules stored as matching a target.
const STORED_RULE_NAMES: &str = "SELECT s.name FROM signature_matches m \
    JOIN signatures s ON s.id = m.signature_id WHERE m.target_id = $1 AND m.verified \
    UNION ALL SELECT DISTINCT r.name FROM yara_matches y JOIN yara_rules r ON r.id = y.rule_id \
    WHERE y.target_id = $1";

impl JobHandler for RetroHuntJob {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>> {
        Box::pin(self.hunt(job))
    }
}
