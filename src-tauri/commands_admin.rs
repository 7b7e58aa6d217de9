//! Tauri commands of the Jobs and Logs views: page through jobs, cancel or retry one, and read
//! the log rows. Thin adapters over `trawl_core::queue::admin` and `trawl_core::logs_query`.

use tauri::State;
use trawl_core::logs_query::{self, LogQuery, LogQueryError};
use trawl_core::queue::admin;

use crate::commands::query_failed;
use crate::ipc_admin::{JobPage, LogPage};
use crate::ipc_types::IpcError;
use crate::state::AppState;

/// Jobs in `state` and of `kind` (either `null` for all), newest first.
#[tauri::command]
#[tracing::instrument(skip(state_))]
pub async fn list_jobs(
    state_: State<'_, AppState>,
    state: Option<String>,
    kind: Option<String>,
    offset: i64,
    limit: i64,
) -> Result<JobPage, IpcError> {
    let db = state_.database()?;
    let filter = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (job_state, kind) = (filter(&state), filter(&kind));
    let page = admin::page(
        db.pool(),
        job_state.as_deref(),
        kind.as_deref(),
        offset,
        limit,
    )
    .await;
    Ok(page
        .map_err(|err| query_failed("listing jobs", &err))?
        .into())
}

/// Cancels a job that has not started; false when it was not QUEUED.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn cancel_job(state: State<'_, AppState>, id: i64) -> Result<bool, IpcError> {
    let db = state.database()?;
    let done = admin::cancel(db.pool(), id).await;
    let done = done.map_err(|err| query_failed("cancelling the job", &err))?;
    if done {
        state.changes().jobs.push(id);
    }
    Ok(done)
}

/// Puts a FAILED job back in the queue; false when it was not FAILED or another live job has
/// its dedupe key.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn retry_job(state: State<'_, AppState>, id: i64) -> Result<bool, IpcError> {
    let db = state.database()?;
    let done = admin::retry(db.pool(), id).await;
    let done = done.map_err(|err| query_failed("retrying the job", &err))?;
    if done {
        state.changes().jobs.push(id);
    }
    Ok(done)
}

/// Log rows at `level` or more severe, containing `text`, about `target_id`, older than
/// `before_id`; newest first. Fails with `invalid_level` for an unknown level.
#[tauri::command]
#[tracing::instrument(skip(state, text))]
pub async fn list_logs(
    state: State<'_, AppState>,
    level: Option<String>,
    text: Option<String>,
    target_id: Option<i64>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<LogPage, IpcError> {
    let db = state.database()?;
    let query = LogQuery {
        min_level: level,
        text,
        target_id,
        before_id,
        limit,
    };
    match logs_query::list(db.pool(), &query).await {
        Ok(page) => Ok(page.into()),
        Err(err @ LogQueryError::Level(_)) => Err(IpcError::new("invalid_level", err.to_string())),
        Err(LogQueryError::Db(err)) => Err(query_failed("reading logs", &err)),
    }
}
