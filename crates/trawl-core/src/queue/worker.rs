//! A queue worker: claims jobs, runs their handlers concurrently, renews leases, reports.
//!
//! One worker runs up to `concurrency` jobs at once. It wakes on NOTIFY (a hint) and also
//! polls, returns expired leases to the queue as it polls, and on shutdown stops claiming
//! and drains the jobs it holds. A handler's error decides what happens to the job: `Retry`
//! requeues it with backoff, `Permanent` fails it at once, `Fatal` (the environment is
//! broken: database or browser gone) requeues it and stops the worker. A panicking handler
//! counts as a retryable failure. If a lease cannot be renewed the job is abandoned (another
//! worker may hold it now); completion is fenced by the lease owner in any case.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::{FailOutcome, Job, NOTIFY_CHANNEL, Queue, backoff};

/// How a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (network trouble, a busy resource).
    #[error("{0}")]
    Retry(String),
    /// Will fail the same way again (bad payload, refused input).
    #[error("{0}")]
    Permanent(String),
    /// The environment is broken; the worker stops after requeueing the job.
    #[error("{0}")]
    Fatal(String),
}

/// Runs one kind of job. Effects must be idempotent: a job whose worker died is run again.
pub trait JobHandler: Send + Sync + 'static {
    /// Run `job`; the value is stored as the job's result.
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>>;
}

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs run at once.
    pub concurrency: usize,
    /// Lease length; renewed every third of it while a job runs.
    pub lease: Duration,
    /// Longest sleep between looks at the queue when no NOTIFY arrives.
    pub poll_interval: Duration,
    /// First retry delay; doubles with each attempt.
    pub backoff_base: Duration,
    /// Lease owner name; defaults to `host:pid:random`.
    pub owner: Option<String>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 4,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(2),
            backoff_base: Duration::from_secs(5),
            owner: None,
        }
    }
}

/// Counters of a worker's run.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub done: AtomicU64,
    pub requeued: AtomicU64,
    pub failed: AtomicU64,
    pub lease_lost: AtomicU64,
}

/// Why a worker stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// A handler reported a broken environment.
    #[error("worker stopped: {0}")]
    Fatal(String),
    /// The database failed repeatedly.
    #[error("worker stopped: database unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// A worker over one queue with a set of handlers.
pub struct Worker {
    queue: Queue,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    opts: WorkerOptions,
    owner: String,
    stats: Arc<WorkerStats>,
}

impl Worker {
    /// A worker with no handlers yet.
    pub fn new(queue: Queue, opts: WorkerOptions) -> Self {
        let owner = opts.owner.clone().unwrap_or_else(default_owner);
        Worker {
            queue,
            handlers: HashMap::new(),
            opts,
            owner,
            stats: Default::default(),
        }
    }

    /// Run jobs of `job_type` with `handler`.
    pub fn register(&mut self, job_type: &str, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(job_type.to_string(), handler);
    }

    /// This worker's lease owner name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Counters, shared while the worker runs.
    pub fn stats(&self) -> Arc<WorkerStats> {
        self.stats.clone()
    }

    /// Run until `shutdown` resolves (then drain) or a fatal error.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), WorkerError> {
        let types: Vec<String> = self.handlers.keys().cloned().collect();
        let wake = Arc::new(Notify::new());
        let listener = spawn_listener(&self.queue, wake.clone()).await;
        let slots = Arc::new(Semaphore::new(self.opts.concurrency.max(1)));
        let mut tasks: JoinSet<Option<String>> = JoinSet::new();
        let mut last_reap: Option<Instant> = None;
        let mut db_failures = 0u32;
        let mut fatal = None;
        tokio::pin!(shutdown);
        tracing::info!(owner = %self.owner, types = ?types, "worker started");

