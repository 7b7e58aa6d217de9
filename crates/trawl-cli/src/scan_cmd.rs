//! `trawl scan`: read URL lists, queue them, capture them with in-process workers, show
//! progress, and end with a summary table. Exits 0 even when some targets failed (their
//! reasons are in the table); bad input files are errors naming the file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use trawl_core::blobs::BlobStore;
use trawl_core::capture::CaptureMode;
use trawl_core::input::{InputUrl, parse_list};
use trawl_core::queue::{Queue, Worker, WorkerOptions, diag};
use trawl_core::scan::{self, CAPTURE_JOB, CaptureJob, ScanProgress, ScanSettings};
use trawl_core::targets::{self, TargetFilter};

use crate::context::Context;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// URL lists: text, CSV (PhishTank, URLhaus, OpenPhish …), JSON or JSON lines
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Capture mode: `full` opens each page in headless Chromium (screenshot, rendered DOM,
    /// every sub-resource); `fast` fetches over HTTP only, for triage of long lists
    #[arg(long, value_enum, default_value_t = Mode::Full)]
    mode: Mode,
    /// Targets captured at once: browser pages in full mode (default 4), HTTP captures in
    /// fast mode (default 8)
    #[arg(long)]
    concurrency: Option<usize>,
    /// Map a host name to an address (HOST=IP); mapped names may be loopback
    #[arg(long = "resolve", value_name = "HOST=IP")]
    resolve: Vec<String>,
    /// A file of HOST=IP lines (as `trawl lab serve --resolve-out` writes)
    #[arg(long = "resolve-file", value_name = "FILE")]
    resolve_files: Vec<PathBuf>,
    /// Allow private and loopback targets (lab use)
    #[arg(long)]
    allow_private: bool,
    /// With a resolver map, still resolve other names on the network
    #[arg(long)]
    dns: bool,
    /// Time limit per target in seconds
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Print the summary as JSON lines
    #[arg(long)]
    json: bool,
}

