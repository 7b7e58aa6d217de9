//! What the scan acceptance tests share: a throwaway Postgres with a temporary data folder, the
//! `trawl` binary run against them (with its peak memory watched), the lab server started in
//! this process on OS-chosen ports, and readers for what the CLI writes (JSON lines, CSV).
//!
//! Scans run as child processes so each test sees the real command; the lab runs in the test's
//! runtime, so the child must be waited for without blocking it (`tokio::process`). Every
//! helper panics with the command's output when something is wrong: these are test fixtures.

#![allow(dead_code)]

#[path = "../../../../tests/support/pgserver.rs"]
pub mod pgserver;

pub mod corpus;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;
use trawl_core::lab::{LabOptions, LabServer, PortPolicy};

/// The binary under test.
pub const TRAWL: &str = env!("CARGO_BIN_EXE_trawl");

/// Longest a single `trawl` command may run before the test gives up on it. A guard against a
/// hung test run, not a speed check: the commands here finish in seconds.
const COMMAND_GUARD: Duration = Duration::from_secs(600);

/// The repository root (for `tests/sites`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The real-phishing corpus: `TRAWL_CORPUS`, else `../shared/corpus` beside the workspace.
/// Prints a skip line and returns `None` when it is absent.
pub fn corpus() -> Option<PathBuf> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
    let dir =
        std::env::var_os("TRAWL_CORPUS").map_or_else(|| PathBuf::from(default), PathBuf::from);
    if dir.join("hosts-plan.tsv").is_file() && dir.join("reference").is_dir() {
        Some(dir)
    } else {
        println!("skipping: corpus not found at {}", dir.display());
        None
    }
}

/// A database and data folder for one test, and the `trawl` command bound to them.
pub struct Env {
    _server: pgserver::TestServer,
    dir: tempfile::TempDir,
    /// URL of this test's database.
    pub url: String,
    /// `--data-dir` of every command (blobs, logs).
    pub data_dir: PathBuf,
    /// A pool on the same database, for checks the CLI does not print.
    pub pool: PgPool,
}

/// How a `trawl` command ended.
pub struct Finished {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// The largest `VmHWM` (peak resident set, KiB) read from `/proc/PID/status` while it ran.
    pub peak_kib: Option<u64>,
}

impl Env {
    /// A fresh database on a throwaway server, migrated by `trawl db migrate`.
    pub async fn new() -> Env {
        let server = pgserver::TestServer::start();
        let url = server.fresh_database().await;
        let dir = tempfile::Builder::new()
            .prefix("trawl-scan-test-")
            .tempdir()
            .unwrap();
        let data_dir = dir.path().join("data");
        let env = Env {
            pool: PgPool::connect(&url).await.unwrap(),
            _server: server,
            dir,
            url,
            data_dir,
        };
        env.ok(&["db", "migrate"]).await;
        env
    }

    /// A scratch folder that lives as long as this environment.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `trawl ARGS` against this environment, watching its memory until it exits.
    pub async fn run(&self, args: &[&str]) -> Finished {
        let out = self.scratch().join(format!("out-{}", unique()));
        let err = self.scratch().join(format!("err-{}", unique()));
        let mut cmd = tokio::process::Command::new(TRAWL);
        cmd.arg("-q")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--database-url")
            .arg(&self.url);
        cmd.args(args)
            .env_remove("TRAWL_DATABASE_URL")
            .env_remove("TRAWL_DATA_DIR");
        cmd.stdin(Stdio::null());
        cmd.stdout(std::fs::File::create(&out).unwrap());
        cmd.stderr(std::fs::File::create(&err).unwrap());
        let mut child = cmd.kill_on_drop(true).spawn().unwrap();
        let pid = child.id().expect("a running child has a pid");

        let started = Instant::now();
        let mut peak_kib = None;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            peak_kib = peak_kib.max(vm_hwm_kib(pid));
            if started.elapsed() > COMMAND_GUARD {
                child.kill().await.unwrap();
                panic!(
                    "trawl {args:?} still running after {COMMAND_GUARD:?}: {}",
                    read(&err)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        Finished {
            success: status.success(),
            stdout: read(&out),
            stderr: read(&err),
            peak_kib,
        }
    }

    /// Runs `trawl ARGS`, which must succeed; returns its standard output.
    pub async fn ok(&self, args: &[&str]) -> String {
        let done = self.run(args).await;
        assert!(
            done.success,
            "trawl {args:?} failed:\n{}\n{}",
            done.stdout, done.stderr
        );
        done.stdout
    }

    /// Starts `trawl ARGS` and leaves it running (its output goes to files in the scratch
    /// folder); see [`interrupt`].
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        let log = self.scratch().join(format!("spawned-{}", unique()));
        let mut cmd = tokio::process::Command::new(TRAWL);
        cmd.arg("-q")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--database-url")
            .arg(&self.url);
        cmd.args(args)
            .env_remove("TRAWL_DATABASE_URL")
            .env_remove("TRAWL_DATA_DIR");
        cmd.stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap());
        cmd.stderr(std::fs::File::create(log.with_extension("err")).unwrap());
        cmd.kill_on_drop(true).spawn().unwrap()
    }

