//! Queue throughput: jobs claimed and completed per second with 1, 4 and 16 workers on the
//! embedded server, against the 1-worker run as the reference. Each worker is an independent
//! `Worker` (concurrency 1) with no-op jobs, so the figures measure the queue itself:
//! claim, lease, completion and its log row.
//!
//! Run: `cargo bench -p trawl-core --bench queue` (JOBS=N to change the job count).

use std::sync::Arc;
use std::time::{Duration, Instant};

use trawl_core::db::{Database, DbConfig};
use trawl_core::queue::{Queue, Worker, WorkerOptions, diag};

#[tokio::main]
async fn main() {
    let jobs: usize = std::env::var("JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = DbConfig::from_env(dir.path().to_path_buf());
    cfg.database_url = None;
    cfg.max_connections = 40;
    let db = Database::open(&cfg).await.expect("embedded database");
    let queue = Queue::new(db.pool().clone());

    println!("queue benchmark: {jobs} no-op jobs per run, embedded Postgres, 2 cores");
    println!(
        "{:>8} {:>12} {:>10} {:>14}",
        "workers", "seconds", "jobs/s", "vs 1 worker"
    );
    let mut reference = None;
    for workers in [1usize, 4, 16] {
        sqlx::query("TRUNCATE jobs, logs")
            .execute(db.pool())
            .await
            .unwrap();
        let payloads = vec![serde_json::json!({}); jobs];
        queue
            .enqueue_batch(diag::SLEEP, &payloads, 3)
            .await
            .unwrap();

        let start = Instant::now();
        let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut handles = Vec::new();
        let mut counters = Vec::new();
        for _ in 0..workers {
            let opts = WorkerOptions {
                concurrency: 1,
                poll_interval: Duration::from_millis(200),
                ..WorkerOptions::default()
            };
            let mut worker = Worker::new(queue.clone(), opts);
            worker.register(diag::SLEEP, diag::SleepJob::new(worker.owner()));
            counters.push(worker.stats());
            let mut stop = stop_tx.subscribe();
            handles.push(tokio::spawn(worker.run(async move {
                let _ = stop.recv().await;
            })));
        }
        let done = |c: &Vec<Arc<trawl_core::queue::worker::WorkerStats>>| {
            c.iter()
                .map(|s| s.done.load(std::sync::atomic::Ordering::Relaxed))
                .sum::<u64>()
        };
        while done(&counters) < jobs as u64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let seconds = start.elapsed().as_secs_f64();
        let _ = stop_tx.send(());
        for h in handles {
            h.await.unwrap().unwrap();
        }
        let rate = jobs as f64 / seconds;
        let reference = *reference.get_or_insert(rate);
        println!(
            "{workers:>8} {seconds:>12.2} {rate:>10.0} {:>13.2}x",
            rate / reference
        );
    }
    db.close().await;
}
