//! `trawl`: Trawl's engine from the terminal (no GUI libraries).
//!
//! This file parses the command line, sets up logging, opens the database and dispatches to
//! one module per command group. Every error ends as one line on stderr naming the problem,
//! with a non-zero exit; Ctrl-C stops long commands cleanly (workers drain, the embedded
//! database server stops).

mod campaigns_cmd;
mod context;
mod db_cmd;
mod graph_cmd;
mod iocs_cmd;
mod jarm_cmd;
mod jobs_cmd;
mod lab;
mod rules_cmd;
mod scan_cmd;
mod settings_cmd;
mod show;
mod targets_cmd;
mod worker_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Capture, fingerprint and link phishing sites from the terminal.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about)]
struct Cli {
    /// Data directory (embedded database, blobs, logs) [default: ~/.local/share/trawl]
    #[arg(long, global = true, env = "TRAWL_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Use a shared Postgres server instead of the embedded one
    #[arg(
        long,
        global = true,
        env = "TRAWL_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// More detail in the log output
    #[arg(short, long, global = true)]
    verbose: bool,

    /// Only warnings and errors in the log output
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Database: migrate, status
    #[command(subcommand)]
    Db(db_cmd::DbCommand),
    /// The job queue: list, add
    #[command(subcommand)]
    Jobs(jobs_cmd::JobsCommand),
    /// Capture the URLs of one or more lists and print a summary
    Scan(scan_cmd::ScanArgs),
    /// Captured targets: list, show, export
    #[command(subcommand)]
    Targets(targets_cmd::TargetsCommand),
    /// The lab web server that replays saved sites on loopback
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// Run a worker until Ctrl-C, then drain
    Worker(worker_cmd::WorkerArgs),
    /// Print the JARM TLS fingerprint of HOST[:PORT]
    Jarm(jarm_cmd::JarmArgs),
    /// Signatures, IOK imports, alert rules and retro-hunts
    #[command(subcommand)]
    Rules(rules_cmd::RulesCommand),
    /// Encrypted settings: list, get, set, unset, rotate-key
    #[command(subcommand)]
    Settings(settings_cmd::SettingsCommand),
    /// Campaigns: list, show, recluster, generic, pin, split, merge, graph
    #[command(subcommand)]
    Campaigns(campaigns_cmd::CampaignsCommand),
    /// The infrastructure graph: export, path, neighbours, components
    #[command(subcommand)]
    Graph(graph_cmd::GraphCommand),
    /// Targets sharing one value of a pivot kind
    Pivot(graph_cmd::PivotArgs),
    /// IOCs marked by the analyst: add, add-from-target, list, remove, export
    #[command(subcommand)]
    Iocs(iocs_cmd::IocsCommand),
}

fn main() -> ExitCode {
    // `trawl targets list | head`: a closed pipe ends the process quietly, as for other tools.
    // SAFETY: called first thing, before any thread starts; restores the default action.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    let cli = Cli::parse();
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(trawl_core::paths::default_data_dir);
    // The embedded server runs in another working directory: paths must be absolute.
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    // A scan shows a progress bar; per-job lifecycle lines go to the log files only.
    let quiet = cli.quiet || (matches!(cli.command, Command::Scan(_)) && !cli.verbose);
    let _logs = trawl_core::logging::init(Some(&data_dir), cli.verbose, quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let ctx = context::Context {
        data_dir,
        database_url: cli.database_url.clone(),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Db(cmd) => db_cmd::run(&ctx, cmd).await,
            Command::Jobs(cmd) => jobs_cmd::run(&ctx, cmd).await,
            Command::Scan(args) => scan_cmd::run(&ctx, args).await,
            Command::Targets(cmd) => targets_cmd::run(&ctx, cmd).await,
            Command::Lab(cmd) => lab::run(cmd).await,
            Command::Worker(args) => worker_cmd::run(&ctx, args).await,
            Command::Jarm(args) => jarm_cmd::run(args).await,
            Command::Settings(cmd) => settings_cmd::run(&ctx, cmd).await,
            Command::Rules(cmd) => rules_cmd::run(&ctx, cmd).await,
            Command::Campaigns(cmd) => campaigns_cmd::run(&ctx, cmd).await,
            Command::Graph(cmd) => graph_cmd::run_graph(&ctx, cmd).await,
            Command::Pivot(args) => graph_cmd::run_pivot(&ctx, args).await,
            Command::Iocs(cmd) => iocs_cmd::run(&ctx, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Print one line naming the problem and its causes.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::FAILURE
}