    /// `trawl targets export --format jsonl`, one parsed object per line.
    pub async fn export_jsonl(&self) -> Vec<Value> {
        let text = self.ok(&["targets", "export", "--format", "jsonl"]).await;
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line ({e}): {l}")))
            .collect()
    }

    /// The full capture record of a target (not part of the exports).
    pub async fn capture_record(&self, target_id: i64) -> Value {
        sqlx::query_scalar("SELECT capture FROM targets WHERE id = $1")
            .bind(target_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Writes `lines` to a file in the scratch folder and returns its path.
    pub fn write(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.scratch().join(name);
        std::fs::write(
            &path,
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap();
        path
    }
}

/// Sends Ctrl-C (SIGINT) to a spawned command and waits for it; it must exit cleanly.
pub async fn interrupt(mut child: tokio::process::Child) {
    let pid = nix::unistd::Pid::from_raw(child.id().expect("still running") as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = tokio::time::timeout(COMMAND_GUARD, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "did not stop cleanly on Ctrl-C: {status}");
}

/// Copies a folder tree (the sample sites, so a test may edit its copy).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Starts the lab on OS-chosen ports (the plan's loopback IPs), plain HTTP, so tests running at
/// the same time never compete for a port.
pub async fn start_lab(sites_dir: &Path, plan: Option<&Path>, test_routes: bool) -> LabServer {
    let opts = LabOptions {
        hosts_plan: plan.map(Path::to_path_buf),
        https_port_offset: None,
        test_routes,
        ports: PortPolicy::Ephemeral,
        ..LabOptions::new(sites_dir)
    };
    LabServer::start(opts).await.expect("the lab server starts")
}

/// `http://HOST:PORT/PATH?Q#F` split as (`host`, `port`, `/PATH`) with the path percent-decoded
/// and the query and fragment dropped. `None` for other schemes or URLs without a port.
pub fn split_http_url(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = authority.rsplit_once(':')?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        percent_decode(path)
    };
    Some((host.to_ascii_lowercase(), port.parse().ok()?, path))
}

/// Decodes `%XX` escapes (invalid escapes are kept as written).
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Splits CSV text into records (quoted fields may hold commas, quotes and line breaks).
pub fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// A target's redirect chain (stored as JSON text).
pub fn chain(target: &Value) -> Vec<Value> {
    let text = target["redirect_chain"].as_str().unwrap_or("[]");
    serde_json::from_str::<Vec<Value>>(text).unwrap_or_default()
}

/// A string field of an exported row ("" when null).
pub fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field].as_str().unwrap_or_default()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Inserts a DONE target with the given `targets` columns (name, text value); returns its id.
pub async fn insert_done_target(pool: &PgPool, url: &str, fields: &[(&str, &str)]) -> i64 {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO targets (url, status) VALUES ($1, 'DONE') RETURNING id")
            .bind(url)
            .fetch_one(pool)
            .await
            .unwrap();
    for (column, value) in fields {
        sqlx::query(&format!("UPDATE targets SET {column} = $2 WHERE id = $1"))
            .bind(id)
            .bind(value)
            .execute(pool)
            .await
            .unwrap();
    }
    id
}
