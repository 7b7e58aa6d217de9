//! The embedded server's lifecycle through the CLI, and one clear line for each bad input.

#[path = "../../../tests/support/pgserver.rs"]
mod pgserver;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TRAWL: &str = env!("CARGO_BIN_EXE_trawl");

fn trawl(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(TRAWL);
    cmd.arg("-q").arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("TRAWL_DATABASE_URL")
        .env_remove("TRAWL_PG_BIN");
    cmd
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The postmaster pid recorded in the cluster, if that process is alive.
fn server_pid(data_dir: &Path) -> Option<i32> {
    let pidfile = data_dir.join("postgres/server/data/postmaster.pid");
    let pid: i32 = std::fs::read_to_string(pidfile)
        .ok()?
        .lines()
        .next()?
        .parse()
        .ok()?;
    let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
    alive.then_some(pid)
}

/// stderr must be exactly one line, starting with "error:" and containing `needle`.
fn assert_one_clear_line(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected failure");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "expected {needle:?} in: {err}");
}

#[test]
fn embedded_server_starts_stops_restarts_and_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // First start creates the cluster; the command stops the server when it exits.
    let status = run_ok(&mut trawl(&data, &["db", "status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["mode"], "embedded");
    assert!(status["schema_version"].as_i64().unwrap() >= 1);
    assert_eq!(
        server_pid(&data),
        None,
        "server left running after the command exited"
    );

    // Restart on the existing cluster.
    let status = run_ok(&mut trawl(&data, &["db", "status"]));
    assert!(status.contains("mode            embedded"), "{status}");

    // A long-running command keeps the server up; kill the server under it.
    let mut worker = trawl(&data, &["worker"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let pid = loop {
        if let Some(pid) = server_pid(&data) {
            break pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server never came up"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    if nix::unistd::Uid::effective().is_root() {
        // Postgres refuses root: the server must run as an unprivileged account.
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        assert!(
            !uid_line.split_whitespace().skip(1).all(|u| u == "0"),
            "{uid_line}"
        );
    }
    let kill = |pid: i32| {
        let pid = nix::unistd::Pid::from_raw(pid);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    };
    kill(pid);
    worker.kill().unwrap();
    worker.wait().unwrap();

    // Start after the crash: the stale pid file does not stop us.
    let status = run_ok(&mut trawl(&data, &["db", "status", "--json"]));
    assert!(status.contains("\"embedded\""), "{status}");
    assert_eq!(server_pid(&data), None);
}

#[test]
fn unreachable_database_url_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = pgserver::free_port();
    let url = format!("postgres://trawl:pw@127.0.0.1:{port}/trawl");
    let out = trawl(dir.path(), &["--database-url", &url, "db", "status"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "cannot reach the database");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(":pw@"),
        "password leaked"
    );
}

#[test]
fn wrong_password_is_one_clear_line() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "postgres://{}:not-the-password@127.0.0.1:{}/postgres",
        pgserver::USER,
        server.port
    );
    let out = trawl(dir.path(), &["--database-url", &url, "db", "status"])
        .output()
        .unwrap();
    assert_one_clear_line(&out, "refused the login");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not-the-password"));
}

#[test]
fn malformed_database_url_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = trawl(
        dir.path(),
        &["--database-url", "mysql://x@127.0.0.1/z", "db", "status"],
    )
    .output()
    .unwrap();
    assert_one_clear_line(&out, "invalid database URL");
}

#[test]
fn missing_server_programs_say_what_to_install_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-postgres-here");
    std::fs::create_dir(&empty).unwrap();
    let data = dir.path().join("data");
    let out = trawl(&data, &["db", "status"])
        .env("TRAWL_PG_BIN", &empty)
        .output()
        .unwrap();
    assert_one_clear_line(&out, "apt-get install postgresql");
    assert!(
        !data.join("postgres").exists(),
        "a half-created cluster was left behind"
    );
}

#[test]
fn unwritable_data_directory_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    // A path below a regular file cannot be created, even by root.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let data = file.join("data");
    let out = trawl(&data, &["db", "status"]).output().unwrap();
    assert_one_clear_line(&out, "is not usable");
    assert!(std::fs::metadata(&file).unwrap().is_file());
}
