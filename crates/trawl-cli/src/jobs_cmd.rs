//! `trawl jobs`: look at the queue and add jobs by hand.

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use trawl_core::queue::{Enqueued, JobFilter, NewJob, Queue, STATUSES};

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first
    List {
        /// Only jobs in this state (QUEUED, RUNNING, DONE, FAILED, SKIPPED)
        #[arg(long)]
        status: Option<String>,
        /// Only jobs of this type
        #[arg(long = "type")]
        job_type: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print JSON lines instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add jobs (e.g. `diag.sleep` to check workers)
    Add {
        /// Job type
        job_type: String,
        /// Payload as JSON
        #[arg(long, default_value = "{}")]
        payload: String,
        /// Dedupe key (skipped while a job with this key is queued or running)
        #[arg(long)]
        dedupe: Option<String>,
        /// Attempts before the job fails
        #[arg(long, default_value_t = 5)]
        max_attempts: i32,
        /// Add this many copies (no dedupe key allowed)
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
}

pub async fn run(ctx: &Context, cmd: JobsCommand) -> Result<()> {
    match cmd {
        JobsCommand::List {
            status,
            job_type,
            limit,
            json,
        } => {
            let status = status.map(|s| s.to_ascii_uppercase());
            if let Some(s) = &status
                && !STATUSES.contains(&s.as_str())
            {
                bail!("unknown status {s:?}; use one of {}", STATUSES.join(", "));
            }
            let filter = JobFilter {
                status,
                job_type,
                limit,
            };
            let jobs = ctx
                .with_db(|db| async move { Ok(Queue::new(db.pool().clone()).list(&filter).await?) })
                .await?;
            print_jobs(&jobs, json)
        }
        JobsCommand::Add {
            job_type,
            payload,
            dedupe,
            max_attempts,
            count,
        } => {
            let payload: serde_json::Value =
                serde_json::from_str(&payload).context("--payload is not valid JSON")?;
            if count > 1 && dedupe.is_some() {
                bail!("--count and --dedupe cannot be combined");
            }
            ctx.with_db(|db| async move {
                let queue = Queue::new(db.pool().clone());
                if count > 1 {
                    let payloads = vec![payload; count];
                    let ids = queue
                        .enqueue_batch(&job_type, &payloads, max_attempts)
                        .await?;
                    println!(
                        "queued {} jobs ({}..={})",
                        ids.len(),
                        ids[0],
                        ids[ids.len() - 1]
                    );
                    return Ok(());
                }
                let mut job = NewJob::new(&job_type, payload).max_attempts(max_attempts);
                job.dedupe_key = dedupe;
                match queue.enqueue(&job).await? {
                    Enqueued::New(id) => println!("queued job {id}"),
                    Enqueued::Duplicate(id) => println!("skipped: job {id} has the same key"),
                }
                Ok(())
            })
            .await
        }
    }
}

fn print_jobs(jobs: &[trawl_core::queue::Job], json: bool) -> Result<()> {
    if json {
        for job in jobs {
            println!("{}", serde_json::to_string(job)?);
        }
        return Ok(());
    }
    println!(
        "{:>8}  {:<14} {:<8} {:>8}  {:<20} error",
        "id", "type", "status", "attempts", "updated"
    );
    for j in jobs {
        let error = j.last_error.as_deref().unwrap_or("");
        let error: String = error.chars().take(60).collect();
        println!(
            "{:>8}  {:<14} {:<8} {:>4}/{:<3}  {:<20} {error}",
            j.id,
            j.job_type,
            j.status,
            j.attempts,
            j.max_attempts,
            j.updated_at.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    Ok(())
}
