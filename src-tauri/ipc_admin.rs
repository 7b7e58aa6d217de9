//! IPC types of the Jobs and Logs views: pages of jobs and of log rows.
//!
//! Job states and kinds cross as the queue stores them (`QUEUED`, `capture`); log levels as
//! lower-case words. Times cross as RFC 3339 strings.

use serde::Serialize;
use trawl_core::logs_query::{LogEntry, LogPage as EngineLogPage};
use trawl_core::queue::admin::{JobPage as EngineJobPage, JobSummary};
use ts_rs::TS;

/// One job.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct JobRow {
    #[ts(type = "number")]
    pub id: i64,
    /// Handler name: `capture`, `rules.retrohunt`, …
    pub kind: String,
    /// `QUEUED`, `RUNNING`, `DONE`, `FAILED` or `SKIPPED`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    /// Progress a running job reported, e.g. `120/900 (3 matched)`.
    pub progress: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of jobs, newest first.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct JobPage {
    pub rows: Vec<JobRow>,
    #[ts(type = "number")]
    pub total: i64,
}

/// One log row.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct LogRow {
    #[ts(type = "number")]
    pub id: i64,
    /// When it was logged (RFC 3339).
    pub at: String,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// Where it came from, e.g. `trawl::queue`.
    pub target: Option<String>,
    pub message: String,
    /// The captured target the row is about.
    #[ts(type = "number | null")]
    pub target_id: Option<i64>,
}

/// A page of log rows, newest first; `has_more` when older rows match too (ask again with
/// `before_id` set to the last row's id).
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct LogPage {
    pub rows: Vec<LogRow>,
    pub has_more: bool,
}

impl From<JobSummary> for JobRow {
    fn from(job: JobSummary) -> Self {
        Self {
            progress: job.progress(),
            id: job.id,
            kind: job.kind,
            state: job.state,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            last_error: job.last_error,
            created_at: job.created_at.to_rfc3339(),
            updated_at: job.updated_at.to_rfc3339(),
        }
    }
}

impl From<EngineJobPage> for JobPage {
    fn from(page: EngineJobPage) -> Self {
        Self {
            rows: page.rows.into_iter().map(Into::into).collect(),
            total: page.total,
        }
    }
}

impl From<LogEntry> for LogRow {
    fn from(row: LogEntry) -> Self {
        Self {
            id: row.id,
            at: row.at.to_rfc3339(),
            level: row.level,
            target: row.source,
            message: row.message,
            target_id: row.target_id,
        }
    }
}

impl From<EngineLogPage> for LogPage {
    fn from(page: EngineLogPage) -> Self {
        Self {
            rows: page.rows.into_iter().map(Into::into).collect(),
            has_more: page.has_more,
        }
    }
}
