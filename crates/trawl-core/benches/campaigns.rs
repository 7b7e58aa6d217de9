//! Campaign clustering at scale on synthetic targets in the embedded Postgres: full
//! re-clustering (streamed into the in-memory clusterer) at each size, one target added
//! incrementally (indexed lookups) into a database of the largest size, and the near-duplicate
//! screenshot query. Figures are printed beside a reference from the same run: the first size
//! for re-clustering, and the per-target cost of re-clustering for the incremental add.
//!
//! The synthetic set: most targets are singletons (own favicon, DOM, HTML, screenshot, assets),
//! addresses are heavy-tailed (a few shared-hosting IPs carry thousands of sites; the busiest
//! are marked generic, as an analyst would), JARM and header hashes come from small skewed
//! pools, a third of the targets load a common library file, three big kits hold 1% of the
//! targets each and small kits of about 25 hold another 5% (kits share favicon, DOM, near
//! HTML, near screenshots and an asset). Generation runs inside Postgres (`generate_series`
//! with `random()`); the URL trigram index is dropped in this scratch database (it only serves
//! search).
//!
//! Run: `cargo bench -p trawl-core --bench campaigns` (`TARGETS=100000,1000000` by default;
//! `ADDS=N` incremental adds per kind). `BENCH_DB=DIR` keeps the embedded database in `DIR` and
//! reuses what an earlier run generated there (its added copies are removed first);
//! `RECLUSTER=0` then skips re-clustering and times the incremental adds alone.

use std::time::Instant;

use sqlx::PgPool;
use trawl_core::db::{Database, DbConfig};
use trawl_core::link::{ClusterSettings, link_target, recluster, store};

/// One batch of synthetic targets `$1..=$2` (see the module doc).
const TARGETS: &str = "INSERT INTO targets (url, status, ip, jarm, headers_hash, favicon_sha256, \
    dom_hash, html_tlsh, screenshot_phash, risk_score, captured_at) \
    SELECT 'http://s' || g || '.bench.test/', 'DONE', \
      '10.' || (h >> 16 & 255) || '.' || (h >> 8 & 255) || '.' || (h & 255), \
      'jarm' || floor(power(random(), 3) * 400)::int, \
      'hhh:1:' || floor(power(random(), 2) * 2000)::int, \
      CASE WHEN kit IS NOT NULL THEN md5('fav' || kit) || md5('fav2' || kit) \
           WHEN random() < 0.7 THEN md5('fav' || g) || md5('favx' || g) END, \
      md5('dom' || coalesce(kit::text, 's' || g)), \
      CASE WHEN kit IS NOT NULL THEN 'T1' || upper(md5('tl' || kit) || md5('tm' || kit)) \
             || upper(substr(md5('tn' || kit), 1, 4)) || lpad(to_hex(g % 200), 2, '0') \
           ELSE 'T1' || upper(md5('tl' || g) || md5('tm' || g) || substr(md5('tn' || g), 1, 6)) \
      END, \
      lpad(to_hex(CASE WHEN kit IS NOT NULL \
           THEN ('x' || substr(md5('ph' || kit), 1, 16))::bit(64)::bigint \
             # (1::bigint << (g % 60)) \
           ELSE ('x' || substr(md5('ph' || g), 1, 16))::bit(64)::bigint END), 16, '0'), \
      floor(random() * 100)::int, now() - (g % 1000) * interval '1 minute' \
    FROM (SELECT g, floor(power(random(), 2) * 300000)::int AS h, \
          CASE WHEN g % 100 < 3 THEN g % 100 \
               WHEN g % 100 < 8 THEN 1000 + g / 500 END AS kit \
          FROM generate_series($1::int, $2::int) g) s";

/// Assets: the kit's own file, a common library for a third, a unique file for a fifth.
const ASSETS: &str = "INSERT INTO assets (target_id, url, type, sha256, status) \
    SELECT id, 'http://s' || id || '.bench.test/' || f.name, 'js', f.sha, '200' \
    FROM targets t CROSS JOIN LATERAL (VALUES \
      ('kit.js', CASE WHEN t.id % 100 < 8 THEN md5('asset' || t.favicon_sha256) END), \
      ('jquery-3.6.0.min.js', CASE WHEN t.id % 3 = 0 THEN md5('jquery') END), \
      ('app.js', CASE WHEN t.id % 5 = 1 THEN md5('own' || t.id) END)) f(name, sha) \
    WHERE f.sha IS NOT NULL AND t.id BETWEEN $1 AND $2";

/// A graph node for every target (as storing a target writes it).
const TARGET_NODES: &str = "INSERT INTO graph_nodes (kind, value) SELECT 'target', id::text \
    FROM targets ON CONFLICT DO NOTHING";

