//! The queue across processes: several `trawl worker` processes on one database run every
//! job exactly once; a worker killed with SIGKILL loses nothing (its jobs finish elsewhere
//! after the lease expires); a job that always fails ends FAILED after its attempt limit.

#[path = "../../../tests/support/pgserver.rs"]
mod pgserver;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

const TRAWL: &str = env!("CARGO_BIN_EXE_trawl");

struct Setup {
    _server: pgserver::TestServer,
    _dir: tempfile::TempDir,
    url: String,
    data_dir: std::path::PathBuf,
    pool: PgPool,
}

async fn setup() -> Setup {
    let server = pgserver::TestServer::start();
    let url = server.fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_path_buf();
    let status = trawl(&data_dir, &url, &["db", "migrate"]).status().unwrap();
    assert!(status.success());
    let pool = PgPool::connect(&url).await.unwrap();
    Setup {
        _server: server,
        _dir: dir,
        url,
        data_dir,
        pool,
    }
}

fn trawl(data_dir: &std::path::Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(TRAWL);
    cmd.arg("-q")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(url)
        .args(args);
    cmd.env_remove("TRAWL_DATABASE_URL");
    cmd
}

fn spawn_worker(s: &Setup, extra: &[&str]) -> Child {
    let mut args = vec!["worker"];
    args.extend_from_slice(extra);
    trawl(&s.data_dir, &s.url, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn interrupt(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "worker did not drain cleanly: {status}");
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Wait until `sql` (a count) reaches `target`; panics with the queue state after `limit`.
async fn wait_for(pool: &PgPool, sql: &str, target: i64, limit: Duration) {
    let start = Instant::now();
    loop {
        if count(pool, sql).await >= target {
            return;
        }
        if start.elapsed() > limit {
            let states: Vec<(String, i64)> =
                sqlx::query_as("SELECT status, count(*) FROM jobs GROUP BY status")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            panic!("`{sql}` did not reach {target}; jobs: {states:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn four_worker_processes_run_each_job_exactly_once() {
    let s = setup().await;
    let add = [
        "jobs",
        "add",
        "diag.sleep",
        "--count",
        "2000",
        "--payload",
        r#"{"ms": 2}"#,
    ];
    assert!(trawl(&s.data_dir, &s.url, &add).status().unwrap().success());

    let mut workers: Vec<Child> = (0..4)
        .map(|_| spawn_worker(&s, &["--concurrency", "8", "--poll-secs", "0.5"]))
        .collect();
    wait_for(
        &s.pool,
        "SELECT count(*) FROM jobs WHERE status = 'DONE'",
        2000,
        Duration::from_secs(300),
    )
    .await;
    for w in &mut workers {
        interrupt(w);
    }

    assert_eq!(count(&s.pool, "SELECT count(*) FROM jobs").await, 2000);
    assert_eq!(
        count(&s.pool, "SELECT count(*) FROM jobs WHERE status <> 'DONE'").await,
        0
    );
    // Exactly one completion was recorded per job (completion and its log row are atomic).
    let done_rows = "SELECT count(*) FROM logs WHERE message LIKE 'job done:%'";
    assert_eq!(count(&s.pool, done_rows).await, 2000);
    let dup = "SELECT count(*) FROM (SELECT job_id FROM logs WHERE message LIKE 'job done:%' \
               GROUP BY job_id HAVING count(*) > 1) d";
    assert_eq!(count(&s.pool, dup).await, 0);
    // The work was shared: more than one process completed jobs.
    let owners = "SELECT count(DISTINCT result->>'pid') FROM jobs";
    assert!(
        count(&s.pool, owners).await > 1,
        "only one worker did all the work"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_of_a_killed_worker_finish_elsewhere() {
    let s = setup().await;
    let add = [
        "jobs",
        "add",
        "diag.sleep",
        "--count",
        "6",
        "--payload",
        r#"{"ms": 1500}"#,
    ];
    assert!(trawl(&s.data_dir, &s.url, &add).status().unwrap().success());

    // The victim takes all six jobs and holds them on a short lease.
    let mut victim = spawn_worker(
        &s,
        &[
            "--concurrency",
            "6",
            "--lease-secs",
            "2",
            "--poll-secs",
            "0.2",
        ],
    );
    wait_for(
        &s.pool,
        "SELECT count(*) FROM jobs WHERE status = 'RUNNING'",
        6,
        Duration::from_secs(60),
    )
    .await;
    let held: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, lease_owner FROM jobs WHERE status = 'RUNNING'")
            .fetch_all(&s.pool)
            .await
            .unwrap();
    victim.kill().unwrap();
    victim.wait().unwrap();
    let victim_owner = held[0].1.clone();
    assert!(held.iter().all(|(_, o)| *o == victim_owner));

    let mut rescuer = spawn_worker(&s, &["--concurrency", "6", "--poll-secs", "0.2"]);
    wait_for(
        &s.pool,
        "SELECT count(*) FROM jobs WHERE status = 'DONE'",
        6,
        Duration::from_secs(120),
    )
    .await;
    interrupt(&mut rescuer);

    for (id, _) in &held {
        let (status, owner, attempts): (String, String, i32) =
            sqlx::query_as("SELECT status, lease_owner, attempts FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_one(&s.pool)
                .await
                .unwrap();
        assert_eq!(status, "DONE");
        assert_ne!(
            owner, victim_owner,
            "job {id} completed by the killed worker"
        );
        assert_eq!(attempts, 2, "job {id}: one lost attempt, one that finished");
    }
    let done = "SELECT count(*) FROM logs WHERE message LIKE 'job done:%'";
    assert_eq!(
        count(&s.pool, done).await,
        6,
        "each job completed exactly once"
    );
    let expired = "SELECT count(*) FROM logs WHERE message LIKE '%lease expired%'";
    assert_eq!(count(&s.pool, expired).await, 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_that_always_fails_ends_failed_with_its_last_error() {
    let s = setup().await;
    let add = [
        "jobs",
        "add",
        "diag.sleep",
        "--max-attempts",
        "3",
        "--payload",
        r#"{"fail": true}"#,
    ];
    assert!(trawl(&s.data_dir, &s.url, &add).status().unwrap().success());
    let mut worker = spawn_worker(&s, &["--backoff-secs", "0.05", "--poll-secs", "0.1"]);
    wait_for(
        &s.pool,
        "SELECT count(*) FROM jobs WHERE status = 'FAILED'",
        1,
        Duration::from_secs(60),
    )
    .await;
    interrupt(&mut worker);

    let (attempts, error): (i32, String) = sqlx::query_as("SELECT attempts, last_error FROM jobs")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
    assert!(error.contains("attempt 3"), "{error}");
    let requeued = "SELECT count(*) FROM logs WHERE message LIKE 'job requeued:%'";
    assert_eq!(count(&s.pool, requeued).await, 2);

    // The CLI lists it with its error.
    let out = trawl(
        &s.data_dir,
        &s.url,
        &["jobs", "list", "--status", "failed", "--json"],
    )
    .output()
    .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let job: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(job["status"], "FAILED");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("asked to fail")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_dedupe_key_is_skipped_while_the_first_is_live() {
    let s = setup().await;
    let add = |key: &str| {
        let out = trawl(
            &s.data_dir,
            &s.url,
            &["jobs", "add", "diag.sleep", "--dedupe", key],
        )
        .output()
        .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(add("k1").starts_with("queued job"));
    assert!(
        add("k1").starts_with("skipped"),
        "second live job with the same key"
    );
    assert!(add("k2").starts_with("queued job"));
    assert_eq!(count(&s.pool, "SELECT count(*) FROM jobs").await, 2);
}
