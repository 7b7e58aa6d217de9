//! The engine functions behind the desktop app's Targets, Jobs and Logs views, on a real
//! Postgres: target filters, tags, exports, captured text and rescans (`targets`), pivots
//! (`pivots`), job cancel and retry (`queue::admin`) and the log reader (`logs_query`).

mod support;

use support::{open, pgserver, urls};

use sqlx::PgPool;
use trawl_core::logs_query::{self, LogQuery};
use trawl_core::queue::{Queue, admin};
use trawl_core::scan::{self, ScanSettings};
use trawl_core::targets::{self, ExportFormat, PageQuery, TextKind};

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// Four targets: ids[0] risky, tagged, matched, in campaign c-kit, sharing a favicon with
/// ids[1]; ids[2] old; ids[3] unscored.
async fn seed(pool: &PgPool) -> Vec<i64> {
    let list = [
        "https://a.example/1",
        "https://b.example/2",
        "https://c.other/3",
        "https://d.other/4",
    ];
    let ids = scan::submit(pool, &urls(&list), &ScanSettings::default(), "test")
        .await
        .unwrap()
        .target_ids;
    let set = |sql: String| async move { exec(pool, &sql).await };
    set(format!(
        "UPDATE targets SET status = 'DONE', risk_score = 90, ip = '203.0.113.7' WHERE id = {}",
        ids[0]
    ))
    .await;
    set(format!(
        "UPDATE targets SET status = 'DONE', risk_score = 40, ip = '203.0.113.70' WHERE id = {}",
        ids[1]
    ))
    .await;
    set(format!(
        "UPDATE targets SET risk_score = 10, ip = '198.51.100.1', \
         created_at = '2020-01-01T00:00:00Z' WHERE id = {}",
        ids[2]
    ))
    .await;
    set(format!(
        "WITH s AS (INSERT INTO signatures (name, pattern, target_field) \
         VALUES ('kit', 'x', 'html') RETURNING id) \
         INSERT INTO signature_matches (target_id, signature_id) SELECT {}, id FROM s",
        ids[0]
    ))
    .await;
    set(format!(
        "WITH c AS (INSERT INTO campaigns (key) VALUES ('c-kit') RETURNING id) \
         INSERT INTO campaign_members (campaign_id, target_id) SELECT id, {} FROM c",
        ids[0]
    ))
    .await;
    exec(
        pool,
        "INSERT INTO graph_nodes (kind, value) VALUES ('favicon_sha256', 'f00d'), \
         ('ip', '203.0.113.7')",
    )
    .await;
    for (id, kind, value) in [
        (ids[0], "favicon_sha256", "f00d"),
        (ids[1], "favicon_sha256", "f00d"),
        (ids[0], "ip", "203.0.113.7"),
    ] {
        sqlx::query(
            "WITH t AS (INSERT INTO graph_nodes (kind, value) VALUES ('target', $1::text) \
             ON CONFLICT (kind, value) DO UPDATE SET kind = 'target' RETURNING id) \
             INSERT INTO graph_edges (from_node, to_node, kind) \
             SELECT t.id, v.id, $2 FROM t, graph_nodes v WHERE v.kind = $2 AND v.value = $3",
        )
        .bind(id.to_string())
        .bind(kind)
        .bind(value)
        .execute(pool)
        .await
        .unwrap();
    }
    ids
}

async fn ids_of(pool: &PgPool, query: PageQuery) -> (Vec<i64>, i64) {
    let page = targets::page(
        pool,
        &PageQuery {
            limit: 100,
            ..query
        },
    )
    .await
    .unwrap();
    (page.rows.iter().map(|r| r.id).collect(), page.total)
}

