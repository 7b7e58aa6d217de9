//! The `capture` job: capture one target, analyse it, store the results.
//!
//! A target's own failure (DNS, refusal, timeout, a hostile body) is data: the target ends
//! FAILED with its reason and the job is DONE. Database trouble is retried; on the job's last
//! attempt the target is marked FAILED so it never stays RUNNING. Capturers are built per scan
//! from the scan's stored settings and reused for every target of that scan. Full-mode
//! capturers own a browser pool: scans with the same settings share one, it lives as long as
//! the handler, and [`CaptureJob::shutdown`] stops it (dropping the handler does too).
//! HTTPS captures get a JARM value through one cache per handler, shared by every scan.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::ScanSettings;
use super::analyse::analyse;
use super::store::{mark_failed, mark_running, store_capture};
use crate::blobs::BlobStore;
use crate::capture::{
    Capture, CaptureMode, CaptureOptions, FastCapturer, FullCapturer, FullOptions, GuardPolicy,
    ResolverMap, ResolverSettings, build_resolver,
};
use crate::jarm::JarmCache;
use crate::link::{ClusterSettings, link_target};
use crate::queue::{Job, JobError, JobHandler};

/// Job type of [`CaptureJob`].
pub const CAPTURE_JOB: &str = "capture";

/// Handler of `capture` jobs.
pub struct CaptureJob {
    pool: PgPool,
    blobs: BlobStore,
    capturers: Mutex<HashMap<i64, Capturer>>,
    /// Full capturers by their settings, so scans alike share one browser pool.
    browsers: Mutex<HashMap<String, Arc<FullCapturer>>>,
    browser_pages: AtomicUsize,
    /// JARM values by (address, port, SNI), so a server hosting many targets is probed once.
    jarm: Arc<JarmCache>,
    /// Compiled signatures and alert rules, rebuilt when the stored rules change.
    rules: crate::rules::RuleCache,
}

/// The capturer a scan uses.
#[derive(Clone)]
enum Capturer {
    Fast(Arc<FastCapturer>),
    Full(Arc<FullCapturer>),
}

impl Capturer {
    async fn capture(&self, url: &url::Url) -> Capture {
        match self {
            Capturer::Fast(c) => c.capture(url).await,
            Capturer::Full(c) => c.capture(url).await,
        }
    }
}

impl CaptureJob {
    /// A handler storing into `pool` and the blob store `blobs`.
    pub fn new(pool: PgPool, blobs: BlobStore) -> Arc<CaptureJob> {
        Arc::new(CaptureJob {
            pool,
            blobs,
            capturers: Mutex::new(HashMap::new()),
            browsers: Mutex::new(HashMap::new()),
            browser_pages: AtomicUsize::new(2),
            jarm: Arc::new(JarmCache::default()),
            rules: crate::rules::RuleCache::default(),
        })
    }

    /// Pages a full-mode browser pool captures at once (default 2); applies to pools built
    /// after the call.
    pub fn set_browser_pages(&self, pages: usize) {
        self.browser_pages.store(pages.max(1), Ordering::SeqCst);
    }

    /// Stops every browser pool (blocking: waits for running pages, kills the browsers).
    pub fn shutdown(&self) {
        let pools: Vec<_> = self
            .browsers
            .lock()
            .expect("browser cache")
            .drain()
            .collect();
        self.capturers.lock().expect("capturer cache").clear();
        for (_, capturer) in pools {
            capturer.shutdown();
        }
    }

    /// The full capturer for `settings`, shared by scans with the same settings.
    fn full_capturer(&self, settings: &ScanSettings) -> Result<Arc<FullCapturer>, JobError> {
        let identity = (
            &settings.resolve,
            settings.dns,
            settings.allow_private,
            settings.timeout_secs,
        );
        let key = serde_json::to_string(&identity).unwrap_or_default();
        let mut browsers = self.browsers.lock().expect("browser cache");
        if let Some(c) = browsers.get(&key) {
            return Ok(c.clone());
        }
        let pages = self.browser_pages.load(Ordering::SeqCst);
        let capturer = Arc::new(build_full_capturer(settings, self.blobs.clone(), pages)?);
        browsers.insert(key, capturer.clone());
        Ok(capturer)
    }

