//! `trawl worker`: run queued jobs (captures and diagnostics) until Ctrl-C (or SIGTERM), then
//! drain.

use std::time::Duration;

use anyhow::Result;
use clap::Args;
use trawl_core::blobs::BlobStore;
use trawl_core::queue::{Queue, Worker, WorkerOptions, diag};
use trawl_core::scan::{CAPTURE_JOB, CaptureJob};

use crate::context::Context;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Jobs run at once
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Lease length in seconds (a crashed worker's jobs return to the queue after it)
    #[arg(long, default_value_t = 60.0)]
    lease_secs: f64,
    /// Seconds between looks at the queue when nothing wakes the worker
    #[arg(long, default_value_t = 2.0)]
    poll_secs: f64,
    /// First retry delay in seconds (doubles per attempt)
    #[arg(long, default_value_t = 5.0)]
    backoff_secs: f64,
}

pub async fn run(ctx: &Context, args: WorkerArgs) -> Result<()> {
    let db = ctx.open_db().await?;
    let opts = WorkerOptions {
        concurrency: args.concurrency,
        lease: secs(args.lease_secs),
        poll_interval: secs(args.poll_secs),
        backoff_base: secs(args.backoff_secs),
        owner: None,
    };
    let mut worker = Worker::new(Queue::new(db.pool().clone()), opts);
    // Capture jobs too: without this handler a worker never claimed the jobs `trawl scan`
    // queues, so scans could not be scaled out or continued after an interrupted scan.
    let blobs = BlobStore::new(trawl_core::paths::DataLayout::new(&ctx.data_dir).blobs());
    worker.register(
        trawl_core::rules::RETROHUNT_JOB,
        trawl_core::rules::RetroHuntJob::new(db.pool().clone(), blobs.clone()),
    );
    let capture_job = CaptureJob::new(db.pool().clone(), blobs);
    capture_job.set_browser_pages(args.concurrency.max(1));
    worker.register(CAPTURE_JOB, capture_job.clone());
    worker.register(
        diag::SLEEP,
        diag::SleepJob::new(&worker.owner().to_string()),
    );
    let result = worker.run(shutdown_signal()).await;
    // Full mode: stop the browser pool (waits for running pages, kills the browsers).
    tokio::task::spawn_blocking(move || capture_job.shutdown()).await?;
    db.close().await;
    Ok(result?)
}

fn secs(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.01))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutdown requested; draining");
}