#[tokio::test]
async fn target_filters_tags_pivots_and_exports() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let ids = seed(pool).await;
    let q = PageQuery::default;

    let risky = ids_of(
        pool,
        PageQuery {
            risk_min: Some(40),
            ..q()
        },
    )
    .await;
    assert_eq!(risky, (vec![ids[0], ids[1]], 2));
    let low = ids_of(
        pool,
        PageQuery {
            risk_max: Some(39),
            ..q()
        },
    )
    .await;
    assert_eq!(low.0, [ids[2]], "unscored targets are not below any bound");
    let prefix = ids_of(
        pool,
        PageQuery {
            ip: Some("203.0.113.7".into()),
            ..q()
        },
    )
    .await;
    assert_eq!(prefix.0, [ids[0], ids[1]]);
    let matched = ids_of(
        pool,
        PageQuery {
            has_matches: Some(true),
            ..q()
        },
    )
    .await;
    assert_eq!(matched.0, [ids[0]]);
    let unmatched = ids_of(
        pool,
        PageQuery {
            has_matches: Some(false),
            ..q()
        },
    )
    .await;
    assert_eq!(unmatched.1, 3);
    let campaign = ids_of(
        pool,
        PageQuery {
            campaign: Some("c-kit".into()),
            ..q()
        },
    )
    .await;
    assert_eq!(campaign.0, [ids[0]]);
    let cutoff = "2021-01-01T00:00:00Z".parse().ok();
    let old = ids_of(
        pool,
        PageQuery {
            until: cutoff,
            ..q()
        },
    )
    .await;
    assert_eq!(old.0, [ids[2]]);
    let recent = ids_of(
        pool,
        PageQuery {
            since: cutoff,
            ..q()
        },
    )
    .await;
    assert_eq!(recent.1, 3);
    let pivot = Some(("favicon_sha256".to_string(), "f00d".to_string()));
    let shared = ids_of(pool, PageQuery { pivot, ..q() }).await;
    assert_eq!(shared.0, [ids[0], ids[1]]);

    // The row carries what the table shows.
    let page = targets::page(pool, &PageQuery { limit: 1, ..q() })
        .await
        .unwrap();
    let row = &page.rows[0];
    assert_eq!((row.id, row.match_count), (ids[0], 1));
    assert_eq!(row.campaign.as_deref(), Some("c-kit"));

    // The detail names the campaign too, and null for a target outside any campaign.
    let member = targets::detail(pool, ids[0]).await.unwrap().unwrap();
    assert_eq!(member["campaign"], "c-kit");
    assert_eq!(member["id"], ids[0]);
    let loner = targets::detail(pool, ids[1]).await.unwrap().unwrap();
    assert_eq!(loner["campaign"], serde_json::Value::Null);

    // Tags: add twice changes once; the filter finds them; remove clears.
    let two = [ids[0], ids[2]];
    assert_eq!(
        targets::set_tag(pool, &two, "kit-a", false).await.unwrap(),
        2
    );
    assert_eq!(
        targets::set_tag(pool, &two, "kit-a", false).await.unwrap(),
        0
    );
    assert_eq!(
        targets::set_tag(pool, &[ids[0]], "b-first", false)
            .await
            .unwrap(),
        1
    );
    let tagged = ids_of(
        pool,
        PageQuery {
            tag: Some("kit-a".into()),
            ..q()
        },
    )
    .await;
    assert_eq!(tagged.0, two);
    let page = targets::page(pool, &PageQuery { limit: 1, ..q() })
        .await
        .unwrap();
    assert_eq!(
        targets::split_tags(page.rows[0].tags.as_deref()),
        ["b-first", "kit-a"]
    );
    assert_eq!(
        targets::set_tag(pool, &two, "kit-a", true).await.unwrap(),
        2
    );
    let tagged = ids_of(
        pool,
        PageQuery {
            tag: Some("kit-a".into()),
            ..q()
        },
    )
    .await;
    assert_eq!(tagged.1, 0);

    // Pivots: the shared favicon counts the other target; the lone IP counts none.
    let pivots = trawl_core::pivots::target_pivots(pool, ids[0])
        .await
        .unwrap();
    let counts: Vec<_> = pivots.iter().map(|p| (p.kind.as_str(), p.count)).collect();
    assert_eq!(counts, [("ip", 0), ("favicon_sha256", 1)]);
    assert_eq!(pivots[1].label, "favicon sha256");
    assert!(
        trawl_core::pivots::target_pivots(pool, ids[3])
            .await
            .unwrap()
            .is_empty()
    );

    // Exports: by filter (in table order) and by ids.
    let query = PageQuery {
        risk_min: Some(40),
        descending: true,
        ..q()
    };
    let matching = targets::matching_ids(pool, &query).await.unwrap();
    assert_eq!(matching, [ids[1], ids[0]]);
    let mut out = Vec::new();
    let n = targets::export_ids(pool, &matching, ExportFormat::Jsonl, &mut out)
        .await
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(n, 2);
    assert_eq!(lines[0]["id"], ids[1]);
    let mut csv = Vec::new();
    let n = targets::export_ids(pool, &[ids[3], -5], ExportFormat::Csv, &mut csv)
        .await
        .unwrap();
    assert_eq!(n, 1, "unknown ids are left out");
    assert!(
        String::from_utf8(csv)
            .unwrap()
            .contains("https://d.other/4")
    );

    db.close().await;
}