impl ScanArgs {
    /// `--concurrency`, or the mode's default.
    fn concurrency(&self) -> usize {
        let default = match self.mode {
            Mode::Full => 4,
            Mode::Fast => 8,
        };
        self.concurrency.unwrap_or(default).max(1)
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mode {
    Fast,
    Full,
}

pub async fn run(ctx: &Context, args: ScanArgs) -> Result<()> {
    // Options first: a typo in a flag is reported before a large list is read.
    let mut resolve = args.resolve.clone();
    for file in &args.resolve_files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read resolver map {}", file.display()))?;
        trawl_core::capture::ResolverMap::parse_text(&text, &file.display().to_string())?;
        resolve.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    for entry in &args.resolve {
        trawl_core::capture::ResolverMap::new().add_arg(entry)?;
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        );
    }
    let chromium = trawl_core::capture::full::DEFAULT_CHROMIUM;
    if matches!(args.mode, Mode::Full) && !std::path::Path::new(chromium).is_file() {
        bail!(
            "full mode needs Chromium at {chromium}: install it (scripts/setup.sh does) or \
             scan with --mode fast"
        );
    }
    let urls = read_lists(&args.files)?;
    if urls.is_empty() {
        bail!("no URLs to scan in {}", names(&args.files));
    }
    let settings = ScanSettings {
        mode: match args.mode {
            Mode::Fast => CaptureMode::Fast,
            Mode::Full => CaptureMode::Full,
        },
        resolve,
        allow_private: args.allow_private,
        dns: args.dns,
        timeout_secs: args.timeout,
    };

    let db = ctx.open_db().await?;
    let result = scan(ctx, &db, &urls, &settings, &args).await;
    db.close().await;
    result
}

async fn scan(
    ctx: &Context,
    db: &trawl_core::db::Database,
    urls: &[InputUrl],
    settings: &ScanSettings,
    args: &ScanArgs,
) -> Result<()> {
    let pool = db.pool().clone();
    let submitted = scan::submit(&pool, urls, settings, &names(&args.files)).await?;
    let scan_id = submitted.scan_id;
    eprintln!(
        "scan {scan_id}: {} targets queued ({:?} mode)",
        urls.len(),
        settings.mode
    );

    // `--concurrency` counts browser pages in full mode; more jobs than pages keep them busy.
    let concurrency = args.concurrency();
    let jobs = match settings.mode {
        CaptureMode::Full => concurrency * scan::JOBS_PER_BROWSER_PAGE,
        CaptureMode::Fast => concurrency,
    };
    let opts = WorkerOptions {
        concurrency: jobs,
        ..WorkerOptions::default()
    };
    let mut worker = Worker::new(Queue::new(pool.clone()), opts);
    let blobs = BlobStore::new(trawl_core::paths::DataLayout::new(&ctx.data_dir).blobs());
    worker.register(
        trawl_core::rules::RETROHUNT_JOB,
        trawl_core::rules::RetroHuntJob::new(pool.clone(), blobs.clone()),
    );
    let capture_job = CaptureJob::new(pool.clone(), blobs);
    capture_job.set_browser_pages(concurrency);
    worker.register(CAPTURE_JOB, capture_job.clone());
    worker.register(
        diag::SLEEP,
        diag::SleepJob::new(&worker.owner().to_string()),
    );

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(worker.run(async move {
        let _ = stop_rx.await;
    }));

    let started = Instant::now();
    let interactive = std::io::stderr().is_terminal();
    let mut interrupted = false;
    let progress = loop {
        let p = scan::progress(&pool, scan_id).await?;
        if interactive {
            eprint!("\r{}", progress_line(&p, started.elapsed()));
        }
        if p.finished() >= p.total {
            break p;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = tokio::signal::ctrl_c() => { interrupted = true; break p; }
        }
    };
    if interactive {
        eprintln!();
    }
    let _ = stop_tx.send(());
    worker.await??;
    // Full mode: stop the browser pool (waits for running pages, kills the browsers).
    tokio::task::spawn_blocking(move || capture_job.shutdown()).await?;
    if !interrupted {
        scan::finish(&pool, scan_id).await?;
    }
    eprintln!("{}", progress_line(&progress, started.elapsed()));

    let filter = TargetFilter {
        scan_id: Some(scan_id),
        ..TargetFilter::default()
    };
    let rows = targets::list(&pool, &filter).await?;
    if args.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
    } else {
        crate::targets_cmd::print_table(&rows);
    }
    if interrupted {
        let waiting = rows.iter().filter(|r| r.status == "QUEUED").count();
        anyhow::bail!("interrupted: {waiting} targets stay queued; `trawl worker` captures them");
    }
    Ok(())
}

/// Parse every file, report rejected lines and duplicates, dedupe across files.
fn read_lists(files: &[PathBuf]) -> Result<Vec<InputUrl>> {
    let mut seen = std::collections::HashSet::new();
    let mut urls = Vec::new();
    for file in files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let parsed = parse_list(&bytes).with_context(|| format!("{}", file.display()))?;
        for r in &parsed.rejected {
            eprintln!(
                "{}:{}: skipped: {} ({})",
                file.display(),
                r.line,
                r.reason,
                r.text
            );
        }
        let mut dupes = parsed.duplicates.len();
        for url in parsed.accepted {
            if seen.insert(url.url.to_string()) {
                urls.push(url);
            } else {
                dupes += 1;
            }
        }
        eprintln!(
            "{}: {} URLs ({:?}), {} rejected, {dupes} duplicates",
            file.display(),
            urls.len(),
            parsed.format,
            parsed.rejected.len()
        );
    }
    Ok(urls)
}

fn progress_line(p: &ScanProgress, elapsed: Duration) -> String {
    let finished = p.finished();
    let rate = finished as f64 / elapsed.as_secs_f64().max(0.001);
    let remaining = (p.total - finished).max(0);
    let eta = if rate > 0.0 {
        format!("{:.0}s", remaining as f64 / rate)
    } else {
        "?".into()
    };
    let width = 30usize;
    let filled = if p.total > 0 {
        (finished as usize * width) / p.total as usize
    } else {
        width
    };
    format!(
        "[{}{}] {finished}/{} done {} failed {} · {rate:.1}/s · ETA {eta}   ",
        "#".repeat(filled),
        "-".repeat(width - filled),
        p.total,
        p.done,
        p.failed
    )
}

fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
