//! Opens the database in the background as the window appears, and says when it is done.
//!
//! The data directory comes from `trawl_core::paths::default_data_dir()` (which honours
//! `TRAWL_DATA_DIR`); the server choice from `DbConfig::from_env`. The outcome goes into
//! `AppState` (with the capture workers started on an open database), then the `db-ready` or
//! `db-failed` event tells the UI to ask for the status.
//! A failure is shown to the user; nothing is retried automatically.

use tauri::{AppHandle, Emitter, Manager};
use trawl_core::db::{Database, DbConfig};
use trawl_core::{logging, paths};

use crate::ipc_types::IpcError;
use crate::state::AppState;
use crate::workers::InProcessWorkers;

/// Event emitted (no payload) when the database is open.
pub const DB_READY_EVENT: &str = "db-ready";
/// Event emitted with the `IpcError` when the database could not be opened.
pub const DB_FAILED_EVENT: &str = "db-failed";

/// Starts opening the database on the async runtime and returns at once.
pub fn spawn_open_database(app: AppHandle) {
    let cfg = DbConfig::from_env(paths::default_data_dir());
    tracing::info!(data_dir = %cfg.data_dir.display(), "opening the database");

    tauri::async_runtime::spawn(async move {
        let outcome = Database::open(&cfg).await.map_err(IpcError::from);
        if let Ok(db) = &outcome {
            db.attach_logs(logging::DEFAULT_RETENTION_DAYS);
            let workers = InProcessWorkers::start(db, &cfg.data_dir);
            app.state::<AppState>().set_workers(workers);
        }
        report(&app, outcome);
    });
}

/// Stores the outcome, then emits the matching event (in that order, so a UI that asks for
/// the status on the event always finds the outcome stored).
fn report(app: &AppHandle, outcome: Result<Database, IpcError>) {
    let failure = outcome.as_ref().err().cloned();
    app.state::<AppState>().finish_startup(outcome);

    let emitted = match failure {
        None => {
            tracing::info!("database ready");
            app.emit(DB_READY_EVENT, ())
        }
        Some(err) => {
            tracing::error!(code = %err.code, message = %err.message, "database startup failed");
            app.emit(DB_FAILED_EVENT, err)
        }
    };
    if let Err(err) = emitted {
        tracing::warn!(error = %err, "could not emit the database startup event");
    }
}
