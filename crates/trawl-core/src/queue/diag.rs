//! Diagnostic jobs, for checking a deployment's workers end to end.
//!
//! `diag.sleep` waits `ms` milliseconds (default 0), then succeeds, or fails every time when
//! `fail` is true (retryable unless `permanent` is true). Its result names the worker that ran
//! it, so an operator adding workers on other machines can see who took which job:
//! `trawl jobs add diag.sleep --count 100 --payload '{"ms": 50}'`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::Job;
use super::worker::{JobError, JobHandler};

/// Job type name of [`SleepJob`].
pub const SLEEP: &str = "diag.sleep";

/// Handler of `diag.sleep`.
pub struct SleepJob {
    worker: String,
}

impl SleepJob {
    /// A handler that reports `worker` as the one that ran each job.
    pub fn new(worker: &str) -> Arc<SleepJob> {
        Arc::new(SleepJob {
            worker: worker.to_string(),
        })
    }
}

impl JobHandler for SleepJob {
    fn run<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<Value, JobError>> {
        Box::pin(async move {
            let ms = job.payload.get("ms").and_then(Value::as_u64).unwrap_or(0);
            let flag = |name| {
                job.payload
                    .get(name)
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms.min(600_000))).await;
            }
            if flag("fail") {
                let msg = format!("diag.sleep asked to fail (attempt {})", job.attempts);
                return Err(if flag("permanent") {
                    JobError::Permanent(msg)
                } else {
                    JobError::Retry(msg)
                });
            }
            Ok(json!({ "worker": self.worker, "pid": std::process::id() }))
        })
    }
}
