//! What a scan leaves in the store, read through the CLI: `targets export` as JSON lines (the
//! schema's column names, assets and indicators nested) and as CSV, `targets show` with the
//! chain, one `urlscan_local` row per capture, and capture jobs that can run twice (a worker
//! died after storing) without changing a row. Uses the sample sites of `tests/sites`, so it
//! needs no corpus.

mod scan_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::PgPool;
use trawl_core::lab::LabServer;
use trawl_core::targets::CSV_COLUMNS;

use scan_support::{Env, copy_tree, csv_records, interrupt, repo_root, start_lab, text};

/// Columns every exported object carries, named as in the schema.
const TARGET_COLUMNS: &[&str] = &[
    "id",
    "url",
    "final_url",
    "status",
    "reason",
    "risk_score",
    "domain",
    "ip",
    "title",
    "http_status",
    "favicon_hash",
    "favicon_md5",
    "favicon_sha256",
    "favicon_url",
    "dom_hash",
    "headers_hash",
    "html_sha256",
    "html_tlsh",
    "redirect_chain",
    "jarm",
    "tls_sha256",
    "tags",
    "created_at",
    "updated_at",
    "captured_at",
];

/// Serves a copy of `tests/sites` on OS-chosen ports (its redirector edited to name the kit's
/// served port) and scans `urls.txt` on those ports. Returns the lab and the URLs as stored.
async fn scan_sample_sites(env: &Env) -> (LabServer, Vec<String>) {
    let sites = env.scratch().join("sites");
    copy_tree(&repo_root().join("tests/sites"), &sites);
    let lab = start_lab(&sites, Some(&sites.join("hosts-plan.tsv")), false).await;
    let port = |host: &str| {
        lab.sites()
            .iter()
            .find(|s| s.hostname == host)
            .unwrap()
            .port
    };

    // The redirector's meta refresh names the planned port of the kit.
    let redirector = sites.join("redirector/index.html");
    let kit = "northbank-secure.test";
    let page = std::fs::read_to_string(&redirector).unwrap();
    let page = page.replace(&format!("{kit}:8080"), &format!("{kit}:{}", port(kit)));
    std::fs::write(&redirector, page).unwrap();

    // The list keeps its defanged line, with every planned port replaced by the served one.
    let text = std::fs::read_to_string(sites.join("urls.txt")).unwrap();
    let (mut list, mut stored) = (Vec::new(), Vec::new());
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let plain = line.replace("[.]", ".").replace("hxxp://", "http://");
        let site = lab
            .sites()
            .iter()
            .find(|s| plain.contains(&format!("//{}:", s.hostname)));
        let served = format!(":{}/", site.expect("a served host").port);
        list.push(line.replace(":8080/", &served));
        stored.push(plain.replace(":8080/", &served));
    }

    let map: Vec<String> = lab.resolver_map().lines().map(String::from).collect();
    let resolve = env.write("resolve.txt", &map);
    let list = env.write("urls.txt", &list);
    let args = [
        "scan",
        "--mode",
        "fast",
        "--resolve-file",
        resolve.to_str().unwrap(),
        list.to_str().unwrap(),
    ];
    let scan = env.run(&args).await;
    assert!(
        scan.success,
        "scan failed:\n{}\n{}",
        scan.stdout, scan.stderr
    );
    (lab, stored)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_show_and_urlscan_rows_describe_every_capture() {
    let env = Env::new().await;
    let (lab, urls) = scan_sample_sites(&env).await;
    lab.shutdown().await;

    // JSON lines: one object per target, schema column names, rows nested, no raw record.
    let targets = env.export_jsonl().await;
    let exported: BTreeSet<&str> = targets.iter().map(|t| text(t, "url")).collect();
    assert_eq!(
        exported,
        urls.iter().map(String::as_str).collect(),
        "one object per target"
    );
    for t in &targets {
        let missing: Vec<_> = TARGET_COLUMNS
            .iter()
            .filter(|c| t.get(**c).is_none())
            .collect();
        assert!(missing.is_empty(), "columns {missing:?} missing from {t}");
        assert!(
            t.get("capture").is_none(),
            "the raw capture record is exported"
        );
        assert_eq!(t["status"], "DONE", "{t}");
        assert!(t["matches"].is_array(), "{t}");
    }
    let kit: Vec<&Value> = targets
        .iter()
        .filter(|t| text(t, "title").starts_with("NorthBank"))
        .collect();
    assert_eq!(
        kit.len(),
        4,
        "three kit hosts and the redirector's final page"
    );
    for t in &kit {
        assert_eq!(
            t["favicon_hash"], kit[0]["favicon_hash"],
            "one kit, one icon"
        );
        assert!(!text(t, "favicon_hash").is_empty(), "{t}");
        let assets = t["assets"].as_array().unwrap();
        let kinds: BTreeSet<&str> = assets.iter().map(|a| text(a, "type")).collect();
        assert_eq!(kinds, ["css", "image", "js"].into(), "{assets:?}");
        for a in assets {
            assert_eq!(
                (
                    text(a, "status"),
                    text(a, "md5").len(),
                    text(a, "sha256").len()
                ),
                ("200", 32, 64),
                "{a}"
            );
        }
        let indicators = t["indicators"].as_array().unwrap();
        let found = |kind: &str, value: &str| {
            indicators
                .iter()
                .any(|i| i["kind"] == kind && i["value"] == value)
        };
        assert!(
            found("email", "recovery@northbank-help.test"),
            "{indicators:?}"
        );
        assert!(found("phone", "+442079460958"), "{indicators:?}");
    }

    // CSV: the header, then one record per target with the same values.
    let csv = env.ok(&["targets", "export", "--format", "csv"]).await;
    let records = csv_records(&csv);
    assert_eq!(records[0], CSV_COLUMNS, "CSV header");
    assert_eq!(records.len(), targets.len() + 1, "{csv}");
    let column = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    for record in &records[1..] {
        assert_eq!(record.len(), CSV_COLUMNS.len(), "{record:?}");
        let id: i64 = record[column("id")].parse().unwrap();
        let t = targets
            .iter()
            .find(|t| t["id"] == id)
            .expect("CSV id is a target");
        for name in ["url", "status", "title", "favicon_hash", "dom_hash"] {
            assert_eq!(record[column(name)], text(t, name), "{name} of target {id}");
        }
    }

    // `targets show`: the redirector's chain, hop by hop, then its assets.
    let redirector = targets
        .iter()
        .find(|t| text(t, "url").contains("go.shortlink.test"))
        .unwrap();
    let shown = env
        .ok(&["targets", "show", &redirector["id"].to_string()])
        .await;
    let hop = |needle: &str| shown.lines().position(|l| l.contains(needle));
    let first = hop("[initial] 200 http://go.shortlink.test:");
    let second = hop("[meta_refresh] 200 http://northbank-secure.test:");
    assert!(shown.contains("redirect chain"), "{shown}");
    assert!(
        first.is_some() && second > first,
        "chain not shown in order:\n{shown}"
    );
    let assets = redirector["assets"].as_array().unwrap().len();
    assert!(shown.contains(&format!("assets ({assets})")), "{shown}");

    // urlscan_local: one row per capture, made by that target's capture job.
    let rows: Vec<(i64, Option<i64>, String)> =
        sqlx::query_as("SELECT target_id, job_id, url FROM urlscan_local ORDER BY target_id")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), targets.len(), "{rows:?}");
    for (target_id, job_id, url) in &rows {
        let t = targets
            .iter()
            .find(|t| t["id"] == *target_id)
            .expect("row of a target");
        assert_eq!(url, text(t, "final_url"));
        let job: i64 = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE type = 'capture' AND (payload->>'target_id')::bigint = $1",
        )
        .bind(target_id)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        assert_eq!(
            *job_id,
            Some(job),
            "urlscan_local row of target {target_id}"
        );
    }
}

