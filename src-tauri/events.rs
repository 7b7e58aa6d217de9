//! Batched change events: `targets-changed` and `jobs-changed`, each carrying the ids changed
//! since the last event of its kind.
//!
//! Producers (the in-process workers, commands that change rows) push ids and return at once;
//! one task per event kind waits for the first id, gathers for [`INTERVAL`], then emits every
//! id gathered as one event, so a scan of thousands of targets sends at most about two events
//! a second. A failed emit is logged and the ids are dropped (the UI re-reads on its own
//! schedule anyway); nothing is retried.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::{AppHandle, Emitter};
use tokio::sync::Notify;

use crate::ipc_target_actions::{JobsChangedEvent, TargetsChangedEvent};

/// Event carrying a `TargetsChangedEvent`.
pub const TARGETS_CHANGED_EVENT: &str = "targets-changed";
/// Event carrying a `JobsChangedEvent`.
pub const JOBS_CHANGED_EVENT: &str = "jobs-changed";

/// Time ids are gathered before one event goes out.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// Ids waiting to be announced, and the wake-up of the task announcing them.
#[derive(Clone, Default)]
pub struct ChangeBatcher {
    pending: Arc<Mutex<BTreeSet<i64>>>,
    wake: Arc<Notify>,
}

impl ChangeBatcher {
    /// A batcher whose task calls `emit` with each batch (sorted, never empty), gathering for
    /// `interval` after the first id of a batch. Spawn on the Tauri runtime.
    pub fn spawn(interval: Duration, emit: impl Fn(Vec<i64>) + Send + 'static) -> ChangeBatcher {
        let batcher = ChangeBatcher::default();
        let (pending, wake) = (batcher.pending.clone(), batcher.wake.clone());
        tauri::async_runtime::spawn(async move {
            loop {
                wake.notified().await;
                tokio::time::sleep(interval).await;
                let ids: Vec<i64> = std::mem::take(&mut *pending.lock().expect("pending ids"))
                    .into_iter()
                    .collect();
                if !ids.is_empty() {
                    emit(ids);
                }
            }
        });
        batcher
    }

    /// Queues `id` for the next event.
    pub fn push(&self, id: i64) {
        self.pending.lock().expect("pending ids").insert(id);
        self.wake.notify_one();
    }

    /// Queues every id of `ids`.
    pub fn extend(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        self.pending.lock().expect("pending ids").extend(ids);
        self.wake.notify_one();
    }
}

/// The two change announcers of the app.
#[derive(Clone, Default)]
pub struct Changes {
    /// Targets stored or updated.
    pub targets: ChangeBatcher,
    /// Jobs that ran or were changed by hand.
    pub jobs: ChangeBatcher,
}

impl Changes {
    /// Announcers emitting to the app's windows.
    pub fn for_app(app: &AppHandle) -> Changes {
        let targets = ChangeBatcher::spawn(INTERVAL, {
            let app = app.clone();
            move |ids| emit(&app, TARGETS_CHANGED_EVENT, TargetsChangedEvent { ids })
        });
        let jobs = ChangeBatcher::spawn(INTERVAL, {
            let app = app.clone();
            move |ids| emit(&app, JOBS_CHANGED_EVENT, JobsChangedEvent { ids })
        });
        Changes { targets, jobs }
    }
}

fn emit(app: &AppHandle, event: &str, payload: impl serde::Serialize + Clone) {
    if let Err(err) = app.emit(event, payload) {
        tracing::warn!(event, error = %err, "could not emit a change event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_id_arrives_once_in_sorted_non_empty_batches() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let batcher = ChangeBatcher::spawn(Duration::from_millis(20), move |ids| {
            tx.send(ids).unwrap();
        });

        batcher.push(3);
        batcher.extend(&[2, 1]);
        batcher.extend(&[]);
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let batch = rx.recv().await.unwrap();
            assert!(!batch.is_empty());
            assert!(batch.is_sorted(), "{batch:?}");
            seen.extend(batch);
        }

        seen.sort();
        assert_eq!(seen, [1, 2, 3]);
        batcher.push(7);
        assert_eq!(rx.recv().await.unwrap(), [7]);
    }
}
