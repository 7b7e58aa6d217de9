//! IPC types of the Scan view: the preview of dropped or pasted URL lists, the request that
//! starts a scan, its progress event, and the outcome of a cancel.
//!
//! The preview carries only the first entries of each kind (the counts are exact) so a list of
//! a million URLs does not cross the bridge. A scan is started from the same sources the
//! preview read, never from URL strings the UI sends back (see `scan_input`).

use serde::{Deserialize, Serialize};
use trawl_core::scan::ScanProgress;
use ts_rs::TS;

/// What a set of URL lists holds, as the preview table shows it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq, Default)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct UrlPreview {
    /// Unique URLs that would be scanned.
    pub accepted_count: u32,
    /// Lines that are not usable web URLs.
    pub rejected_count: u32,
    /// Lines whose URL appeared earlier (in the same or an earlier source).
    pub duplicate_count: u32,
    /// The first accepted URLs, in input order.
    pub accepted: Vec<PreviewUrl>,
    /// The first rejected lines, with reasons.
    pub rejected: Vec<PreviewRejected>,
    /// The first duplicate lines.
    pub duplicates: Vec<PreviewDuplicate>,
}

/// One accepted URL.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct PreviewUrl {
    /// The file path, or `pasted text`.
    pub source: String,
    /// 1-based line in that source.
    pub line: u32,
    /// The URL with an internationalised host in Unicode (display only).
    pub display: String,
    /// The normalised URL that would be captured.
    pub url: String,
}

/// One line that was not taken.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct PreviewRejected {
    pub source: String,
    pub line: u32,
    /// The original text, shortened by the parser.
    pub text: String,
    /// Why it was not taken, for a person.
    pub reason: String,
}

/// One line whose URL was already accepted.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct PreviewDuplicate {
    pub source: String,
    pub line: u32,
    /// Where the URL was first accepted.
    pub first_source: String,
    pub first_line: u32,
    /// The normalised URL both lines share.
    pub url: String,
}

/// Where a scan's URLs come from: dropped files and pasted text, as previewed.
#[derive(Deserialize, TS, Clone, Debug, Default)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ScanSources {
    /// Paths of URL-list files (from a native drop).
    pub paths: Vec<String>,
    /// Pasted text; an empty string counts as none.
    pub text: String,
}

/// How to scan.
#[derive(Deserialize, TS, Clone, Debug)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct StartScanRequest {
    pub sources: ScanSources,
    /// `fast` (HTTP) or `full` (browser).
    pub mode: String,
    /// Targets captured at once, 1 to 32.
    pub concurrency: u32,
}

/// A scan that was queued.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct StartedScan {
    #[ts(type = "number")]
    pub scan_id: i64,
    /// Targets queued.
    pub total: u32,
}

/// Payload of the `scan-progress` event: a scan's targets counted by status.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ScanProgressEvent {
    #[ts(type = "number")]
    pub scan_id: i64,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub done: i64,
    #[ts(type = "number")]
    pub failed: i64,
    /// Cancelled or otherwise skipped.
    #[ts(type = "number")]
    pub skipped: i64,
    #[ts(type = "number")]
    pub queued: i64,
    #[ts(type = "number")]
    pub running: i64,
}

impl ScanProgressEvent {
    /// The event for `progress` of scan `scan_id`.
    pub fn new(scan_id: i64, progress: &ScanProgress) -> Self {
        Self {
            scan_id,
            total: progress.total,
            done: progress.done,
            failed: progress.failed,
            skipped: progress.skipped,
            queued: progress.queued,
            running: progress.running,
        }
    }
}

/// What a cancel did.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CancelledScan {
    #[ts(type = "number")]
    pub scan_id: i64,
    /// Targets that were still queued and are now skipped.
    #[ts(type = "number")]
    pub skipped: u64,
}
