//! `trawl rules`: add, list, remove and test signatures, YARA rules and alert rules, import
//! IOK rule folders and YARA rule files, and run retro-hunts. Every rule change queues a
//! retro-hunt; `trawl rules retrohunt` runs one now, in this process, and prints its result.
//!
//! A YARA file is stored one row per rule (the file's imports copied into each), so a broken
//! rule is reported as `error: FILE:LINE:COL: message (rule NAME)` and left out while the
//! file's other rules are imported; the command then exits non-zero.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use trawl_core::blobs::BlobStore;
use trawl_core::capture::{Capture, CaptureMode};
use trawl_core::queue::{Queue, Worker, WorkerOptions};
use trawl_core::rules::signature::CompiledRule;
use trawl_core::rules::yara::{YaraMatch, YaraRules};
use trawl_core::rules::yara_store::{self, NewYaraRule, Upserted};
use trawl_core::rules::{
    self, RETROHUNT_JOB, RetroHuntJob, editor_store, matcher::MatchInput, store,
};

use trawl_core::rules::PgPool;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Add a regex signature (or, with --alert, an alert rule)
    Add {
        /// Rule name
        #[arg(long)]
        name: String,
        /// html, headers, url or asset (alert rules: html, headers or url)
        #[arg(long)]
        field: String,
        /// Regular expression (linear-time `regex` syntax)
        #[arg(long)]
        pattern: String,
        /// An alert rule instead of a signature
        #[arg(long)]
        alert: bool,
        /// Confidence of the signature's matches, 0-100
        #[arg(long, default_value_t = 60)]
        confidence: i32,
    },
    /// List signatures, YARA rules and alert rules
    List {
        /// JSON lines instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Remove a signature (or, with --alert, an alert rule; with --yara, a YARA rule) by id
    Remove {
        id: i64,
        #[arg(long, conflicts_with = "yara")]
        alert: bool,
        #[arg(long)]
        yara: bool,
    },
    /// Run the stored rules on an HTML file or a stored target id, storing nothing; with
    /// --file, run the YARA rules on any local file (a zip's member names included)
    Test {
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        file_or_target: Option<String>,
        /// A local file scanned as raw bytes by the YARA rules
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Import every IOK rule file (*.yml) of a folder
    ImportIok { dir: PathBuf },
    /// Import the rules of a YARA file (one stored rule per rule of the file)
    ImportYara {
        file: PathBuf,
        /// What the rules read: html, asset or any
        #[arg(long, default_value = "any")]
        field: String,
        /// Confidence of their matches, 0-100
        #[arg(long, default_value_t = 70)]
        confidence: i32,
    },
    /// Run the rules over every stored target now
    Retrohunt,
}

pub async fn run(ctx: &Context, cmd: RulesCommand) -> Result<()> {
    ctx.with_db(|db| async move {
        let pool = db.pool().clone();
        let blobs = BlobStore::new(trawl_core::paths::DataLayout::new(&ctx.data_dir).blobs());
        match cmd {
            RulesCommand::Add {
                name,
                field,
                pattern,
                alert,
                confidence,
            } => {
                let id = if alert {
                    if !matches!(field.as_str(), "html" | "headers" | "url") {
                        bail!("alert rules read html, headers or url, not {field}");
                    }
                    CompiledRule::from_regex(0, &name, &field, &pattern, 0)?;
                    store::add_alert_rule(&pool, &name, &field, &pattern).await?
                } else {
                    CompiledRule::from_regex(0, &name, &field, &pattern, confidence)?;
                    store::add_signature(&pool, &name, &field, &pattern, confidence).await?
                };
                let job = rules::queue_retrohunt(&pool).await?;
                println!("added rule {id} ({name}); retro-hunt job {job} queued");
            }
            RulesCommand::List { json } => list(&pool, json).await?,
            RulesCommand::Remove { id, alert, yara } => {
                let gone = match yara {
                    true => yara_store::remove_rule(&pool, id).await?,
                    false => store::remove(&pool, id, alert).await?,
                };
                if !gone {
                    bail!("no rule {id}");
                }
                println!("removed rule {id}");
            }
            RulesCommand::Test {
                file_or_target: Some(what),
                ..
            } => test(&pool, &blobs, &what).await?,
            RulesCommand::Test { file, .. } => {
                test_file(&pool, &file.context("a file or target is needed")?).await?
            }
            RulesCommand::ImportIok { dir } => import_iok(&pool, &dir).await?,
            RulesCommand::ImportYara {
                file,
                field,
                confidence,
            } => import_yara(&pool, &file, &field, confidence).await?,
            RulesCommand::Retrohunt => retrohunt(&pool, blobs).await?,
        }
        Ok(())
    })
    .await
}

async fn list(pool: &PgPool, json: bool) -> Result<()> {
    let signatures = store::list_signatures(pool).await?;
    let yara = yara_store::list_rules(pool).await?;
    let alerts = store::list_alert_rules(pool).await?;
    if json {
        for s in &signatures {
            println!("{}", serde_json::json!({ "kind": "signature", "rule": s }));
        }
        for y in &yara {
            println!("{}", serde_json::json!({ "kind": "yara", "rule": y }));
        }
        for a in &alerts {
            println!("{}", serde_json::json!({ "kind": "alert", "rule": a }));
        }
        return Ok(());
    }
    for s in &signatures {
        let unsupported = s.unsupported.as_array().map_or(0, Vec::len);
        let note = if unsupported > 0 {
            format!(" unsupported: {}", s.unsupported)
        } else {
            "".into()
        };
        println!(
            "{:>5}  signature  {:<6} {:<7} {:>3}  {}{note}",
            s.id, s.source, s.target_field, s.confidence, s.name
        );
    }
    for y in &yara {
        let state = if y.enabled { "" } else { " (disabled)" };
        let file = y.source_file.as_deref().unwrap_or("-");
        println!(
            "{:>5}  yara       {:<6} {:<7} {:>3}  {}{state}  from {file}",
            y.id, "yara", y.target_field, y.confidence, y.name
        );
    }
    for a in &alerts {
        println!(
            "{:>5}  alert      {:<14} {}  /{}/",
            a.id, a.target_field, a.name, a.pattern
        );
    }
    Ok(())
}

async fn import_iok(pool: &PgPool, dir: &Path) -> Result<()> {
    let report = editor_store::import_iok_dir(pool, dir).await?;
    for skipped in &report.skipped {
        eprintln!("skipped: {skipped}");
    }
    let mut unsupported: Vec<(&str, Vec<&str>)> = Vec::new();
    for (rule, field) in &report.unsupported {
        match unsupported.last_mut() {
            Some((name, fields)) if name == rule => fields.push(field),
            _ => unsupported.push((rule, vec![field])),
        }
    }
    for (rule, fields) in unsupported {
        println!(
            "{rule}: uses fields Trawl does not capture: {} (those selections never match)",
            fields.join(", ")
        );
    }
    let hunt = report.retrohunt_job.map_or_else(
        || "no retro-hunt needed".to_string(),
        |j| format!("retro-hunt job {j} queued"),
    );
    println!(
        "imported {} IOK rules, {} skipped; {hunt}",
        report.imported,
        report.skipped.len()
    );
    Ok(())
}

async fn test(pool: &PgPool, blobs: &BlobStore, what: &str) -> Result<()> {
    let capture = if Path::new(what).is_file() {
        let html = std::fs::read(what).with_context(|| format!("reading {what}"))?;
        let url = format!("file://{}", std::path::absolute(what)?.display());
        let mut capture = Capture::new(CaptureMode::Fast, &url, chrono::Utc::now());
        capture.final_url = url;
        capture.html_text = Some(String::from_utf8_lossy(&html).into_owned());
        capture
    } else {
        let id: i64 = what
            .parse()
            .with_context(|| format!("{what} is neither a file nor a target id"))?;
        rules::stored_capture(pool, id)
            .await?
            .with_context(|| format!("target {id} has no readable capture"))?
    };
    let compiled = rules::load(pool, store::version(pool).await?).await?;
    let input = MatchInput::from_capture(&capture, blobs);
    let matches = compiled.signatures.run(&input);
    let found = rules::scan_yara(&compiled.yara, &capture, blobs, 0).await;
    for m in &matches {
        println!(
            "match  {}  verified={} confidence={}",
            m.name, m.verified, m.confidence
        );
        for e in &m.evidence {
            println!(
                "       {} on {:?}: {}",
                e.selection,
                e.field,
                e.excerpt.replace('\n', " ")
            );
        }
    }
    print_yara(&found);
    for (_, message) in rules::alerts::run(&compiled.alerts, &input) {
        println!("alert  {message}");
    }
    let risk = rules::risk::score(&capture, &input, &matches, &found);
    println!("risk   {}", risk.score);
    for f in &risk.factors {
        println!("       +{:<3} {}: {}", f.weight, f.name, f.evidence);
    }
    Ok(())
}

/// Import a YARA file rule by rule; broken rules are reported and the command fails after
/// the good ones are stored.
async fn import_yara(pool: &PgPool, file: &Path, field: &str, confidence: i32) -> Result<()> {
    if !matches!(field, "html" | "asset" | "any") {
        bail!("YARA rules read html, asset or any, not {field}");
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
    let check = rules::yara::check_file(&text);
    for issue in &check.issues {
        eprintln!(
            "error: {}:{}:{}: {} (rule {})",
            file.display(),
            issue.line,
            issue.column,
            issue.message,
            if issue.rule.is_empty() {
                "?"
            } else {
                issue.rule.as_str()
            }
        );
    }
    let origin = file.display().to_string();
    let rows: Vec<NewYaraRule<'_>> = check
        .good
        .iter()
        .filter(|c| !c.name.is_empty())
        .map(|c| NewYaraRule {
            name: &c.name,
            text: &c.text,
            target_field: field,
            confidence,
            source_file: Some(&origin),
        })
        .collect();
    let stored = match rows.is_empty() {
        true => Vec::new(),
        false => yara_store::upsert_rules(pool, &rows).await?,
    };
    let replaced = stored
        .iter()
        .filter(|s| matches!(s, Upserted::Replaced(_)))
        .count();
    let ids: Vec<i64> = stored.iter().map(|s| s.id()).collect();
    let job = match ids.is_empty() {
        true => None,
        false => Some(rules::queue_yara_retrohunt(pool, &ids).await?),
    };
    println!(
        "imported {} YARA rules ({replaced} replaced), {} failed{}",
        stored.len(),
        check.issues.len(),
        job.map(|j| format!("; retro-hunt job {j} queued"))
            .unwrap_or_default()
    );
    if !check.issues.is_empty() {
        bail!("{} YARA rules did not compile", check.issues.len());
    }
    Ok(())
}

/// Run the stored YARA rules on a local file's bytes.
async fn test_file(pool: &PgPool, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let rows = yara_store::list_rules(pool).await?;
    let rules = YaraRules::compile(&rows);
    for issue in &rules.issues {
        eprintln!("warning: YARA rule left out: {issue}");
    }
    let url = format!("file://{}", std::path::absolute(file)?.display());
    let found = trawl_core::rules::yara::scan_file(&rules, &url, bytes);
    print_yara(&found);
    println!(
        "yara   {} rules, {} matched",
        rules.len(),
        rules::yara_names(&found).len()
    );
    Ok(())
}

fn print_yara(found: &[YaraMatch]) {
    for m in found {
        println!(
            "yara   {}  on {} {}  confidence={}",
            m.rule,
            m.subject.column(),
            m.url,
            m.confidence
        );
        for s in &m.strings {
            println!(
                "       {} at {} ({} bytes): {}",
                s.identifier, s.offset, s.length, s.excerpt
            );
        }
    }
}

/// Queue a retro-hunt and run it in this process until it ends.
async fn retrohunt(pool: &PgPool, blobs: BlobStore) -> Result<()> {
    let job_id = rules::queue_retrohunt(pool).await?;
    let queue = Queue::new(pool.clone());
    let mut worker = Worker::new(queue.clone(), WorkerOptions::default());
    worker.register(RETROHUNT_JOB, RetroHuntJob::new(pool.clone(), blobs));
    let watch = queue.clone();
    let stop = async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            match watch.get(job_id).await {
                Ok(Some(job)) if job.status == "QUEUED" || job.status == "RUNNING" => {}
                _ => break,
            }
        }
    };
    worker.run(stop).await?;
    let job = queue
        .get(job_id)
        .await?
        .context("retro-hunt job vanished")?;
    if job.status != "DONE" {
        bail!(
            "retro-hunt {}: {}",
            job.status,
            job.last_error.unwrap_or_default()
        );
    }
    println!("{}", job.result.unwrap_or_default());
    Ok(())
}
