//! The embedded Postgres server: one private cluster per data directory.
//!
//! Owns creating the cluster (atomically: `initdb` into a temporary folder, then a rename),
//! starting it on a Unix socket inside its own folder (a loopback port when the socket path
//! would be too long), attaching to a server another Trawl process already runs, and stopping
//! it when the last Trawl process using it closes. Processes register in `clients/`; entries of
//! dead processes are pruned, so a crashed Trawl never keeps the server alive for ever. A stale
//! pid file after a crash is handled by Postgres itself; start is retried while the old
//! server's shared memory is released.
//!
//! Postgres refuses to run as root. When Trawl runs as root the server runs as an unprivileged
//! account (`postgres`, or `TRAWL_PG_USER`) that owns the server folder; if that account cannot
//! reach the data directory (a home folder with mode 0700), the cluster lives under
//! `/var/lib/trawl/embedded/<hash of the data directory>` instead, and the log says so.
//!
//! Layout of `<data>/postgres/`: `secret` (password, 0600), `lock`, `clients/`, and
//! `server/` (owned by the server account: `data/` cluster, `run/` socket, `server.log`).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::kill;
use nix::unistd::{Pid, Uid, User};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;

use super::DbError;
use super::binaries::PgBinaries;

/// Role created by `initdb` and used by Trawl.
const SUPERUSER: &str = "trawl";
/// Port number used in the socket file name (the socket folder is private).
const SOCKET_PORT: u16 = 5432;
/// Longest socket path Linux accepts, with a margin.
const MAX_SOCKET_PATH: usize = 100;
/// Environment variable naming the account that runs the server when Trawl runs as root.
pub const PG_USER_ENV: &str = "TRAWL_PG_USER";

/// An unprivileged account that runs the server when Trawl itself runs as root.
#[derive(Debug, Clone)]
struct Account {
    name: String,
    uid: u32,
    gid: u32,
}

/// A running (or attached) embedded server.
#[derive(Debug)]
pub struct EmbeddedServer {
    root: PathBuf,
    bins: PgBinaries,
    account: Option<Account>,
    endpoint: Endpoint,
    password: String,
}

/// How clients reach the server.
#[derive(Debug, Clone)]
enum Endpoint {
    Socket(PathBuf),
    Tcp(u16),
}

impl EmbeddedServer {
    /// Create the cluster if needed, then start the server or attach to the running one.
    pub fn start(data_dir: &Path, bin_dir: Option<&Path>) -> Result<EmbeddedServer, DbError> {
        let bins = PgBinaries::locate(bin_dir)?;
        let created_data_dir = ensure_writable_dir(data_dir)?;
        let result = Self::start_in(data_dir, bins);
        if result.is_err() && created_data_dir {
            // Nothing half-created: remove the folder this call made.
            let _ = fs::remove_dir_all(data_dir);
        }
        result
    }

    fn start_in(data_dir: &Path, bins: PgBinaries) -> Result<EmbeddedServer, DbError> {
        let account = server_account()?;
        let root = choose_root(data_dir, account.as_ref())?;
        let fresh_root = !root.exists();
        let result = (|| {
            fs::create_dir_all(root.join("clients")).map_err(|e| data_dir_error(&root, e))?;
            fs::set_permissions(&root, fs::Permissions::from_mode(0o711))
                .map_err(|e| data_dir_error(&root, e))?;
            let _lock = lock(&root)?;
            let mut server = EmbeddedServer {
                endpoint: endpoint_for(&root),
                root: root.clone(),
                bins,
                account,
                password: String::new(),
            };
            if !server.pgdata().join("PG_VERSION").exists() {
                server.init_cluster()?;
            }
            server.password = read_secret(&root.join("secret"))?;
            server.ensure_running()?;
            server.register_client()?;
            Ok(server)
        })();
        if result.is_err() && fresh_root {
            let _ = fs::remove_dir_all(&root);
        }
        result
    }