        while fatal.is_none() {
            if last_reap.is_none_or(|t| t.elapsed() >= self.opts.poll_interval) {
                let _ = self.queue.reap_expired().await;
                last_reap = Some(Instant::now());
            }
            let free = slots.available_permits();
            let mut full_batch = false;
            if free > 0 {
                match self
                    .queue
                    .claim(&self.owner, &types, free as i64, self.opts.lease)
                    .await
                {
                    Ok(jobs) => {
                        db_failures = 0;
                        full_batch = jobs.len() == free;
                        for job in jobs {
                            let permit = slots.clone().acquire_owned().await.expect("open");
                            let run = self.run_one(job);
                            tasks.spawn(async move {
                                let outcome = run.await;
                                drop(permit);
                                outcome
                            });
                        }
                    }
                    Err(e) => {
                        db_failures += 1;
                        tracing::warn!("claiming jobs failed ({db_failures}): {e}");
                        if db_failures >= 10 {
                            listener.abort();
                            return Err(WorkerError::Database(e));
                        }
                    }
                }
            }
            if full_batch {
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.opts.poll_interval) => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    fatal = done.ok().flatten();
                }
            }
        }

        tracing::info!(owner = %self.owner, running = tasks.len(), "worker draining");
        while let Some(done) = tasks.join_next().await {
            fatal = fatal.or(done.ok().flatten());
        }
        listener.abort();
        tracing::info!(owner = %self.owner, "worker stopped");
        match fatal {
            Some(msg) => Err(WorkerError::Fatal(msg)),
            None => Ok(()),
        }
    }

    /// Run one leased job to its end; returns a fatal message when the worker must stop.
    fn run_one(&self, job: Job) -> impl Future<Output = Option<String>> + Send + 'static {
        let queue = self.queue.clone();
        let handler = self.handlers.get(&job.job_type).cloned();
        let owner = self.owner.clone();
        let opts = self.opts.clone();
        let stats = self.stats.clone();
        let span = tracing::info_span!("job", id = job.id, r#type = %job.job_type);
        async move {
            tracing::info!(attempt = job.attempts, "job leased");
            let handler = handler.expect("only registered types are claimed");
            let work = AssertUnwindSafe(handler.run(&job)).catch_unwind();
            let outcome = tokio::select! {
                out = work => out.unwrap_or_else(|p| Err(JobError::Retry(panic_message(p)))),
                _ = keep_lease(&queue, job.id, &owner, opts.lease) => {
                    stats.lease_lost.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("lease lost while running; abandoning the job");
                    return None;
                }
            };
            report(&queue, &job, &owner, &opts, &stats, outcome).await
        }
        .instrument(span)
    }
}

/// Store the handler's outcome; returns a fatal message when the worker must stop.
async fn report(
    queue: &Queue,
    job: &Job,
    owner: &str,
    opts: &WorkerOptions,
    stats: &WorkerStats,
    outcome: Result<Value, JobError>,
) -> Option<String> {
    let (error, retry, fatal) = match outcome {
        Ok(result) => {
            match queue.complete(job.id, owner, &result).await {
                Ok(true) => {
                    stats.done.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("job done");
                }
                Ok(false) => {
                    stats.lease_lost.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("job finished after its lease was lost; result dropped");
                }
                Err(e) => tracing::warn!("recording completion failed (job will rerun): {e}"),
            }
            return None;
        }
        Err(JobError::Retry(e)) => (e, true, None),
        Err(JobError::Permanent(e)) => (e, false, None),
        Err(JobError::Fatal(e)) => (e.clone(), true, Some(e)),
    };
    let delay = backoff(opts.backoff_base, job.attempts);
    match queue.fail(job.id, owner, &error, retry, delay).await {
        Ok(FailOutcome::Requeued) => {
            stats.requeued.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(retry_in = ?delay, "job failed, requeued: {error}");
        }
        Ok(FailOutcome::Failed) => {
            stats.failed.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(attempts = job.attempts, "job failed: {error}");
        }
        Ok(FailOutcome::LeaseLost) => {
            stats.lease_lost.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => tracing::warn!("recording failure failed (job will rerun): {e}"),
    }
    fatal
}

/// Renew the lease every third of its length; returns only when the lease is lost.
async fn keep_lease(queue: &Queue, id: i64, owner: &str, lease: Duration) {
    loop {
        tokio::time::sleep(lease / 3).await;
        match queue.renew(id, owner, lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!("renewing lease failed: {e}"),
        }
    }
}

/// LISTEN for new-job hints; reconnects on its own (sqlx), and polling covers gaps.
async fn spawn_listener(queue: &Queue, wake: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    let pool = queue.pool().clone();
    tokio::spawn(async move {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("LISTEN unavailable, polling only: {e}");
                return;
            }
        };
        if let Err(e) = listener.listen(NOTIFY_CHANNEL).await {
            tracing::warn!("LISTEN failed, polling only: {e}");
            return;
        }
        loop {
            match listener.recv().await {
                Ok(_) => wake.notify_one(),
                Err(e) => {
                    tracing::debug!("LISTEN connection lost: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

fn default_owner() -> String {
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "host".into());
    let tag: u32 = rand::random();
    format!("{host}:{}:{tag:08x}", std::process::id())
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("handler panicked: {text}")
}
