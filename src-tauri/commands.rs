//! Tauri commands: thin adapters from IPC calls to the engine.
//!
//! Each command takes the shared state, calls one engine function and converts the result into
//! the types of `ipc_types`. Errors cross as `IpcError { code, message }`; no retries here.

use tauri::{AppHandle, State};

use crate::ipc_types::{DbStatusView, IpcError};
use crate::startup::spawn_open_database;
use crate::state::AppState;

/// The database's mode, location, versions and row counts.
///
/// Fails with `db_starting` while startup runs, with the startup error if it failed, or with
/// the engine's error code if the status query fails.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn db_status(state: State<'_, AppState>) -> Result<DbStatusView, IpcError> {
    // A startup error was logged when it happened; only a failing query is new here.
    let db = state.database()?;
    let status = db.status().await.map_err(|err| {
        tracing::warn!(code = err.code(), error = %err, "database status query failed");
        IpcError::from(err)
    })?;
    Ok(status.into())
}

/// Starts opening the database again after a failed startup; does nothing in any other state.
///
/// Completion is announced like the first attempt, with `db-ready` or `db-failed`.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn retry_db_startup(app: AppHandle, state: State<'_, AppState>) {
    if state.begin_retry() {
        spawn_open_database(app);
    }
}
