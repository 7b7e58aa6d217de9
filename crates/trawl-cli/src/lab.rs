//! `trawl lab serve`: serve a folder of saved phishing sites on loopback, one origin per sample,
//! until Ctrl-C (or SIGTERM).
//!
//! A thin adapter over [`trawl_core::lab::LabServer`]: it turns flags into [`LabOptions`], prints
//! the listeners and sites, writes the resolver map, and waits for the signal. Without
//! `--hosts-plan`, each immediate subfolder of SITES_DIR is served, in sorted order, as
//! `<folder>.lab.test` on `127.0.10.N:8080` (N = 1, 2, …).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use trawl_core::lab::{DEFAULT_HTTPS_PORT_OFFSET, LabOptions, LabServer, PortPolicy};

/// The lab web server.
#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Serve saved sites on loopback (one origin per sample) until Ctrl-C
    Serve(ServeArgs),
}

/// Flags of `trawl lab serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Folder of saved sites (with a plan: where relative docroots are also looked up)
    #[arg(value_name = "SITES_DIR")]
    sites_dir: PathBuf,
    /// Hosts plan, TSV with header `id hostname ip port docroot entry_path`; relative docroots
    /// are resolved against the plan file's folder
    #[arg(long, value_name = "FILE")]
    hosts_plan: Option<PathBuf>,
    /// Write `host=ip` lines (one per hostname) to this file
    #[arg(long, value_name = "FILE")]
    resolve_out: Option<PathBuf>,
    /// HTTPS listens on the HTTP port plus this offset (8080 → 8443)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_HTTPS_PORT_OFFSET)]
    https_port_offset: u16,
    /// Serve plain HTTP only
    #[arg(long, conflicts_with = "https_port_offset")]
    no_https: bool,
    /// Write the lab CA certificate (PEM) to this file, to trust it in a client
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Enable the hostile test routes under /__lab/ and the hostile TLS listeners
    #[arg(long)]
    test_routes: bool,
    /// Let the OS pick every port (keeps the plan's IPs and grouping)
    #[arg(long)]
    ephemeral_ports: bool,
}

/// Runs a `trawl lab` command.
pub async fn run(cmd: LabCommand) -> Result<()> {
    match cmd {
        LabCommand::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    if !args.sites_dir.is_dir() {
        bail!("sites folder {} does not exist or is not a folder", args.sites_dir.display());
    }
    if !args.no_https && args.https_port_offset == 0 {
        bail!("--https-port-offset must be at least 1 (or use --no-https)");
    }
    let opts = LabOptions {
        sites_dir: args.sites_dir.clone(),
        hosts_plan: args.hosts_plan.clone(),
        https_port_offset: (!args.no_https).then_some(args.https_port_offset),
        test_routes: args.test_routes,
        ca_out: args.ca_out.clone(),
        ports: match args.ephemeral_ports {
            true => PortPolicy::Ephemeral,
            false => PortPolicy::AsPlanned,
        },
    };
    let lab = LabServer::start(opts)
        .await
        .with_context(|| format!("cannot start the lab for {}", args.sites_dir.display()))?;

    if let Some(path) = &args.resolve_out {
        write_resolver_map(path, &lab)?;
    }
    print_summary(&lab, &args);

    shutdown_signal().await?;
    println!("lab: stopping");
    lab.shutdown().await;
    Ok(())
}

fn write_resolver_map(path: &Path, lab: &LabServer) -> Result<()> {
    let text = format!(
        "# trawl lab resolver map: one host=ip line per served hostname ({} sites).\n\
         # Feed it to the engine's test resolver, or turn each line into an /etc/hosts entry.\n\
         {}",
        lab.sites().len(),
        lab.resolver_map()
    );
    std::fs::write(path, text)
        .with_context(|| format!("cannot write the resolver map to {}", path.display()))
}

fn print_summary(lab: &LabServer, args: &ServeArgs) {
    println!(
        "lab: serving {} sites on {} listeners",
        lab.sites().len(),
        lab.listeners().len()
    );
    for listener in lab.listeners() {
        println!("  {listener}");
    }
    println!("sites:");
    for site in lab.sites() {
        println!("  {:<40} {}  ({})", site.id, site.entry_url, site.ip);
    }
    if let Some(hostile) = lab.hostile() {
        println!("hostile routes: {}", hostile.base_url);
        println!("  expired TLS:         {}", hostile.expired_tls);
        println!("  self-signed TLS:     {}", hostile.self_signed_tls);
        println!("  TLS handshake hangs: {}", hostile.tls_hang);
    }
    if let Some(path) = &args.resolve_out {
        println!("resolver map written to {}", path.display());
    }
    if let Some(path) = &args.ca_out {
        println!("lab CA certificate written to {}", path.display());
    }
    println!("press Ctrl-C to stop");
}

async fn shutdown_signal() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot watch Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot watch Ctrl-C")?;
    Ok(())
}
