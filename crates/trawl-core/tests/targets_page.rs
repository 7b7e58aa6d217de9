//! Queries the desktop app's target table and scan controls use, on a real Postgres:
//! `targets::page` sorts, filters, counts and pages in SQL; `scan::cancel` skips only the
//! queued part of one scan.

mod support;

use support::{open, pgserver, urls};

use sqlx::PgPool;
use trawl_core::scan::{self, ScanSettings};
use trawl_core::targets::{self, PageQuery, SortColumn};

async fn statuses(pool: &PgPool, scan_id: i64) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT status, reason FROM targets WHERE scan_id = $1 ORDER BY id")
        .bind(scan_id)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn page_sorts_filters_counts_and_pages_in_sql() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let list = [
        "https://b.example/1",
        "https://a.example/2",
        "https://c.other/3",
        "https://a.example/4",
    ];
    scan::submit(pool, &urls(&list), &ScanSettings::default(), "test")
        .await
        .unwrap();
    sqlx::query("UPDATE targets SET status = 'DONE' WHERE url LIKE '%/2' OR url LIKE '%/3'")
        .execute(pool)
        .await
        .unwrap();

    let query = PageQuery {
        limit: 2,
        sort: SortColumn::Domain,
        ..PageQuery::default()
    };
    let first = targets::page(pool, &query).await.unwrap();
    let second = targets::page(
        pool,
        &PageQuery {
            offset: 2,
            ..query.clone()
        },
    )
    .await
    .unwrap();
    let urls_of = |p: &targets::Page| p.rows.iter().map(|r| r.url.clone()).collect::<Vec<_>>();
    assert_eq!(first.total, 4);
    assert_eq!(
        urls_of(&first),
        ["https://a.example/2", "https://a.example/4"]
    );
    assert_eq!(
        urls_of(&second),
        ["https://b.example/1", "https://c.other/3"]
    );

    let done_in_example = PageQuery {
        limit: 10,
        descending: true,
        status: Some("DONE".into()),
        domain: Some("EXAMPLE".into()),
        ..PageQuery::default()
    };
    let filtered = targets::page(pool, &done_in_example).await.unwrap();
    assert_eq!(filtered.total, 1);
    assert_eq!(urls_of(&filtered), ["https://a.example/2"]);

    db.close().await;
}

#[tokio::test]
async fn cancel_skips_only_queued_targets_of_that_scan() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let settings = ScanSettings::default();
    let mine = scan::submit(
        pool,
        &urls(&["https://a.example/", "https://b.example/"]),
        &settings,
        "t",
    )
    .await
    .unwrap();
    let other = scan::submit(pool, &urls(&["https://c.example/"]), &settings, "t")
        .await
        .unwrap();
    // A worker has claimed the first target's job.
    sqlx::query("UPDATE jobs SET status = 'RUNNING' WHERE (payload->>'target_id')::bigint = $1")
        .bind(mine.target_ids[0])
        .execute(pool)
        .await
        .unwrap();

    let skipped = scan::cancel(pool, mine.scan_id).await.unwrap();

    assert_eq!(skipped, 1);
    let cancelled = Some(scan::CANCELLED.to_string());
    assert_eq!(
        statuses(pool, mine.scan_id).await,
        [
            ("QUEUED".to_string(), None),
            ("SKIPPED".to_string(), cancelled)
        ]
    );
    assert_eq!(
        statuses(pool, other.scan_id).await,
        [("QUEUED".to_string(), None)]
    );
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status = 'QUEUED'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the other scan's job stays queued");
    let progress = scan::progress(pool, mine.scan_id).await.unwrap();
    assert_eq!((progress.skipped, progress.queued), (1, 1));

    db.close().await;
}