/// Re-running capture jobs (their worker "died" after storing, so a `trawl worker` takes them
/// up again when the lease runs out) leaves the same targets, assets, indicators and
/// `urlscan_local` rows. Also the regression test for `trawl worker` ignoring capture jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_job_run_twice_leaves_the_same_rows() {
    let env = Env::new().await;
    let (lab, urls) = scan_sample_sites(&env).await;
    let before = snapshot(&env.pool).await;

    let crashed = "UPDATE jobs SET status = 'RUNNING', lease_owner = 'crashed-worker', \
                   lease_until = now() - interval '1 second', finished_at = NULL \
                   WHERE type = 'capture' AND status = 'DONE'";
    let n = sqlx::query(crashed)
        .execute(&env.pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n as usize, urls.len());
    let worker = env.spawn(&["worker", "--poll-secs", "0.2"]);
    let rerun = "SELECT count(*) FROM jobs WHERE type = 'capture' AND status = 'DONE' \
                 AND attempts = 2 AND lease_owner <> 'crashed-worker'";
    wait_for(&env.pool, rerun, n as i64).await;
    interrupt(worker).await;
    lab.shutdown().await;

    let after = snapshot(&env.pool).await;
    for ((table, rows_before), (_, rows_after)) in before.iter().zip(&after) {
        assert_eq!(
            rows_before, rows_after,
            "{table} changed when its jobs ran again"
        );
    }
    assert_eq!(
        after[3].1.len(),
        urls.len(),
        "one urlscan_local row per target"
    );
}

/// What [`snapshot`] reads: each table a capture writes, without ids and timestamps (and
/// without `headers_text`, whose `Date` header changes).
const SNAPSHOT: [(&str, &str); 4] = [
    (
        "targets",
        "SELECT id, status, reason, final_url, domain, ip, title, http_status, redirect_chain, \
         headers_hash, dom_hash, html_sha256, favicon_hash, favicon_md5, favicon_url \
         FROM targets",
    ),
    (
        "assets",
        "SELECT target_id, url, type, md5, sha256, status, size, error FROM assets",
    ),
    (
        "indicators",
        "SELECT target_id, kind, value, detail, placeholder, context FROM indicators",
    ),
    (
        "urlscan_local",
        "SELECT target_id, job_id, url, domain, ip, title, status, redirect_chain, dom_hash, \
         headers_hash, favicon_hash FROM urlscan_local",
    ),
];

/// The rows a capture writes ([`SNAPSHOT`]), each as JSON text, sorted.
async fn snapshot(pool: &PgPool) -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    for (table, sql) in SNAPSHOT {
        let sql = format!("SELECT to_jsonb(x)::text FROM ({sql}) x ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap();
        assert!(!rows.is_empty(), "no {table} rows");
        out.push((table, rows));
    }
    out
}

/// Waits until the count `sql` reaches `target`; panics with the jobs' states after a minute.
async fn wait_for(pool: &PgPool, sql: &str, target: i64) {
    let start = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
        if n >= target {
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let jobs: Vec<(String, String, i32, Option<String>)> =
                sqlx::query_as("SELECT type, status, attempts, last_error FROM jobs")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            panic!("`{sql}` stayed at {n} (< {target}); jobs: {jobs:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