    /// Connection options for a database of this server.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        let opts = PgConnectOptions::new()
            .username(SUPERUSER)
            .password(&self.password)
            .database(database);
        match &self.endpoint {
            Endpoint::Socket(dir) => opts.host(&dir.to_string_lossy()).port(SOCKET_PORT),
            Endpoint::Tcp(port) => opts.host("127.0.0.1").port(*port),
        }
    }

    /// Where the cluster lives (for status output).
    pub fn location(&self) -> String {
        self.pgdata().display().to_string()
    }

    /// Unregister this process; stop the server when no other Trawl process uses it.
    pub fn stop(&self) -> Result<(), DbError> {
        let _lock = lock(&self.root)?;
        let _ = fs::remove_file(self.client_file());
        if self.live_clients() > 0 {
            tracing::info!("embedded postgres left running for other Trawl processes");
            return Ok(());
        }
        let out = self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"])?;
        if !out.status.success() && self.server_pid().is_some() {
            return Err(DbError::ServerStart {
                message: format!("pg_ctl stop failed: {}", stderr_line(&out)),
            });
        }
        tracing::debug!(cluster = %self.location(), "embedded postgres stopped");
        Ok(())
    }

    /// The pid of the running postmaster, from its pid file.
    pub fn server_pid(&self) -> Option<i32> {
        let text = fs::read_to_string(self.pgdata().join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        process_alive(pid).then_some(pid)
    }

    fn server_dir(&self) -> PathBuf {
        self.root.join("server")
    }

    fn pgdata(&self) -> PathBuf {
        self.server_dir().join("data")
    }

    fn client_file(&self) -> PathBuf {
        self.root
            .join("clients")
            .join(std::process::id().to_string())
    }

    fn init_cluster(&self) -> Result<(), DbError> {
        tracing::info!(root = %self.root.display(), "creating embedded postgres cluster");
        let server = self.server_dir();
        let _ = fs::remove_dir_all(&server);
        let staging = self.root.join("server.init");
        let _ = fs::remove_dir_all(&staging);
        let result = self.init_cluster_into(&staging);
        if result.is_err() {
            let _ = fs::remove_dir_all(&staging);
            return result;
        }
        fs::rename(&staging, &server).map_err(|e| data_dir_error(&server, e))
    }

    fn init_cluster_into(&self, staging: &Path) -> Result<(), DbError> {
        let password = random_secret();
        for dir in [staging.to_path_buf(), staging.join("run")] {
            fs::create_dir_all(&dir).map_err(|e| data_dir_error(&dir, e))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| data_dir_error(&dir, e))?;
        }
        let pwfile = staging.join("initdb.pw");
        write_private(&pwfile, password.as_bytes())?;
        self.give_to_account(staging)?;

        let pgdata = staging.join("data");
        let out = self.run_as_account(
            Command::new(self.bins.program("initdb"))
                .arg("-D")
                .arg(&pgdata)
                .args([
                    "-U",
                    SUPERUSER,
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ])
                .arg(format!("--pwfile={}", pwfile.display())),
        )?;
        let _ = fs::remove_file(&pwfile);
        if !out.status.success() {
            return Err(DbError::ServerStart {
                message: format!("initdb failed: {}", stderr_line(&out)),
            });
        }

        let run_dir = self.server_dir().join("run");
        let mut conf = fs::OpenOptions::new()
            .append(true)
            .open(pgdata.join("postgresql.conf"))
            .map_err(|e| data_dir_error(&pgdata, e))?;
        let listen = match endpoint_for(&self.root) {
            Endpoint::Socket(_) => format!("listen_addresses = ''\nport = {SOCKET_PORT}\n"),
            Endpoint::Tcp(port) => format!("listen_addresses = '127.0.0.1'\nport = {port}\n"),
        };
        let extra = format!(
            "\n# Trawl embedded server\n{listen}unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\nmax_connections = 200\n",
            run_dir.display()
        );
        conf.write_all(extra.as_bytes())
            .map_err(|e| data_dir_error(&pgdata, e))?;
        write_private(&self.root.join("secret"), password.as_bytes())
    }

    fn ensure_running(&self) -> Result<(), DbError> {
        if let Some(pid) = self.server_pid()
            && self.pg_isready()
        {
            let cluster = self.location();
            tracing::debug!(pid, %cluster, "attached to running embedded postgres");
            return Ok(());
        }

        // A stale pid file (after a crash) would make Postgres refuse to start when its pid
        // is now a zombie or another process; remove it. A killed server's children may hold
        // its shared memory for a moment, so start is retried briefly.
        let pidfile = self.pgdata().join("postmaster.pid");
        if pidfile.exists() && self.server_pid().is_none() {
            tracing::info!("removing the stale pid file of a server that is gone");
            let _ = fs::remove_file(&pidfile);
        }
        let log = self.server_dir().join("server.log");
        let mut last = String::new();
        for attempt in 0..10 {
            let out = self.pg_ctl(&["start", "-w", "-t", "60", "-l", &log.to_string_lossy()])?;
            if out.status.success() {
                tracing::debug!(cluster = %self.location(), "embedded postgres started");
                return Ok(());
            }
            if self.server_pid().is_some() && self.pg_isready() {
                return Ok(());
            }
            last = format!("{}; log: {}", stderr_line(&out), log_tail(&log));
            tracing::debug!(attempt, "embedded postgres did not start yet: {last}");
            std::thread::sleep(Duration::from_millis(500));
        }
        Err(DbError::ServerStart {
            message: format!("embedded postgres did not start: {last}"),
        })
    }

    fn pg_isready(&self) -> bool {
        let mut cmd = Command::new(self.bins.program("pg_ctl"));
        cmd.arg("status").arg("-D").arg(self.pgdata());
        match self.run_as_account(&mut cmd) {
            Ok(out) if out.status.success() => self.socket_answers(),
            _ => false,
        }
    }

    fn socket_answers(&self) -> bool {
        match &self.endpoint {
            Endpoint::Socket(dir) => {
                std::os::unix::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{SOCKET_PORT}")))
                    .is_ok()
            }
            Endpoint::Tcp(port) => std::net::TcpStream::connect_timeout(
                &([127, 0, 0, 1], *port).into(),
                Duration::from_secs(1),
            )
            .is_ok(),
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<Output, DbError> {
        let mut cmd = Command::new(self.bins.program("pg_ctl"));
        cmd.args(args).arg("-D").arg(self.pgdata());
        self.run_as_account(&mut cmd)
    }

    fn run_as_account(&self, cmd: &mut Command) -> Result<Output, DbError> {
        cmd.current_dir(&self.root).env_remove("PGDATA");
        if let Some(account) = &self.account {
            // std drops supplementary groups when root changes uid.
            cmd.uid(account.uid).gid(account.gid);
        }
        cmd.output().map_err(|e| DbError::ServerStart {
            message: format!("could not run {:?}: {e}", cmd.get_program()),
        })
    }

    fn give_to_account(&self, dir: &Path) -> Result<(), DbError> {
        let Some(account) = &self.account else {
            return Ok(());
        };
        for entry in walk(dir) {
            chown(&entry, Some(account.uid), Some(account.gid))
                .map_err(|e| data_dir_error(&entry, e))?;
        }
        Ok(())
    }

    fn register_client(&self) -> Result<(), DbError> {
        let file = self.client_file();
        fs::write(&file, b"").map_err(|e| data_dir_error(&file, e))
    }

    /// Number of registered processes still alive (other than this one); dead ones are pruned.
    fn live_clients(&self) -> usize {
        let Ok(entries) = fs::read_dir(self.root.join("clients")) else {
            return 0;
        };
        let mut live = 0;
        for entry in entries.flatten() {
            let pid: Option<i32> = entry.file_name().to_str().and_then(|s| s.parse().ok());
            match pid {
                Some(pid) if process_alive(pid) => live += 1,
                _ => {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        live
    }
}

/// Whether `pid` is a live process (a zombie, which no one reaped yet, is not).
fn process_alive(pid: i32) -> bool {
    if kill(Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => {
            stat.rsplit(')')
                .next()
                .and_then(|r| r.trim().chars().next())
                != Some('Z')
        }
        Err(_) => true,
    }
}

/// The account that runs the server: none when Trawl is not root.
fn server_account() -> Result<Option<Account>, DbError> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let name = std::env::var(PG_USER_ENV).unwrap_or_else(|_| "postgres".into());
    match User::from_name(&name) {
        Ok(Some(user)) if !user.uid.is_root() => Ok(Some(Account {
            name,
            uid: user.uid.as_raw(),
            gid: user.gid.as_raw(),
        })),
        _ => Err(DbError::ServerStart {
            message: format!(
                "running as root: Postgres refuses to run as root and there is no \
                 unprivileged account `{name}` to run it; create one (useradd --system {name}) \
                 or set {PG_USER_ENV}"
            ),
        }),
    }
}

/// `<data>/postgres`, unless the server account cannot reach it (see the module header).
fn choose_root(data_dir: &Path, account: Option<&Account>) -> Result<PathBuf, DbError> {
    let preferred = data_dir.join("postgres");
    let Some(account) = account else {
        return Ok(preferred);
    };
    let canonical = fs::canonicalize(data_dir).map_err(|e| data_dir_error(data_dir, e))?;
    let digest = hex::encode(Sha256::digest(canonical.to_string_lossy().as_bytes()));
    let fallback = PathBuf::from("/var/lib/trawl/embedded").join(&digest[..16]);
    if preferred.exists() || (!fallback.exists() && reachable_by(&canonical, account)) {
        return Ok(preferred);
    }
    tracing::info!(
        data_dir = %canonical.display(),
        cluster = %fallback.display(),
        account = %account.name,
        "the server account cannot reach the data directory; using a cluster folder it can reach"
    );
    fs::create_dir_all(fallback.parent().unwrap_or(Path::new("/")))
        .map_err(|e| data_dir_error(&fallback, e))?;
    Ok(fallback)
}

/// Whether `account` may traverse every folder from `/` down to `dir`.
fn reachable_by(dir: &Path, account: &Account) -> bool {
    use std::os::unix::fs::MetadataExt;
    dir.ancestors().all(|p| match fs::metadata(p) {
        Ok(m) if m.uid() == account.uid => m.mode() & 0o100 != 0,
        Ok(m) if m.gid() == account.gid => m.mode() & 0o010 != 0,
        Ok(m) => m.mode() & 0o001 != 0,
        Err(_) => false,
    })
}

fn endpoint_for(root: &Path) -> Endpoint {
    let run = root.join("server/run");
    let socket_len = run.as_os_str().len() + ".s.PGSQL.5432".len() + 1;
    if socket_len <= MAX_SOCKET_PATH {
        return Endpoint::Socket(run);
    }
    // Long paths: a private loopback port derived from the folder, stable across restarts.
    let digest = Sha256::digest(root.to_string_lossy().as_bytes());
    Endpoint::Tcp(20000 + (u16::from_be_bytes([digest[0], digest[1]]) % 20000))
}

/// Create `dir` if needed and check it is writable; returns whether this call created it.
fn ensure_writable_dir(dir: &Path) -> Result<bool, DbError> {
    let existed = dir.exists();
    fs::create_dir_all(dir).map_err(|e| data_dir_error(dir, e))?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    let writable = fs::write(&probe, b"").and_then(|_| fs::remove_file(&probe));
    if let Err(e) = writable {
        if !existed {
            let _ = fs::remove_dir_all(dir);
        }
        return Err(data_dir_error(dir, e));
    }
    Ok(!existed)
}

fn lock(root: &Path) -> Result<Flock<fs::File>, DbError> {
    let path = root.join("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| data_dir_error(&path, e))?;
    Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| DbError::DataDir {
        path: path.display().to_string(),
        message: format!("could not lock: {e}"),
    })
}

fn read_secret(path: &Path) -> Result<String, DbError> {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| data_dir_error(path, e))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DbError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| data_dir_error(path, e))?;
    file.write_all(bytes).map_err(|e| data_dir_error(path, e))
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn data_dir_error(path: &Path, e: std::io::Error) -> DbError {
    DbError::DataDir {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    line.trim().to_string()
}

fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(2)..].join(" | ")
}