#[tokio::test]
async fn captured_text_and_rescans() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let ids = seed(pool).await;
    let blobs = dir.path().join("blobs");
    std::fs::create_dir_all(blobs.join("ab")).unwrap();
    let body = blobs.join("ab/body");
    std::fs::write(&body, b"<title>from blob</title>\xff").unwrap();
    let outside = dir.path().join("outside.html");
    std::fs::write(&outside, "secret").unwrap();
    let big = "<p>".repeat(targets::MAX_TEXT_BYTES);
    sqlx::query(
        "UPDATE targets SET capture = jsonb_build_object('html_text', $2::text, \
         'rendered_dom', '<body>after</body>') WHERE id = $1",
    )
    .bind(ids[0])
    .bind(&big)
    .execute(pool)
    .await
    .unwrap();
    let set_path = |id: i64, path: String| async move {
        sqlx::query("UPDATE targets SET html_path = $2 WHERE id = $1")
            .bind(id)
            .bind(path)
            .execute(pool)
            .await
            .unwrap();
    };
    set_path(ids[1], body.display().to_string()).await;
    set_path(ids[2], outside.display().to_string()).await;

    let html = targets::captured_text(pool, &blobs, ids[0], TextKind::Html)
        .await
        .unwrap()
        .unwrap();
    assert!(html.truncated);
    assert_eq!(html.bytes, big.len() as u64);
    assert_eq!(html.text.len(), targets::MAX_TEXT_BYTES);
    let dom = targets::captured_text(pool, &blobs, ids[0], TextKind::Dom)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (dom.text.as_str(), dom.truncated),
        ("<body>after</body>", false)
    );
    let from_blob = targets::captured_text(pool, &blobs, ids[1], TextKind::Html)
        .await
        .unwrap();
    assert_eq!(from_blob.unwrap().text, "<title>from blob</title>\u{fffd}");
    let refused = targets::captured_text(pool, &blobs, ids[2], TextKind::Html).await;
    assert!(
        refused.is_err(),
        "a body path outside the blob store is not read"
    );
    let none = targets::captured_text(pool, &blobs, ids[3], TextKind::Dom)
        .await
        .unwrap();
    assert_eq!(none.unwrap().bytes, 0);
    assert!(
        targets::captured_text(pool, &blobs, -1, TextKind::Html)
            .await
            .unwrap()
            .is_none()
    );

    let settings = ScanSettings::default();
    let again = targets::rescan(pool, &[ids[1], ids[0], ids[1], -3], &settings)
        .await
        .unwrap();
    let again = again.unwrap();
    assert_eq!(again.target_ids.len(), 2);
    let urls: Vec<String> =
        sqlx::query_scalar("SELECT url FROM targets WHERE scan_id = $1 ORDER BY id")
            .bind(again.scan_id)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(urls, ["https://a.example/1", "https://b.example/2"]);
    assert!(
        targets::rescan(pool, &[-3], &settings)
            .await
            .unwrap()
            .is_none()
    );

    db.close().await;
}

