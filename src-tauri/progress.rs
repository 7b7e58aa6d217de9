//! Reports a running scan's progress to the UI with the `scan-progress` event.
//!
//! One task per started scan reads the scan's counts about twice a second and emits them
//! (rate and ETA are the UI's arithmetic). When every target has reached an end state the
//! task emits a last time, marks the scan finished and ends. A failed count query is logged
//! and ends the task (the database is closing or gone); nothing is retried.

use std::time::Duration;

use tauri::{AppHandle, Emitter};
use trawl_core::db::Database;
use trawl_core::scan;

use crate::ipc_scan::ScanProgressEvent;

/// Event carrying a `ScanProgressEvent`.
pub const SCAN_PROGRESS_EVENT: &str = "scan-progress";

/// Time between two progress events of one scan.
const INTERVAL: Duration = Duration::from_millis(500);

/// Starts reporting the progress of `scan_id`; returns at once.
pub fn spawn_reporter(app: AppHandle, db: Database, scan_id: i64) {
    tauri::async_runtime::spawn(async move {
        let pool = db.pool();
        loop {
            let progress = match scan::progress(pool, scan_id).await {
                Ok(progress) => progress,
                Err(err) => {
                    tracing::warn!(scan_id, error = %err, "scan progress query failed");
                    return;
                }
            };
            let event = ScanProgressEvent::new(scan_id, &progress);
            if let Err(err) = app.emit(SCAN_PROGRESS_EVENT, &event) {
                tracing::warn!(scan_id, error = %err, "could not emit scan progress");
            }

            if progress.finished() >= progress.total {
                if let Err(err) = scan::finish(pool, scan_id).await {
                    tracing::warn!(scan_id, error = %err, "could not mark the scan finished");
                }
                tracing::info!(
                    scan_id,
                    done = progress.done,
                    failed = progress.failed,
                    "scan finished"
                );
                return;
            }
            tokio::time::sleep(INTERVAL).await;
        }
    });
}
