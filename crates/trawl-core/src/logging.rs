//! Logging: the console, rolling files in the data directory, and the `logs` table.
//!
//! `init` installs one tracing subscriber for the process: human-readable lines on stderr,
//! daily files under `<data>/logs/` (kept for the retention period), and a layer that copies
//! WARN and ERROR events from Trawl's own modules into the `logs` table once a database is
//! attached (`attach_database`). Job lifecycle rows are written by the queue itself, in the
//! same statement as the state change. Noisy dependencies default to `warn`; `RUST_LOG`
//! overrides the filter. Nothing here logs connection strings or setting values: callers
//! pass redacted text (see `db::redact_url`).

use std::path::Path;
use std::sync::Mutex;

use sqlx::PgPool;
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Days of log files and `logs` rows kept when no setting says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// Environment variable overriding [`DEFAULT_RETENTION_DAYS`].
pub const RETENTION_ENV: &str = "TRAWL_LOG_RETENTION_DAYS";

/// Days of `logs` rows to keep: `TRAWL_LOG_RETENTION_DAYS`, else the default.
pub fn retention_days() -> u32 {
    std::env::var(RETENTION_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|d| *d > 0)
        .unwrap_or(DEFAULT_RETENTION_DAYS)
}

/// Default filter: our modules at `info`, dependencies at `warn`.
const DEFAULT_FILTER: &str =
    "warn,sqlx=error,trawl=info,trawl_core=info,trawl_cli=info,trawl_app=info";

/// Rows queued for the `logs` table; full means dropped (the files still have them).
const DB_QUEUE: usize = 1024;

static DB_SINK: Mutex<Option<DbSink>> = Mutex::new(None);

/// The attached database: where rows go, and the task writing them.
struct DbSink {
    key: String,
    tx: mpsc::Sender<LogRow>,
    writer: tokio::task::JoinHandle<()>,
}

/// Keeps the file writer flushing; drop it last.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// One row for the `logs` table.
#[derive(Debug)]
struct LogRow {
    level: &'static str,
    message: String,
    source: String,
    job_id: Option<i64>,
    target_id: Option<i64>,
}

/// Install the subscriber. `verbose` raises our modules to `debug`; `quiet` keeps only
/// warnings on the console. Files go to `<data_dir>/logs` when `data_dir` is given and
/// writable. Calling it twice is harmless (the second call does nothing).
pub fn init(data_dir: Option<&Path>, verbose: bool, quiet: bool) -> LogGuard {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            if verbose {
                DEFAULT_FILTER.replace("=info", "=debug")
            } else {
                DEFAULT_FILTER.into()
            }
        });
    let console_level = if quiet { Level::WARN } else { Level::TRACE };
    let console = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(tracing_subscriber::filter::LevelFilter::from_level(
            console_level,
        ));

    let (file_layer, guard) = match data_dir.and_then(file_writer) {
        Some((writer, guard)) => {
            // Own field formatter: span fields formatted (with colours) for the console are
            // cached per formatter type and would otherwise be reused in the file.
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .fmt_fields(PlainFields)
                .with_writer(writer);
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };

    let _ = tracing_subscriber::registry()
        .with(EnvFilter::new(filter))
        .with(console)
        .with(file_layer)
        .with(DbLayer)
        .try_init();
    LogGuard { _file: guard }
}

fn file_writer(
    data_dir: &Path,
) -> Option<(tracing_appender::non_blocking::NonBlocking, WorkerGuard)> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("trawl")
        .filename_suffix("log")
        .max_log_files(retention_days() as usize)
        .build(&dir)
        .ok()?;
    Some(tracing_appender::non_blocking(appender))
}

/// Start copying warnings into the `logs` table of `pool`, and prune rows older than
/// `retention_days`. `key` names the database (see [`detach_database`]). While one database
/// is attached, attaching another does nothing.
pub fn attach_database(pool: PgPool, retention_days: u32, key: &str) {
    let Ok(mut sink) = DB_SINK.lock() else { return };
    if sink.is_some() {
        return;
    }
    let (tx, mut rx) = mpsc::channel::<LogRow>(DB_QUEUE);
    let writer = tokio::spawn(async move {
        if let Err(e) = prune(&pool, retention_days).await {
            tracing::debug!("pruning old log rows failed: {e}");
        }
        while let Some(row) = rx.recv().await {
            let _ = sqlx::query(
                "INSERT INTO logs (level, message, source, job_id, target_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(row.level)
            .bind(&row.message)
            .bind(&row.source)
            .bind(row.job_id)
            .bind(row.target_id)
            .execute(&pool)
            .await;
        }
    });
    *sink = Some(DbSink {
        key: key.to_string(),
        tx,
        writer,
    });
}

/// Stop copying into the database named `key`, after writing the rows already queued.
pub async fn detach_database(key: &str) {
    let sink = match DB_SINK.lock() {
        Ok(mut sink) if sink.as_ref().is_some_and(|s| s.key == key) => sink.take(),
        _ => None,
    };
    if let Some(DbSink { tx, writer, .. }) = sink {
        drop(tx);
        let _ = writer.await;
    }
}

/// Delete `logs` rows older than `retention_days`.
pub async fn prune(pool: &PgPool, retention_days: u32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM logs WHERE created_at < now() - make_interval(days => $1)")
        .bind(retention_days as i32)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Field formatting for the log files: the default format, cached apart from the console's.
struct PlainFields;

impl<'w> tracing_subscriber::fmt::FormatFields<'w> for PlainFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        writer: tracing_subscriber::fmt::format::Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        tracing_subscriber::fmt::format::DefaultFields::new().format_fields(writer, fields)
    }
}

/// Copies WARN/ERROR events of Trawl's modules to the database sink.
struct DbLayer;

impl<S: Subscriber> Layer<S> for DbLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > Level::WARN || !meta.target().starts_with("trawl") {
            return;
        }
        let Ok(sink) = DB_SINK.try_lock() else { return };
        let Some(sink) = sink.as_ref() else { return };
        let mut visitor = RowVisitor::default();
        event.record(&mut visitor);
        let level = if *meta.level() == Level::ERROR {
            "ERROR"
        } else {
            "WARN"
        };
        let _ = sink.tx.try_send(LogRow {
            level,
            message: visitor.message,
            source: meta.target().to_string(),
            job_id: visitor.job_id,
            target_id: visitor.target_id,
        });
    }
}

#[derive(Default)]
struct RowVisitor {
    message: String,
    job_id: Option<i64>,
    target_id: Option<i64>,
}

impl Visit for RowVisitor {
    fn record_i64(&mut self, field: &Field, value: i64) {
        match field.name() {
            "job_id" => self.job_id = Some(value),
            "target_id" => self.target_id = Some(value),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_i64(field, value as i64);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            if !self.message.is_empty() {
                self.message.push(' ');
            }
            self.message
                .push_str(&format!("{}={value:?}", field.name()));
        }
    }
}
