//! Tauri commands: thin adapters from IPC calls to the engine.
//!
//! Each command takes the shared state, calls one engine function and converts the result into
//! the types of `ipc_types`. Errors cross as `IpcError { code, message }`; no retries here.

use serde_json::Value;
use tauri::{AppHandle, State};
use trawl_core::scan;
use trawl_core::targets::{self, PageQuery};

use crate::ipc_scan::{CancelledScan, ScanSources, StartScanRequest, StartedScan, UrlPreview};
use crate::ipc_targets::{TargetPage, TargetQuery};
use crate::ipc_types::{DbStatusView, IpcError};
use crate::progress::spawn_reporter;
use crate::scan_input::MergedLists;
use crate::startup::spawn_open_database;
use crate::state::AppState;
use crate::workers::scan_settings;

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

/// Reads dropped URL-list files and previews what a scan of them would take and leave.
///
/// Fails with `file_unreadable` or `list_invalid`, naming the path.
#[tauri::command]
#[tracing::instrument(skip_all, fields(files = paths.len()))]
pub async fn parse_url_lists(paths: Vec<String>) -> Result<UrlPreview, IpcError> {
    let sources = ScanSources {
        paths,
        text: String::new(),
    };
    Ok(read_sources(sources).await?.preview())
}

/// Previews pasted text as a URL list.
#[tauri::command]
#[tracing::instrument(skip_all, fields(bytes = text.len()))]
pub async fn parse_url_text(text: String) -> Result<UrlPreview, IpcError> {
    let sources = ScanSources {
        paths: Vec::new(),
        text,
    };
    Ok(read_sources(sources).await?.preview())
}

/// Reads the request's sources again (the UI's preview is not trusted), queues a scan of the
/// accepted URLs, and starts reporting its progress with `scan-progress`.
#[tauri::command]
#[tracing::instrument(skip_all, fields(mode = %request.mode))]
pub async fn start_scan(
    app: AppHandle,
    state: State<'_, AppState>,
    request: StartScanRequest,
) -> Result<StartedScan, IpcError> {
    let (db, workers) = (state.database()?, state.workers()?);
    let settings = scan_settings(&request.mode)?;
    let source = MergedLists::describe(&request.sources);
    let lists = read_sources(request.sources).await?;
    if lists.urls.is_empty() {
        return Err(IpcError::new("no_urls", "the lists hold no URL to scan"));
    }

    workers.set_concurrency(request.concurrency as usize);
    let submitted = scan::submit(db.pool(), &lists.urls, &settings, &source).await;
    let submitted = submitted.map_err(|err| query_failed("queueing the scan", &err))?;
    spawn_reporter(app, db.clone(), submitted.scan_id);
    let total = u32::try_from(submitted.target_ids.len()).unwrap_or(u32::MAX);
    Ok(StartedScan {
        scan_id: submitted.scan_id,
        total,
    })
}

/// Skips the still-queued targets of a scan; captures already running finish.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn cancel_scan(
    state: State<'_, AppState>,
    scan_id: i64,
) -> Result<CancelledScan, IpcError> {
    let db = state.database()?;
    let skipped = scan::cancel(db.pool(), scan_id).await;
    let skipped = skipped.map_err(|err| query_failed("cancelling the scan", &err))?;
    Ok(CancelledScan { scan_id, skipped })
}

/// One page of the target table, sorted, filtered and counted in Postgres.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn list_targets(
    state: State<'_, AppState>,
    query: TargetQuery,
) -> Result<TargetPage, IpcError> {
    let db = state.database()?;
    let query = PageQuery::try_from(query)?;
    let page = targets::page(db.pool(), &query).await;
    Ok(page
        .map_err(|err| query_failed("listing targets", &err))?
        .into())
}

/// Everything stored about one target, as the engine's JSON object (every column, plus
/// `assets`, `indicators` and `matches`). Fails with `target_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn target_detail(state: State<'_, AppState>, id: i64) -> Result<Value, IpcError> {
    let db = state.database()?;
    let detail = targets::detail(db.pool(), id).await;
    let detail = detail.map_err(|err| query_failed("reading the target", &err))?;
    detail.ok_or_else(|| IpcError::new("target_not_found", format!("no target with id {id}")))
}

/// Reads and merges the sources on the blocking pool (files may be tens of megabytes).
async fn read_sources(sources: ScanSources) -> Result<MergedLists, IpcError> {
    let read = tauri::async_runtime::spawn_blocking(move || MergedLists::read(&sources)).await;
    read.map_err(|err| IpcError::new("internal", format!("reading the lists failed: {err}")))?
}

/// A failed query as the UI sees it, logged with what was being done.
pub(crate) fn query_failed(doing: &str, err: &dyn std::error::Error) -> IpcError {
    tracing::warn!(error = %err, "{doing} failed");
    IpcError::new("query_failed", format!("{doing} failed: {err}"))
}
