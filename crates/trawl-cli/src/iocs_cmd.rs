//! `trawl iocs`: mark IOCs (a free value, or a target's stored values), list, unmark and export
//! them as CSV, a STIX 2.1 bundle or a MISP event.
//!
//! An export to a file is written beside it under a temporary name and renamed into place only
//! when complete, so a failed export never leaves a half-written file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use trawl_core::iocs::misp::EventInfo;
use trawl_core::iocs::{
    self, ExportFormat, ExportSummary, FROM_TARGET_DEFAULT, Ioc, IocFilter, IocKind, MarkOutcome,
    MarkRequest,
};

use crate::context::Context;
use crate::targets_cmd::clip;

/// `trawl iocs …`
#[derive(Debug, Subcommand)]
pub enum IocsCommand {
    /// Mark a value as an IOC (marking it again updates its note)
    Add {
        /// url, domain, ip, email, md5, sha1, sha256, wallet or phone
        kind: String,
        value: String,
        /// The target it was seen on (its URL and domain are kept with the IOC)
        #[arg(long)]
        target: Option<i64>,
        /// Why it is an IOC
        #[arg(long, allow_hyphen_values = true)]
        note: Option<String>,
    },
    /// Mark a target's stored values (URL, domain, IP, e-mails, phones, wallets, hashes)
    AddFromTarget {
        id: i64,
        /// Kinds to mark, comma-separated [default: url,domain,ip,email,phone,wallet,sha256]
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
        /// Why they are IOCs
        #[arg(long, allow_hyphen_values = true)]
        note: Option<String>,
    },
    /// List IOCs, oldest first
    List {
        /// Only this kind
        #[arg(long)]
        kind: Option<String>,
        /// Only IOCs marked since this day or time (2026-01-31 or RFC 3339)
        #[arg(long)]
        since: Option<String>,
        /// Only IOCs marked from this target
        #[arg(long)]
        target: Option<i64>,
        /// Only IOCs whose value, note, URL or domain contains this text
        #[arg(long)]
        search: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        /// JSON lines instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Unmark an IOC
    Remove { id: i64 },
    /// Export IOCs as csv, stix (a STIX 2.1 bundle) or misp (a MISP event)
    Export {
        #[arg(long)]
        format: String,
        /// Only this kind
        #[arg(long)]
        kind: Option<String>,
        /// Write here instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, cmd: IocsCommand) -> Result<()> {
    match cmd {
        IocsCommand::Add {
            kind,
            value,
            target,
            note,
        } => {
            // Validate before opening the database, so a typo fails fast.
            let kind = IocKind::parse(&kind)?;
            kind.normalise(&value)?;
            let outcome = ctx
                .with_db(|db| async move {
                    let req = MarkRequest {
                        kind,
                        value: &value,
                        target_id: target,
                        note: note.as_deref(),
                        source: None,
                    };
                    Ok(iocs::mark(db.pool(), &req).await?)
                })
                .await?;
            print_outcome(&outcome);
            Ok(())
        }
        IocsCommand::AddFromTarget { id, kinds, note } => {
            let kinds = parse_kinds(&kinds)?;
            let outcomes = ctx
                .with_db(|db| async move {
                    let note = note.as_deref();
                    Ok(iocs::mark_from_target(db.pool(), id, &kinds, note, None).await?)
                })
                .await?;
            for o in &outcomes {
                print_outcome(o);
            }
            if outcomes.is_empty() {
                eprintln!("target {id} stores no value of the kinds asked for");
            }
            Ok(())
        }
        IocsCommand::List {
            kind,
            since,
            target,
            search,
            limit,
            json,
        } => {
            let filter = IocFilter {
                kind: kind.as_deref().map(IocKind::parse).transpose()?,
                since: since.as_deref().map(parse_since).transpose()?,
                target_id: target,
                text: search,
                limit: Some(limit),
            };
            let rows = ctx
                .with_db(|db| async move { Ok(iocs::list(db.pool(), &filter).await?) })
                .await?;
            if json {
                for r in &rows {
                    println!("{}", serde_json::to_string(r)?);
                }
            } else {
                print_table(&rows);
            }
            Ok(())
        }
        IocsCommand::Remove { id } => {
            let ioc = ctx
                .with_db(|db| async move { Ok(iocs::unmark(db.pool(), id).await?) })
                .await?;
            println!("unmarked IOC {id} ({} {})", ioc.kind, ioc.value);
            Ok(())
        }
        IocsCommand::Export {
            format,
            kind,
            output,
        } => {
            let Some(format) = ExportFormat::parse(&format) else {
                bail!("unknown IOC export format {format:?}; use csv, stix or misp");
            };
            let filter = IocFilter {
                kind: kind.as_deref().map(IocKind::parse).transpose()?,
                ..IocFilter::default()
            };
            let summary = ctx
                .with_db(|db| async move {
                    let pool = db.pool();
                    let event = EventInfo::default();
                    match &output {
                        Some(path) => export_to_file(pool, &filter, format, event, path).await,
                        None => {
                            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                            let summary =
                                iocs::export(pool, &filter, format, event, &mut out).await?;
                            out.flush()?;
                            Ok(summary)
                        }
                    }
                })
                .await?;
            report_export(format, summary);
            Ok(())
        }
    }
}

/// An export file being written: a temporary file beside its final path, renamed into place
/// by [`PartialFile::commit`] and removed if dropped before (an error, Ctrl-C).
struct PartialFile {
    temp: PathBuf,
    path: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
}

impl PartialFile {
    fn create(path: &Path) -> Result<PartialFile> {
        let name = path
            .file_name()
            .with_context(|| format!("{} is not a file path", path.display()))?;
        let temp = path.with_file_name(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = std::fs::File::create(&temp)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(PartialFile {
            temp,
            path: path.to_path_buf(),
            out: Some(std::io::BufWriter::new(file)),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        self.out.as_mut().expect("not committed yet")
    }

    /// Flushes the file to disk and gives it its final name.
    fn commit(mut self) -> Result<()> {
        let out = self.out.take().expect("committed once");
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.temp, &self.path)?;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        // After a commit the temporary name no longer exists and this does nothing.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Exports into `path` through a [`PartialFile`].
async fn export_to_file(
    pool: &sqlx::PgPool,
    filter: &IocFilter,
    format: ExportFormat,
    event: EventInfo,
    path: &Path,
) -> Result<ExportSummary> {
    let mut file = PartialFile::create(path)?;
    let written = async {
        let summary = iocs::export(pool, filter, format, event, file.writer()).await?;
        file.commit()?;
        anyhow::Ok(summary)
    };
    written
        .await
        .with_context(|| format!("writing {}", path.display()))
}

/// The stderr line after an export: what was written and what a format had to leave out.
fn report_export(format: ExportFormat, summary: ExportSummary) {
    let what = match format {
        ExportFormat::Csv => "as CSV",
        ExportFormat::Stix => "as a STIX 2.1 bundle",
        ExportFormat::Misp => "as a MISP event",
    };
    eprint!("exported {} IOCs {what}", summary.written);
    if summary.skipped > 0 {
        eprint!(
            "; {} skipped (wallets and phones have no STIX pattern: use csv or misp)",
            summary.skipped
        );
    }
    eprintln!();
}

/// `--kinds` as IOC kinds; empty means the default set.
fn parse_kinds(names: &[String]) -> Result<Vec<IocKind>> {
    if names.is_empty() {
        return Ok(FROM_TARGET_DEFAULT.to_vec());
    }
    let mut kinds = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let kind = IocKind::parse(name).context("in --kinds")?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// `--since`: a day (midnight UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Ok(t.with_timezone(&Utc)),
        Err(_) => bail!("--since {text:?} is neither a day (2026-01-31) nor an RFC 3339 time"),
    }
}

fn print_outcome(o: &MarkOutcome) {
    let i = &o.ioc;
    let what = if o.created {
        "marked"
    } else {
        "already marked (note kept or updated):"
    };
    println!("{what} IOC {} {} {}", i.id, i.kind, i.value);
}

/// The IOC table.
fn print_table(rows: &[Ioc]) {
    println!(
        "{:>6}  {:<7} {:<48} {:>6}  {:<28} {:<16}  note",
        "id", "kind", "value", "target", "domain", "marked"
    );
    for r in rows {
        let target = r.target_id.map_or("-".to_string(), |t| t.to_string());
        println!(
            "{:>6}  {:<7} {:<48} {:>6}  {:<28} {:<16}  {}",
            r.id,
            r.kind,
            clip(&r.value, 48),
            target,
            clip(r.domain.as_deref().unwrap_or("-"), 28),
            r.created_at.format("%Y-%m-%d %H:%M"),
            clip(r.note.as_deref().unwrap_or(""), 60),
        );
    }
    println!("\n{} IOCs", rows.len());
}
