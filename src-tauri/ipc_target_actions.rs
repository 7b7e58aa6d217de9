//! IPC types of what the analyst does with targets: export, captured text, pivots, and the
//! `targets-changed` event.
//!
//! Tagging answers with a plain count and rescanning with `StartedScan` (see `ipc_scan`), so
//! they need no type here. Export formats and text kinds cross as words and are checked on
//! the way in.

use serde::{Deserialize, Serialize};
use trawl_core::pivots::PivotCount;
use trawl_core::targets::{CapturedText, ExportFormat, TextKind};
use ts_rs::TS;

use crate::ipc_types::IpcError;

/// Payload of the `targets-changed` event: targets stored or updated since the last one.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetsChangedEvent {
    #[ts(type = "Array<number>")]
    pub ids: Vec<i64>,
}

/// Payload of the `jobs-changed` event: jobs that finished a run or were changed by hand.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct JobsChangedEvent {
    #[ts(type = "Array<number>")]
    pub ids: Vec<i64>,
}

/// A written export file.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ExportedTargets {
    /// The file written.
    pub path: String,
    /// Targets written.
    pub count: u32,
}

/// Captured HTML or rendered DOM of a target, as plain text (never render it as markup).
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetText {
    /// The text, at most 2 MiB; empty when nothing of this kind was captured.
    pub text: String,
    /// Whether `text` is only the start.
    pub truncated: bool,
    /// Size of the whole text in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// One fingerprint of a target and how many other targets share it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetPivot {
    /// Pivot kind; pass it as the target query's `pivot_kind`.
    pub kind: String,
    /// The kind for people (`favicon sha256`).
    pub label: String,
    /// The value; pass it as the target query's `pivot_value`.
    pub value: String,
    /// Other targets sharing the value.
    #[ts(type = "number")]
    pub count: i64,
}

/// `jsonl` or `csv`.
#[derive(Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
#[serde(rename_all = "lowercase")]
pub enum ExportFormatName {
    Jsonl,
    Csv,
}

/// `html` (as received) or `dom` (after scripts ran).
#[derive(Deserialize, TS, Clone, Copy, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
#[serde(rename_all = "lowercase")]
pub enum TextKindName {
    Html,
    Dom,
}

impl From<ExportFormatName> for ExportFormat {
    fn from(name: ExportFormatName) -> Self {
        match name {
            ExportFormatName::Jsonl => ExportFormat::Jsonl,
            ExportFormatName::Csv => ExportFormat::Csv,
        }
    }
}

impl From<TextKindName> for TextKind {
    fn from(name: TextKindName) -> Self {
        match name {
            TextKindName::Html => TextKind::Html,
            TextKindName::Dom => TextKind::Dom,
        }
    }
}

impl From<CapturedText> for TargetText {
    fn from(t: CapturedText) -> Self {
        Self {
            text: t.text,
            truncated: t.truncated,
            bytes: t.bytes,
        }
    }
}

impl From<PivotCount> for TargetPivot {
    fn from(p: PivotCount) -> Self {
        Self {
            kind: p.kind,
            label: p.label,
            value: p.value,
            count: p.count,
        }
    }
}

/// A tag checked by the engine's rules, or `invalid_tag`.
pub fn checked_tag(raw: &str) -> Result<String, IpcError> {
    trawl_core::targets::validate_tag(raw)
        .map_err(|err| IpcError::new("invalid_tag", err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_kinds_cross_as_lowercase_words() {
        let format: ExportFormatName = serde_json::from_str("\"csv\"").unwrap();
        let kind: TextKindName = serde_json::from_str("\"dom\"").unwrap();

        assert_eq!(ExportFormat::from(format), ExportFormat::Csv);
        assert_eq!(TextKind::from(kind), TextKind::Dom);
        assert!(serde_json::from_str::<ExportFormatName>("\"xml\"").is_err());
    }

    #[test]
    fn a_bad_tag_is_an_invalid_tag_error() {
        assert_eq!(checked_tag(" ok ").unwrap(), "ok");
        assert_eq!(checked_tag("").unwrap_err().code, "invalid_tag");
        assert_eq!(checked_tag("a\nb").unwrap_err().code, "invalid_tag");
    }
}
