//! Scans: a batch of URLs submitted for capture, and the job that captures one target.
//!
//! `submit` records a scan (its capture settings travel with it, in `scans.options`, so a
//! worker on another machine captures the same way), one target row per URL and one
//! `capture` job per target. The job handler ([`handler`]) captures, analyses ([`analyse`])
//! and stores ([`store`]). Progress is read from the targets' statuses.

pub mod analyse;
pub mod handler;
pub mod store;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::capture::CaptureMode;
use crate::input::InputUrl;
use crate::queue::Queue;

pub use handler::{CAPTURE_JOB, CaptureJob, JOBS_PER_BROWSER_PAGE};

/// How a scan captures, as stored in `scans.options`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanSettings {
    /// Fast (HTTP) or full (browser) capture.
    pub mode: CaptureMode,
    /// Resolver map entries (`host=ip`), the lab's explicit allowance for those names.
    #[serde(default)]
    pub resolve: Vec<String>,
    /// Capture private and loopback addresses.
    #[serde(default)]
    pub allow_private: bool,
    /// Resolve names outside the map on the network (off: a map seals the capture).
    #[serde(default)]
    pub dns: bool,
    /// Whole-capture time limit in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
}

fn default_timeout() -> f64 {
    30.0
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            mode: CaptureMode::Fast,
            resolve: Vec::new(),
            allow_private: false,
            dns: false,
            timeout_secs: default_timeout(),
        }
    }
}

/// A submitted scan.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub scan_id: i64,
    pub target_ids: Vec<i64>,
}

/// Counts of a scan's targets by status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanProgress {
    pub total: i64,
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
    pub skipped: i64,
}

impl ScanProgress {
    /// Targets that reached an end state.
    pub fn finished(&self) -> i64 {
        self.done + self.failed + self.skipped
    }
}

/// Record a scan of `urls` and queue one capture job per URL.
pub async fn submit(
    pool: &PgPool,
    urls: &[InputUrl],
    settings: &ScanSettings,
    source: &str,
) -> Result<Submitted, sqlx::Error> {
    let mode = match settings.mode {
        CaptureMode::Fast => "fast",
        CaptureMode::Full => "full",
    };
    let options = serde_json::to_value(settings).unwrap_or_default();
    let mut tx = pool.begin().await?;
    let scan_id: i64 = sqlx::query_scalar(
        "INSERT INTO scans (mode, source, total, options) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(mode)
    .bind(source)
    .bind(urls.len() as i32)
    .bind(&options)
    .fetch_one(&mut *tx)
    .await?;
    let target_ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO targets (url, display_url, domain, scan_id, capture_mode) \
         SELECT u, d, h, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS x(u, d, h) \
         RETURNING id",
    )
    .bind(urls.iter().map(|u| u.url.to_string()).collect::<Vec<_>>())
    .bind(urls.iter().map(|u| u.display.clone()).collect::<Vec<_>>())
    .bind(
        urls.iter()
            .map(|u| u.url.host_str().unwrap_or("").to_string())
            .collect::<Vec<_>>(),
    )
    .bind(scan_id)
    .bind(mode)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let payloads: Vec<_> = target_ids
        .iter()
        .map(|id| serde_json::json!({ "target_id": id, "scan_id": scan_id }))
        .collect();
    Queue::new(pool.clone())
        .enqueue_batch(CAPTURE_JOB, &payloads, 3)
        .await?;
    tracing::info!(scan_id, targets = target_ids.len(), mode, "scan queued");
    Ok(Submitted {
        scan_id,
        target_ids,
    })
}

/// Current counts of a scan's targets.
pub async fn progress(pool: &PgPool, scan_id: i64) -> Result<ScanProgress, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM targets WHERE scan_id = $1 GROUP BY status")
            .bind(scan_id)
            .fetch_all(pool)
            .await?;
    let mut p = ScanProgress::default();
    for (status, n) in rows {
        p.total += n;
        match status.as_str() {
            "QUEUED" => p.queued = n,
            "RUNNING" => p.running = n,
            "DONE" => p.done = n,
            "FAILED" => p.failed = n,
            _ => p.skipped += n,
        }
    }
    Ok(p)
}

/// Mark a scan finished.
pub async fn finish(pool: &PgPool, scan_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE scans SET finished_at = now() WHERE id = $1 AND finished_at IS NULL")
        .bind(scan_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Reason recorded on targets whose scan was cancelled before they were captured.
pub const CANCELLED: &str = "cancelled";

/// Cancel a scan: its capture jobs still QUEUED become SKIPPED, and so do their targets, with
/// the reason [`CANCELLED`]. Jobs already claimed finish normally. Returns the number of
/// targets skipped.
pub async fn cancel(pool: &PgPool, scan_id: i64) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Only the jobs this statement skips decide which targets are skipped, so a target whose
    // job a worker claimed meanwhile is left to that worker.
    let target_ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE jobs SET status = 'SKIPPED', last_error = $3, finished_at = now(), \
           updated_at = now(), lease_owner = NULL, lease_until = NULL \
         WHERE type = $2 AND status = 'QUEUED' AND (payload->>'scan_id')::bigint = $1 \
         RETURNING (payload->>'target_id')::bigint",
    )
    .bind(scan_id)
    .bind(CAPTURE_JOB)
    .bind(CANCELLED)
    .fetch_all(&mut *tx)
    .await?;
    let skipped = sqlx::query(
        "UPDATE targets SET status = 'SKIPPED', reason = $2, updated_at = now() \
         WHERE id = ANY($1) AND status = 'QUEUED'",
    )
    .bind(&target_ids)
    .bind(CANCELLED)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;

    tracing::info!(scan_id, skipped, "scan cancelled");
    Ok(skipped)
}