    async fn capturer(&self, scan_id: i64) -> Result<Capturer, JobError> {
        let options: Value = sqlx::query_scalar("SELECT options FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| JobError::Retry(format!("loading scan {scan_id}: {e}")))?
            .ok_or_else(|| JobError::Permanent(format!("scan {scan_id} does not exist")))?;
        let settings: ScanSettings = serde_json::from_value(options)
            .map_err(|e| JobError::Permanent(format!("scan {scan_id} settings: {e}")))?;
        if let Some(c) = self.capturers.lock().expect("capturer cache").get(&scan_id) {
            return Ok(c.clone());
        }
        let capturer = match settings.mode {
            CaptureMode::Fast => Capturer::Fast(Arc::new(build_fast_capturer(
                &settings,
                self.blobs.clone(),
            )?)),
            CaptureMode::Full => Capturer::Full(self.full_capturer(&settings)?),
        };
        self.capturers
            .lock()
            .expect("capturer cache")
            .insert(scan_id, capturer.clone());
        Ok(capturer)
    }

    /// The JARM value of the capture's final HTTPS endpoint (its recorded address, the URL's
    /// host as SNI), or `None` for plain HTTP and captures without an address.
    async fn jarm_of(&self, capture: &Capture) -> Option<String> {
        let url = url::Url::parse(&capture.final_url).ok()?;
        if url.scheme() != "https" {
            return None;
        }
        let ip = capture.ip.as_deref()?;
        let ip: IpAddr = ip.trim_matches(['[', ']']).parse().ok()?;
        let host = url.host_str()?.trim_matches(['[', ']']);
        let port = url.port_or_known_default()?;
        Some(self.jarm.get(ip, port, host).await.hash)
    }

    async fn capture_target(&self, job: &Job) -> Result<Value, JobError> {
        let target_id = payload_id(job, "target_id")?;
        let scan_id = payload_id(job, "scan_id")?;
        let capturer = self.capturer(scan_id).await?;
        let url: String = sqlx::query_scalar("SELECT url FROM targets WHERE id = $1")
            .bind(target_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(retry)?
            .ok_or_else(|| JobError::Permanent(format!("target {target_id} does not exist")))?;
        let url = url::Url::parse(&url)
            .map_err(|e| JobError::Permanent(format!("target {target_id}: bad URL: {e}")))?;
        mark_running(&self.pool, target_id).await.map_err(retry)?;

        let mut capture = capturer.capture(&url).await;
        capture.jarm = self.jarm_of(&capture).await;
        let blobs = self.blobs.clone();
        let (capture, analysis) = tokio::task::spawn_blocking(move || {
            let analysis = analyse(&capture, &blobs);
            (capture, analysis)
        })
        .await
        .map_err(|e| JobError::Retry(format!("analysis crashed: {e}")))?;
        let html_path = capture
            .html
            .as_ref()
            .map(|b| self.blobs.path(&b.blob).display().to_string());
        let status = store_capture(
            &self.pool, target_id, job.id, &capture, &analysis, html_path,
        )
        .await
        .map_err(retry)?;
        // Matching stage: signatures, alert rules and the risk score (see `crate::rules`).
        if status == "DONE" {
            let rules = self.rules.get(&self.pool).await.map_err(retry)?;
            crate::rules::match_and_store(&self.pool, &self.blobs, &rules, target_id, &capture)
                .await
                .map_err(retry)?;
        }
        // Graph and campaigns; a failure here keeps the capture (`recluster` rebuilds).
        if status == "DONE"
            && let Err(e) = link_target(&self.pool, &ClusterSettings::default(), target_id).await
        {
            tracing::warn!(target_id, "linking failed: {e}");
        }
        if status == "FAILED" {
            let reason = capture.error.as_deref().unwrap_or("no document captured");
            tracing::warn!(target_id, url = %url, "capture failed: {reason}");
        }
        Ok(json!({ "target_id": target_id, "status": status }))
    }
}

impl JobHandler for CaptureJob {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>> {
        Box::pin(async move {
            let result = self.capture_target(job).await;
            if let Err(e) = &result {
                let last = matches!(e, JobError::Permanent(_)) || job.attempts >= job.max_attempts;
                if last && let Ok(target_id) = payload_id(job, "target_id") {
                    tracing::warn!(target_id, "capture job gave up: {e}");
                    let _ = mark_failed(&self.pool, target_id, &e.to_string()).await;
                }
            }
            result
        })
    }
}

/// A fast capturer configured by a scan's settings.
pub fn build_fast_capturer(
    settings: &ScanSettings,
    blobs: BlobStore,
) -> Result<FastCapturer, JobError> {
    let mut map = ResolverMap::new();
    for entry in &settings.resolve {
        map.add_arg(entry)
            .map_err(|e| JobError::Permanent(format!("resolver map: {e}")))?;
    }
    let resolver = build_resolver(ResolverSettings {
        map,
        dns: settings.dns,
        nameserver: None,
    })
    .map_err(|e| JobError::Fatal(format!("name resolution unavailable: {e}")))?;
    let options = CaptureOptions {
        timeout_total: Duration::from_secs_f64(settings.timeout_secs.clamp(1.0, 600.0)),
        guard: GuardPolicy {
            allow_private: settings.allow_private,
        },
        ..CaptureOptions::default()
    };
    Ok(FastCapturer::new(options, resolver, blobs))
}

/// Capture jobs to run at once per browser page in full mode: one page in the browser while
/// the previous one is analysed, matched, linked and stored, so the browser never waits for
/// the database.
pub const JOBS_PER_BROWSER_PAGE: usize = 2;

/// A full (browser) capturer configured by a scan's settings, capturing `pages` at once.
pub fn build_full_capturer(
    settings: &ScanSettings,
    blobs: BlobStore,
    pages: usize,
) -> Result<FullCapturer, JobError> {
    let mut map = ResolverMap::new();
    for entry in &settings.resolve {
        map.add_arg(entry)
            .map_err(|e| JobError::Permanent(format!("resolver map: {e}")))?;
    }
    let sealed = !map.is_empty() && !settings.dns;
    let options = FullOptions {
        pages,
        timeout_total: Duration::from_secs_f64(settings.timeout_secs.clamp(5.0, 600.0)),
        guard: GuardPolicy {
            allow_private: settings.allow_private,
        },
        map,
        sealed,
        ..FullOptions::default()
    };
    FullCapturer::new(options, blobs)
        .map_err(|e| JobError::Fatal(format!("full capture unavailable: {e}")))
}

fn payload_id(job: &Job, key: &str) -> Result<i64, JobError> {
    job.payload
        .get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| JobError::Permanent(format!("payload has no {key}")))
}

fn retry(e: sqlx::Error) -> JobError {
    JobError::Retry(format!("database: {e}"))
}
