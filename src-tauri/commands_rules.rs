//! Tauri commands of the Rules view: list, check, try on a target, save and delete
//! signatures, YARA rules and alert rules, and import IOK folders. Thin adapters over
//! `trawl_core::rules::editor` and `editor_store`; a saved, deleted or imported rule announces
//! its retro-hunt job through `jobs-changed`. Errors cross as `IpcError`, nothing is retried.

use std::path::PathBuf;

use tauri::State;
use trawl_core::analysis_views::RuleFamily;
use trawl_core::blobs::BlobStore;
use trawl_core::paths::{self, DataLayout};
use trawl_core::rules::editor::{self, EditorError};
use trawl_core::rules::editor_store;

use crate::commands::query_failed;
use crate::ipc_analysis::{IokImport, RuleCheck, RuleError, RuleTest, RuleView};
use crate::ipc_types::IpcError;
use crate::state::AppState;

/// Every rule of `kind` (`signature`, `yara` or `alert`) with the text its editor shows.
/// Fails with `invalid_kind`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn list_rules(
    state: State<'_, AppState>,
    kind: String,
) -> Result<Vec<RuleView>, IpcError> {
    let family = family(&kind)?;
    let db = state.database()?;
    let rules = editor_store::list(db.pool(), family).await;
    let rules = rules.map_err(|err| query_failed("listing rules", &err))?;
    Ok(rules.into_iter().map(|r| RuleView::new(&kind, r)).collect())
}

/// The compile errors of `source` as a rule of `kind` (none when it compiles).
#[tauri::command]
#[tracing::instrument(skip(source), fields(bytes = source.len()))]
pub async fn check_rule(kind: String, source: String) -> Result<RuleCheck, IpcError> {
    let family = family(&kind)?;
    let check = tauri::async_runtime::spawn_blocking(move || editor::check(family, &source));
    let errors = check
        .await
        .map_err(|err| IpcError::new("check_failed", format!("checking the rule failed: {err}")))?;
    Ok(RuleCheck {
        errors: errors.into_iter().map(RuleError::from).collect(),
    })
}

/// Runs the unsaved `source` on stored target `target_id`; stores nothing. Fails with
/// `rule_invalid`, `target_not_found` or `target_not_captured`.
#[tauri::command]
#[tracing::instrument(skip(state, source), fields(bytes = source.len()))]
pub async fn test_rule(
    state: State<'_, AppState>,
    kind: String,
    source: String,
    target_id: i64,
) -> Result<RuleTest, IpcError> {
    let family = family(&kind)?;
    let db = state.database()?;
    let blobs = BlobStore::new(DataLayout::new(paths::default_data_dir()).blobs());
    let found = editor_store::test_on_target(db.pool(), &blobs, family, &source, target_id).await;
    Ok(RuleTest {
        matches: found
            .map_err(editor_error)?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

/// Stores a new rule (`id` null) or replaces rule `id`, then queues its retro-hunt. Fails with
/// `rule_invalid` (the message lists the errors), `rule_name_missing`, `rule_name_taken` or
/// `rule_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state, source), fields(bytes = source.len()))]
pub async fn save_rule(
    state: State<'_, AppState>,
    kind: String,
    id: Option<i64>,
    name: String,
    source: String,
) -> Result<RuleView, IpcError> {
    let family = family(&kind)?;
    let db = state.database()?;
    let saved = editor_store::save(db.pool(), family, id, &name, &source).await;
    let saved = saved.map_err(editor_error)?;
    state.changes().jobs.push(saved.retrohunt_job);
    Ok(RuleView::new(&kind, saved.rule))
}

/// Deletes rule `id` of `kind` and queues a retro-hunt that rescores the targets. Fails with
/// `rule_not_found`.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn delete_rule(
    state: State<'_, AppState>,
    kind: String,
    id: i64,
) -> Result<(), IpcError> {
    let family = family(&kind)?;
    let db = state.database()?;
    let job = editor_store::delete(db.pool(), family, id).await;
    state.changes().jobs.push(job.map_err(editor_error)?);
    Ok(())
}

/// Imports every IOK rule file (`*.yml`, `*.yaml`) of `dir` as signatures. Fails with
/// `iok_unreadable` when the folder cannot be read.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn import_iok(state: State<'_, AppState>, dir: String) -> Result<IokImport, IpcError> {
    let db = state.database()?;
    let report = editor_store::import_iok_dir(db.pool(), &PathBuf::from(dir)).await;
    let report = report.map_err(editor_error)?;
    if let Some(job) = report.retrohunt_job {
        state.changes().jobs.push(job);
    }
    Ok(report.into())
}

/// The rule family named `kind`, or `invalid_kind`.
fn family(kind: &str) -> Result<RuleFamily, IpcError> {
    RuleFamily::parse(kind)
        .ok_or_else(|| IpcError::new("invalid_kind", format!("unknown rule kind `{kind}`")))
}

/// The UI's error for an editor failure.
fn editor_error(err: EditorError) -> IpcError {
    let code = match &err {
        EditorError::Invalid(_) => "rule_invalid",
        EditorError::NoName => "rule_name_missing",
        EditorError::NameTaken(_) => "rule_name_taken",
        EditorError::RuleNotFound(_) => "rule_not_found",
        EditorError::TargetNotFound(_) => "target_not_found",
        EditorError::NotCaptured(_) => "target_not_captured",
        EditorError::Iok(_) => "iok_unreadable",
        EditorError::Database(db) => return query_failed("a rule change", db),
    };
    IpcError::new(code, err.to_string())
}

#[cfg(test)]
mod tests {
    use trawl_core::rules::editor::SourceError;

    use super::*;

    #[test]
    fn kinds_parse_and_unknown_ones_are_refused() {
        assert_eq!(family("yara").unwrap(), RuleFamily::Yara);
        assert_eq!(family("sigma").unwrap_err().code, "invalid_kind");
    }

    #[test]
    fn an_invalid_rule_crosses_with_its_code_and_positions() {
        let errors = editor::check(RuleFamily::Yara, "rule a {\n  condition:\n    $x\n}");
        assert!(!errors.is_empty());
        let first = RuleError::from(errors[0].clone());
        assert_eq!((first.line, first.column), (3, 5), "{first:?}");
        assert_eq!(first.rule.as_deref(), Some("a"));

        let err = editor_error(EditorError::Invalid(errors));
        assert_eq!(err.code, "rule_invalid");
        assert!(err.message.contains("line 3, column 5"), "{}", err.message);
    }

    #[test]
    fn editor_failures_map_to_stable_codes() {
        let codes: Vec<String> = [
            EditorError::NoName,
            EditorError::NameTaken("kit".into()),
            EditorError::RuleNotFound(4),
            EditorError::TargetNotFound(9),
            EditorError::NotCaptured(9),
        ]
        .into_iter()
        .map(|e| editor_error(e).code)
        .collect();
        assert_eq!(
            codes,
            [
                "rule_name_missing",
                "rule_name_taken",
                "rule_not_found",
                "target_not_found",
                "target_not_captured"
            ]
        );
        let one = SourceError {
            line: 1,
            column: 7,
            message: "unclosed group".into(),
            rule: None,
        };
        let message = editor_error(EditorError::Invalid(vec![one])).message;
        assert_eq!(
            message,
            "the rule does not compile: line 1, column 7: unclosed group"
        );
    }
}
