//! Capture workers running inside the app, and the settings scans started from the app use.
//!
//! Once the database is open, one queue `Worker` runs the `capture` jobs with one shared
//! `CaptureJob` (and its browser pools) storing into the data directory's blob store. A scan
//! asking for a different concurrency replaces the worker: the old one stops claiming and
//! drains in the background while the new one starts, so a running scan is never interrupted.
//! `stop` drains every worker, then stops the browser pools; the app calls it before it closes
//! the database. A worker that stops on its own (database gone) is logged, not restarted.
//! Retro-hunt jobs run on the same worker. Every job announces itself through the batched
//! change events (see `events.rs`): its target when it starts and ends, the job when it ends.
//!
//! Lab use: `TRAWL_RESOLVE_FILE` names a file of `HOST=IP` lines (as `trawl lab serve
//! --resolve-out` writes); scans then resolve those names to those addresses only, and private
//! and loopback addresses are allowed, exactly like `trawl scan --resolve-file`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde_json::Value;

use tauri::async_runtime::JoinHandle;
use tokio::sync::oneshot;
use trawl_core::blobs::BlobStore;
use trawl_core::capture::{CaptureMode, ResolverMap};
use trawl_core::db::Database;
use trawl_core::paths::DataLayout;
use trawl_core::queue::worker::WorkerError;
use trawl_core::queue::{Job, JobError, JobHandler, Queue, Worker, WorkerOptions};
use trawl_core::rules::{RETROHUNT_JOB, RetroHuntJob};
use trawl_core::scan::{CAPTURE_JOB, CaptureJob, ScanSettings};

use crate::events::Changes;
use crate::ipc_types::IpcError;

/// Environment variable naming a resolver map file for lab scans.
pub const RESOLVE_FILE_ENV: &str = "TRAWL_RESOLVE_FILE";

/// Targets captured at once until a scan asks for another number.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Most targets a scan may capture at once.
pub const MAX_CONCURRENCY: usize = 32;

/// A running worker: the signal that stops it and the task that ends when it has drained.
struct RunningWorker {
    concurrency: usize,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), WorkerError>>,
}

/// The app's in-process capture workers.
pub struct InProcessWorkers {
    db: Database,
    capture: Arc<CaptureJob>,
    retrohunt: Arc<RetroHuntJob>,
    changes: Changes,
    current: Mutex<Option<RunningWorker>>,
    /// Replaced workers still draining.
    draining: Mutex<Vec<JoinHandle<Result<(), WorkerError>>>>,
}

impl InProcessWorkers {
    /// Starts a worker on `db` storing blobs under `data_dir`, announcing its changes.
    pub fn start(db: &Database, data_dir: &Path, changes: Changes) -> Self {
        let blobs = BlobStore::new(DataLayout::new(data_dir).blobs());
        let workers = Self {
            retrohunt: RetroHuntJob::new(db.pool().clone(), blobs.clone()),
            capture: CaptureJob::new(db.pool().clone(), blobs),
            changes,
            db: db.clone(),
            current: Mutex::new(None),
            draining: Mutex::new(Vec::new()),
        };
        workers.set_concurrency(DEFAULT_CONCURRENCY);
        workers
    }

    /// Makes the worker capture `concurrency` targets at once (clamped to 1..=32), replacing
    /// the running worker if its concurrency differs.
    pub fn set_concurrency(&self, concurrency: usize) {
        let concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
        let mut current = self.current.lock().expect("worker slot");
        if current
            .as_ref()
            .is_some_and(|w| w.concurrency == concurrency)
        {
            return;
        }

        self.capture.set_browser_pages(concurrency);
        let next = self.spawn(concurrency);
        if let Some(old) = current.replace(next) {
            // The old worker stops claiming now and drains on its own.
            let _ = old.stop.send(());
            self.draining.lock().expect("draining list").push(old.task);
        }
    }

