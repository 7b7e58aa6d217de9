//! Tauri commands of the Targets view beyond the table itself: tag, rescan, export, captured
//! text and pivots. Thin adapters over `trawl_core::targets` and `trawl_core::pivots`; errors
//! cross as `IpcError`, nothing is retried.

use std::io::BufWriter;

use tauri::{AppHandle, State};
use trawl_core::paths::{self, DataLayout};
use trawl_core::targets::{self, PageQuery};

use crate::commands::query_failed;
use crate::ipc_scan::StartedScan;
use crate::ipc_target_actions::{
    ExportFormatName, ExportedTargets, TargetPivot, TargetText, TextKindName, checked_tag,
};
use crate::ipc_targets::TargetQuery;
use crate::ipc_types::IpcError;
use crate::progress::spawn_reporter;
use crate::state::AppState;
use crate::workers::scan_settings;

/// Adds `tag` to the targets `ids`, or removes it; returns the number of targets changed.
/// Fails with `invalid_tag` for an empty, over-long or control-character tag.
#[tauri::command]
#[tracing::instrument(skip_all, fields(targets = ids.len(), remove))]
pub async fn tag_targets(
    state: State<'_, AppState>,
    ids: Vec<i64>,
    tag: String,
    remove: bool,
) -> Result<u64, IpcError> {
    let db = state.database()?;
    let tag = checked_tag(&tag)?;
    let changed = targets::set_tag(db.pool(), &ids, &tag, remove).await;
    let changed = changed.map_err(|err| query_failed("tagging targets", &err))?;
    state.changes().targets.extend(&ids);
    Ok(changed)
}

/// Queues a new scan of the targets' URLs in `mode` and reports its progress like
/// `start_scan`. Fails with `no_urls` when none of the ids is a target.
#[tauri::command]
#[tracing::instrument(skip_all, fields(targets = ids.len(), mode = %mode))]
pub async fn rescan_targets(
    app: AppHandle,
    state: State<'_, AppState>,
    ids: Vec<i64>,
    mode: String,
) -> Result<StartedScan, IpcError> {
    let db = state.database()?;
    state.workers()?;
    let settings = scan_settings(&mode)?;
    let submitted = targets::rescan(db.pool(), &ids, &settings).await;
    let submitted = submitted.map_err(|err| query_failed("queueing the rescan", &err))?;
    let submitted = submitted.ok_or_else(|| IpcError::new("no_urls", "no target to rescan"))?;

    spawn_reporter(app, db.clone(), submitted.scan_id);
    state.changes().targets.extend(&submitted.target_ids);
    Ok(StartedScan {
        scan_id: submitted.scan_id,
        total: u32::try_from(submitted.target_ids.len()).unwrap_or(u32::MAX),
    })
}

/// Writes the targets `ids`, or else every target matching `query`, to `path` as JSONL or
/// CSV. Fails with `invalid_request` when neither is given, `export_failed` when writing fails.
#[tauri::command]
#[tracing::instrument(skip_all, fields(format = ?format))]
pub async fn export_targets(
    state: State<'_, AppState>,
    ids: Option<Vec<i64>>,
    query: Option<TargetQuery>,
    format: ExportFormatName,
    path: String,
) -> Result<ExportedTargets, IpcError> {
    let db = state.database()?;
    let ids = match (ids, query) {
        (Some(ids), _) => ids,
        (None, Some(query)) => {
            let query = PageQuery::try_from(query)?;
            let ids = targets::matching_ids(db.pool(), &query).await;
            ids.map_err(|err| query_failed("listing targets to export", &err))?
        }
        (None, None) => {
            return Err(IpcError::new(
                "invalid_request",
                "give either target ids or a query",
            ));
        }
    };

    let failed = |err: &dyn std::fmt::Display| {
        tracing::warn!(path = %path, error = %err, "export failed");
        IpcError::new("export_failed", format!("writing {path} failed: {err}"))
    };
    let file = std::fs::File::create(&path).map_err(|e| failed(&e))?;
    let mut out = BufWriter::new(file);
    let count = targets::export_ids(db.pool(), &ids, format.into(), &mut out).await;
    let count = count.map_err(|e| failed(&e))?;
    tracing::info!(count, "targets exported");
    Ok(ExportedTargets {
        path,
        count: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

/// The captured HTML or rendered DOM of a target as text (at most 2 MiB). Fails with
/// `target_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn target_text(
    state: State<'_, AppState>,
    id: i64,
    kind: TextKindName,
) -> Result<TargetText, IpcError> {
    let db = state.database()?;
    let blobs = DataLayout::new(paths::default_data_dir()).blobs();
    let text = targets::captured_text(db.pool(), &blobs, id, kind.into()).await;
    let text = text.map_err(|err| {
        tracing::warn!(target_id = id, error = %err, "reading captured text failed");
        IpcError::new(
            "query_failed",
            format!("reading the captured text failed: {err:#}"),
        )
    })?;
    text.map(Into::into)
        .ok_or_else(|| IpcError::new("target_not_found", format!("no target with id {id}")))
}

/// Each fingerprint of a target with the number of other targets sharing it.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn target_pivots(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Vec<TargetPivot>, IpcError> {
    let db = state.database()?;
    let pivots = trawl_core::pivots::target_pivots(db.pool(), id).await;
    let pivots = pivots.map_err(|err| query_failed("reading pivots", &err))?;
    Ok(pivots.into_iter().map(Into::into).collect())
}