#[tokio::test]
async fn jobs_cancel_retry_and_logs_page_backwards() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let submitted = scan::submit(
        pool,
        &urls(&["https://a.example/", "https://b.example/"]),
        &ScanSettings::default(),
        "t",
    )
    .await
    .unwrap();
    let job_of = |target: i64| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM jobs WHERE (payload->>'target_id')::bigint = $1",
        )
        .bind(target)
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let (first, second) = (
        job_of(submitted.target_ids[0]).await,
        job_of(submitted.target_ids[1]).await,
    );

    let page = admin::page(pool, Some("QUEUED"), Some("capture"), 0, 1)
        .await
        .unwrap();
    assert_eq!((page.total, page.rows.len()), (2, 1));
    assert_eq!(page.rows[0].id, second, "newest first");

    assert!(admin::cancel(pool, first).await.unwrap());
    assert!(
        !admin::cancel(pool, first).await.unwrap(),
        "only a queued job cancels"
    );
    let target: String = sqlx::query_scalar("SELECT status FROM targets WHERE id = $1")
        .bind(submitted.target_ids[0])
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(target, "SKIPPED");

    exec(
        pool,
        &format!("UPDATE jobs SET status = 'FAILED', attempts = 3 WHERE id = {second}"),
    )
    .await;
    assert!(admin::retry(pool, second).await.unwrap());
    let job = Queue::new(pool.clone()).get(second).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("QUEUED", 0));
    assert!(
        !admin::retry(pool, second).await.unwrap(),
        "only a failed job retries"
    );

    // A failed job whose dedupe key another live job holds stays failed.
    exec(
        pool,
        "INSERT INTO jobs (type, status, dedupe_key) VALUES ('diag.sleep', 'FAILED', 'k'), \
         ('diag.sleep', 'QUEUED', 'k')",
    )
    .await;
    let blocked: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE status = 'FAILED'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(!admin::retry(pool, blocked).await.unwrap());

    // Logs: the queue wrote lifecycle rows; add some of every level about a target.
    exec(pool, "DELETE FROM logs").await;
    for (level, message, target) in [
        ("DEBUG", "detail", None),
        ("INFO", "scan queued", None),
        ("WARN", "Capture timed out", Some(7_i64)),
        ("ERROR", "database gone", None),
        ("WARN", "capture refused", Some(8)),
    ] {
        sqlx::query("INSERT INTO logs (level, message, source, target_id) VALUES ($1, $2, 'trawl::scan', $3)")
            .bind(level)
            .bind(message)
            .bind(target)
            .execute(pool)
            .await
            .unwrap();
    }
    let query = |q: LogQuery| async move { logs_query::list(pool, &q).await.unwrap() };
    let warn = query(LogQuery {
        min_level: Some("warn".into()),
        limit: 2,
        ..LogQuery::default()
    })
    .await;
    let messages: Vec<_> = warn.rows.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(messages, ["capture refused", "database gone"]);
    assert!(warn.has_more);
    let older = query(LogQuery {
        min_level: Some("warn".into()),
        before_id: Some(warn.rows[1].id),
        limit: 2,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(older.rows.len(), 1);
    assert_eq!(
        (older.rows[0].level.as_str(), older.has_more),
        ("warn", false)
    );
    let text = query(LogQuery {
        text: Some("CAPTURE".into()),
        limit: 10,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(text.rows.len(), 2);
    let about = query(LogQuery {
        target_id: Some(7),
        limit: 10,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(about.rows[0].message, "Capture timed out");
    let loud = LogQuery {
        min_level: Some("loud".into()),
        ..LogQuery::default()
    };
    assert!(logs_query::list(pool, &loud).await.is_err());

    db.close().await;
}