    fn spawn(&self, concurrency: usize) -> RunningWorker {
        let opts = WorkerOptions {
            concurrency,
            ..WorkerOptions::default()
        };
        let mut worker = Worker::new(Queue::new(self.db.pool().clone()), opts);
        worker.register(CAPTURE_JOB, self.announcing(self.capture.clone()));
        worker.register(RETROHUNT_JOB, self.announcing(self.retrohunt.clone()));
        tracing::info!(
            concurrency,
            owner = worker.owner(),
            "capture worker starting"
        );

        let (stop, stopped) = oneshot::channel::<()>();
        let task = tauri::async_runtime::spawn(async move {
            let result = worker
                .run(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(err) = &result {
                tracing::error!(error = %err, "capture worker stopped");
            }
            result
        });
        RunningWorker {
            concurrency,
            stop,
            task,
        }
    }

    fn announcing(&self, inner: Arc<dyn JobHandler>) -> Arc<dyn JobHandler> {
        Arc::new(Announcing {
            inner,
            changes: self.changes.clone(),
        })
    }

    /// Stops claiming, waits for every running capture, then stops the browser pools.
    pub async fn stop(&self) {
        let current = self.current.lock().expect("worker slot").take();
        let mut tasks = std::mem::take(&mut *self.draining.lock().expect("draining list"));
        if let Some(worker) = current {
            let _ = worker.stop.send(());
            tasks.push(worker.task);
        }
        for task in tasks {
            // The worker logged its own error; a join error means it panicked.
            if let Err(err) = task.await {
                tracing::error!(error = %err, "capture worker task failed");
            }
        }

        let capture = self.capture.clone();
        let stopped = tauri::async_runtime::spawn_blocking(move || capture.shutdown()).await;
        if let Err(err) = stopped {
            tracing::error!(error = %err, "stopping the browser pools failed");
        }
        tracing::info!("capture workers stopped");
    }
}

/// A job handler that announces the job's target (when it starts and ends) and the job (when
/// it ends) through the change events.
struct Announcing {
    inner: Arc<dyn JobHandler>,
    changes: Changes,
}

impl JobHandler for Announcing {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>> {
        Box::pin(async move {
            let target = job.payload.get("target_id").and_then(Value::as_i64);
            if let Some(id) = target {
                self.changes.targets.push(id);
            }
            let outcome = self.inner.run(job).await;
            if let Some(id) = target {
                self.changes.targets.push(id);
            }
            self.changes.jobs.push(job.id);
            outcome
        })
    }
}

/// The settings of a scan in `mode` ("fast" or "full"), with the lab resolver map of
/// `TRAWL_RESOLVE_FILE` when it is set.
pub fn scan_settings(mode: &str) -> Result<ScanSettings, IpcError> {
    let mode = match mode {
        "fast" => CaptureMode::Fast,
        "full" => CaptureMode::Full,
        other => {
            return Err(IpcError::new(
                "invalid_mode",
                format!("unknown capture mode `{other}`"),
            ));
        }
    };
    let mut settings = ScanSettings {
        mode,
        ..ScanSettings::default()
    };

    if let Some(path) = std::env::var_os(RESOLVE_FILE_ENV).filter(|p| !p.is_empty()) {
        settings.resolve = read_resolve_file(Path::new(&path))?;
        settings.allow_private = true;
    }
    Ok(settings)
}

/// The `HOST=IP` entries of a resolver map file, checked by the engine's parser.
fn read_resolve_file(path: &Path) -> Result<Vec<String>, IpcError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| {
        IpcError::new(
            "resolve_file_unreadable",
            format!("cannot read {name}: {err}"),
        )
    })?;
    ResolverMap::parse_text(&text, &name)
        .map_err(|err| IpcError::new("resolve_file_invalid", format!("{name}: {err}")))?;

    // The same comment rule as the engine's parser: `#` starts a comment anywhere on a line.
    let entries = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim());
    Ok(entries
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_other_than_fast_and_full_are_refused() {
        assert_eq!(scan_settings("fast").unwrap().mode, CaptureMode::Fast);
        assert_eq!(scan_settings("full").unwrap().mode, CaptureMode::Full);

        assert_eq!(scan_settings("turbo").unwrap_err().code, "invalid_mode");
    }

    #[test]
    fn a_resolve_file_gives_its_entries_without_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map");
        std::fs::write(
            &path,
            "# lab\na.test=127.0.10.1 # site\n\nb.test=127.0.10.2\n",
        )
        .unwrap();

        let entries = read_resolve_file(&path).unwrap();

        assert_eq!(entries, ["a.test=127.0.10.1", "b.test=127.0.10.2"]);
    }

    #[test]
    fn a_broken_resolve_file_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map");
        std::fs::write(&path, "not a mapping\n").unwrap();

        let err = read_resolve_file(&path).unwrap_err();

        assert_eq!(err.code, "resolve_file_invalid");
        assert!(err.message.contains("map"), "{}", err.message);
    }
}