/// Graph rows for the kinds incremental clustering looks up, built in SQL (edge constraints
/// and indexes dropped during the bulk load and restored after, with their usual names).
const GRAPH: &[&str] = &[
    "ALTER TABLE graph_edges DROP CONSTRAINT graph_edges_from_node_to_node_kind_key, \
     DROP CONSTRAINT graph_edges_from_node_fkey, DROP CONSTRAINT graph_edges_to_node_fkey",
    "DROP INDEX graph_edges_to_node_idx",
    TARGET_NODES,
    "INSERT INTO graph_nodes (kind, value) SELECT DISTINCT k, v FROM targets, LATERAL (VALUES \
     ('ip', ip), ('jarm', jarm), ('headers_hash', headers_hash), \
     ('favicon_sha256', favicon_sha256), ('dom_hash', dom_hash), \
     ('screenshot_phash', screenshot_phash)) x(k, v) WHERE v IS NOT NULL",
    "INSERT INTO graph_nodes (kind, value) SELECT DISTINCT 'asset_sha256', sha256 FROM assets \
     ON CONFLICT DO NOTHING",
    "CREATE TABLE target_nodes AS SELECT id AS node, value::bigint AS target \
     FROM graph_nodes WHERE kind = 'target'",
    "INSERT INTO graph_edges (from_node, to_node, kind) SELECT tn.node, vn.id, x.k \
     FROM targets t JOIN target_nodes tn ON tn.target = t.id \
     CROSS JOIN LATERAL (VALUES ('ip', t.ip), ('jarm', t.jarm), \
     ('headers_hash', t.headers_hash), ('favicon_sha256', t.favicon_sha256), \
     ('dom_hash', t.dom_hash), ('screenshot_phash', t.screenshot_phash)) x(k, v) \
     JOIN graph_nodes vn ON vn.kind = x.k AND vn.value = x.v",
    "INSERT INTO graph_edges (from_node, to_node, kind) SELECT DISTINCT tn.node, vn.id, \
     'asset_sha256' FROM assets a JOIN target_nodes tn ON tn.target = a.target_id \
     JOIN graph_nodes vn ON vn.kind = 'asset_sha256' AND vn.value = a.sha256",
    "ALTER TABLE graph_edges ADD UNIQUE (from_node, to_node, kind), \
     ADD FOREIGN KEY (from_node) REFERENCES graph_nodes (id) ON DELETE CASCADE, \
     ADD FOREIGN KEY (to_node) REFERENCES graph_nodes (id) ON DELETE CASCADE",
    "CREATE INDEX graph_edges_to_node_idx ON graph_edges (to_node, kind)",
];

/// Peak resident memory of this process (KiB).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.expect(sql);
}

/// Fills the database up to `n` targets (from `from + 1`).
async fn generate(pool: &PgPool, from: i64, n: i64) {
    let mut start = from + 1;
    while start <= n {
        let end = (start + 99_999).min(n);
        for sql in [TARGETS, ASSETS] {
            sqlx::query(sql)
                .bind(start as i32)
                .bind(end as i32)
                .execute(pool)
                .await
                .expect(sql);
        }
        start = end + 1;
    }
    // The busiest shared-hosting addresses are generic, as an analyst would mark them.
    exec(
        pool,
        "INSERT INTO generic_values (kind, value, note) SELECT 'ip', ip, 'shared hosting' \
         FROM targets GROUP BY ip HAVING count(*) > 500 ON CONFLICT DO NOTHING",
    )
    .await;
    exec(pool, "ANALYZE").await;
}

/// Removes the copies an earlier run added (`BENCH_DB`), their graph nodes and the campaigns
/// left with fewer than two members.
async fn remove_copies(pool: &PgPool) {
    exec(
        pool,
        "DELETE FROM graph_nodes WHERE kind = 'target' AND value IN \
         (SELECT id::text FROM targets WHERE url NOT LIKE '%.bench.test/')",
    )
    .await;
    exec(
        pool,
        "DELETE FROM targets WHERE url NOT LIKE '%.bench.test/'",
    )
    .await;
    exec(
        pool,
        "DELETE FROM campaigns c WHERE (SELECT count(*) FROM campaign_members m \
         WHERE m.campaign_id = c.id) < 2",
    )
    .await;
}

