//! A throwaway Postgres server for tests of remote mode: its own cluster in a temporary
//! folder, listening on a free loopback port with password authentication, stopped on drop.
//! Independent of Trawl's embedded-mode code, so remote-mode tests really talk to a server
//! Trawl did not start. Runs the server as `postgres` when the tests run as root.

#![allow(dead_code)]

use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Login of the test server's superuser.
pub const USER: &str = "trawl_test";
/// Its password.
pub const PASSWORD: &str = "test-password-1";

pub struct TestServer {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    account: Option<(u32, u32)>,
    pub port: u16,
}

impl TestServer {
    /// Create and start a server; panics with the server's output when that fails.
    pub fn start() -> TestServer {
        let bin = trawl_core::db::binaries::PgBinaries::locate(None)
            .expect("tests need the Postgres server programs")
            .dir()
            .to_path_buf();
        let dir = tempfile::Builder::new()
            .prefix("trawl-pg-")
            .tempdir()
            .unwrap();
        let account = account();
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if let Some((uid, gid)) = account {
            chown(dir.path(), Some(uid), Some(gid)).unwrap();
            chown(&pwfile, Some(uid), Some(gid)).unwrap();
        }
        let port = free_port();
        let server = TestServer {
            _dir: dir,
            data,
            bin,
            account,
            port,
        };
        server.run("initdb", |c| {
            c.arg("-D")
                .arg(&server.data)
                .args(["-U", USER, "-A", "scram-sha-256", "--no-locale"]);
            c.arg(format!("--pwfile={}", pwfile.display()));
        });
        let sock = server.data.parent().unwrap().to_path_buf();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={} \
             -c max_connections=200",
            sock.display()
        );
        let log = server.data.parent().unwrap().join("log");
        server.run("pg_ctl", |c| {
            c.args(["start", "-w", "-t", "60", "-D"])
                .arg(&server.data)
                .arg("-o")
                .arg(&opts);
            c.arg("-l").arg(&log);
        });
        server
    }

    /// URL of `database` on this server, with the right password.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Create a fresh database and return its URL.
    pub async fn fresh_database(&self) -> String {
        use sqlx::Connection;
        let name = format!("t{:016x}", rand_u64());
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        self.url(&name)
    }

    fn run(&self, program: &str, args: impl FnOnce(&mut Command)) {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.current_dir(self.data.parent().unwrap());
        args(&mut cmd);
        if let Some((uid, gid)) = self.account {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The data folder (tests may read `postmaster.pid`).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let mut cmd = Command::new(self.bin.join("pg_ctl"));
        cmd.args(["stop", "-m", "immediate", "-D"]).arg(&self.data);
        cmd.current_dir("/");
        if let Some((uid, gid)) = self.account {
            cmd.uid(uid).gid(gid);
        }
        let _ = cmd.output();
    }
}

fn account() -> Option<(u32, u32)> {
    if !nix::unistd::Uid::effective().is_root() {
        return None;
    }
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .expect("a postgres account");
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