/// Adds one target like `like` (a copy with a new URL) and times linking it, in ms.
async fn add_like(pool: &PgPool, like: i64, tag: &str) -> f64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO targets (url, status, ip, jarm, headers_hash, favicon_sha256, dom_hash, \
         html_tlsh, screenshot_phash, risk_score) SELECT url || $2, status, ip, jarm, \
         headers_hash, favicon_sha256, dom_hash, html_tlsh, screenshot_phash, risk_score \
         FROM targets WHERE id = $1 RETURNING id",
    )
    .bind(like)
    .bind(tag)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO assets (target_id, url, type, sha256, status) \
         SELECT $2, url, type, sha256, status FROM assets WHERE target_id = $1",
    )
    .bind(like)
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    let start = Instant::now();
    link_target(pool, &ClusterSettings::default(), id)
        .await
        .unwrap();
    start.elapsed().as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let sizes: Vec<i64> = std::env::var("TARGETS")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let adds: usize = std::env::var("ADDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let recluster_on = std::env::var("RECLUSTER").map_or(true, |v| v != "0");
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("BENCH_DB").map_or(scratch.path().to_path_buf(), Into::into);
    let mut cfg = DbConfig::from_env(dir);
    cfg.database_url = None;
    let db = Database::open(&cfg).await.expect("embedded database");
    let pool = db.pool();
    exec(pool, "DROP INDEX IF EXISTS targets_url_trgm_idx").await;
    remove_copies(pool).await;
    let mut have: i64 = sqlx::query_scalar("SELECT count(*) FROM targets")
        .fetch_one(pool)
        .await
        .unwrap();

    println!("campaign clustering benchmark: synthetic targets, embedded Postgres, 2 cores");
    println!(
        "{:>9} {:>9} {:>11} {:>10} {:>9} {:>12} {:>8}",
        "targets", "gen_s", "recluster_s", "campaigns", "largest", "peak_MiB", "vs first"
    );
    let mut reference: Option<f64> = None;
    let mut per_target_ms = 0.0;
    for &n in &sizes {
        let t = Instant::now();
        if have < n {
            generate(pool, have, n).await;
            have = n;
        }
        if !recluster_on {
            println!("{n:>9} (re-clustering skipped)");
            continue;
        }
        // Every stored target already has its graph node (written as it was stored), so
        // re-clustering has none to repair and the time below is clustering alone.
        exec(pool, TARGET_NODES).await;
        let gen_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let report = recluster(pool, &ClusterSettings::default()).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let largest: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM campaign_members \
             GROUP BY campaign_id) s",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let first = *reference.get_or_insert(secs);
        per_target_ms = secs * 1000.0 / n as f64;
        println!(
            "{n:>9} {gen_s:>9.1} {secs:>11.1} {:>10} {largest:>9} {:>12.0} {:>7.2}x",
            report.campaigns,
            peak_kib() as f64 / 1024.0,
            secs / first
        );
    }

    // Incremental adds into the largest database, through the indexed graph.
    let t = Instant::now();
    let built: bool = sqlx::query_scalar("SELECT to_regclass('target_nodes') IS NOT NULL")
        .fetch_one(pool)
        .await
        .unwrap();
    if !built {
        for sql in GRAPH {
            exec(pool, sql).await;
        }
    }
    // Settled as autovacuum leaves a database after bulk writes (re-clustering rewrites every
    // membership): statistics and visibility maps current.
    exec(pool, "VACUUM ANALYZE").await;
    println!(
        "\ngraph rows for incremental lookups built and the database vacuumed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    println!("(the first add of each kind may read every carrier of a value and record its");
    println!(" campaign; the later ones trust the record: mean and max are of the later ones)");
    println!(
        "{:<28} {:>9} {:>8} {:>8} {:>8} {:>16}",
        "add one target like", "first_ms", "mean_ms", "max_ms", "adds", "vs recluster/tgt"
    );
    let kinds: [(&str, &str); 3] = [
        ("a singleton", "id % 100 = 50"),
        ("a big-kit member", "id % 100 = 1"),
        ("a small-kit member", "id % 100 = 5"),
    ];
    for (label, filter) in kinds {
        let like: i64 = sqlx::query_scalar(&format!(
            "SELECT id FROM targets WHERE {filter} AND url LIKE '%.bench.test/' ORDER BY id \
             LIMIT 1 OFFSET 7"
        ))
        .fetch_one(pool)
        .await
        .unwrap();
        let first = add_like(pool, like, "copy0").await;
        let mut times = Vec::new();
        for i in 1..adds.max(2) {
            times.push(add_like(pool, like, &format!("copy{i}")).await);
        }
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let max = times.iter().cloned().fold(0.0, f64::max);
        let ratio = if per_target_ms > 0.0 {
            format!("{:.0}x", mean / per_target_ms)
        } else {
            "-".to_string()
        };
        let n = times.len();
        println!("{label:<28} {first:>9.1} {mean:>8.1} {max:>8.1} {n:>8} {ratio:>16}");
    }

    // Near-duplicate screenshot lookups (multi-index over 16-bit quarters).
    let sample: Vec<String> = sqlx::query_scalar(
        "SELECT screenshot_phash FROM targets WHERE id % 1000 IN (1, 50) ORDER BY id LIMIT 200",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let t = Instant::now();
    let mut found = 0;
    for p in &sample {
        found += store::phash_candidates(pool, p).await.unwrap().len();
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / sample.len().max(1) as f64;
    println!(
        "\nnear-duplicate screenshot query: {ms:.2} ms mean over {} hashes ({:.1} candidates \
         each)",
        sample.len(),
        found as f64 / sample.len().max(1) as f64
    );
    println!(
        "peak resident memory of this process: {:.0} MiB",
        peak_kib() as f64 / 1024.0
    );
    db.close().await;
}
