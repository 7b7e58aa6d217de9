//! The engine functions behind the desktop app's analysis views, on a real Postgres: graph
//! slices with kind, campaign and cap filters, one node's targets, rule lists, alerts and
//! their acknowledgement (`analysis_views`).

mod support;

use support::{open, pgserver};

use sqlx::PgPool;
use trawl_core::analysis_views::{self as views, GraphQuery, RuleFamily};
use trawl_core::rules::editor_store;
use trawl_core::scan::{self, ScanSettings};

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// Node id of (kind, value), made if missing.
async fn node(pool: &PgPool, kind: &str, value: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO graph_nodes (kind, value) VALUES ($1, $2) \
         ON CONFLICT (kind, value) DO UPDATE SET kind = EXCLUDED.kind RETURNING id",
    )
    .bind(kind)
    .bind(value)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn edge(pool: &PgPool, from: i64, to: i64, kind: &str) {
    sqlx::query("INSERT INTO graph_edges (from_node, to_node, kind) VALUES ($1, $2, $3)")
        .bind(from)
        .bind(to)
        .bind(kind)
        .execute(pool)
        .await
        .unwrap();
}

/// Three DONE targets: the first two share a favicon, all three an IP; the first is in
/// campaign c-a. Returns (target ids, favicon node, ip node).
async fn seed(pool: &PgPool) -> (Vec<i64>, i64, i64) {
    let urls = support::urls(&[
        "https://a.example/",
        "https://b.example/",
        "https://c.example/",
    ]);
    let ids = scan::submit(pool, &urls, &ScanSettings::default(), "t")
        .await
        .unwrap()
        .target_ids;
    exec(pool, "UPDATE targets SET status = 'DONE'").await;
    exec(
        pool,
        &format!(
            "WITH c AS (INSERT INTO campaigns (key) VALUES ('c-a') RETURNING id) \
             INSERT INTO campaign_members (campaign_id, target_id) SELECT id, {} FROM c",
            ids[0]
        ),
    )
    .await;
    let favicon = node(pool, "favicon_sha256", "f00d").await;
    let ip = node(pool, "ip", "192.0.2.1").await;
    for (i, id) in ids.iter().enumerate() {
        let t = node(pool, "target", &id.to_string()).await;
        edge(pool, t, ip, "ip").await;
        if i < 2 {
            edge(pool, t, favicon, "favicon_sha256").await;
        }
    }
    (ids, favicon, ip)
}

#[tokio::test]
async fn graph_slices_nodes_rules_and_alerts() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let (ids, favicon, ip) = seed(pool).await;

    let everything = GraphQuery {
        node_cap: 100,
        ..GraphQuery::default()
    };
    let all = views::graph_slice(pool, &everything).await.unwrap();
    assert_eq!(
        (all.nodes.len(), all.edges.len(), all.total_nodes),
        (5, 5, 5)
    );
    assert!(!all.truncated);
    let ip_node = all.nodes.iter().find(|n| n.id == ip).unwrap();
    assert_eq!((ip_node.degree, ip_node.generic), (3, false));
    let first = all.nodes.iter().find(|n| n.kind == "target").unwrap();
    assert_eq!(first.label, "https://a.example/");
    assert_eq!(first.campaign.as_deref(), Some("c-a"));

    // Kinds filter: only favicon edges; the third target stays as a lone node.
    let favicons = GraphQuery {
        kinds: Some(vec!["favicon_sha256".into()]),
        node_cap: 100,
        ..GraphQuery::default()
    };
    let slice = views::graph_slice(pool, &favicons).await.unwrap();
    assert_eq!((slice.nodes.len(), slice.edges.len()), (4, 2));

    // The cap keeps whole targets, oldest first, and says it cut.
    let capped = GraphQuery {
        node_cap: 3,
        ..GraphQuery::default()
    };
    let slice = views::graph_slice(pool, &capped).await.unwrap();
    assert!(slice.truncated);
    assert_eq!((slice.nodes.len(), slice.total_nodes), (3, 5));

    let campaign = GraphQuery {
        campaign: Some("c-a".into()),
        node_cap: 100,
        ..GraphQuery::default()
    };
    let slice = views::graph_slice(pool, &campaign).await.unwrap();
    assert_eq!(slice.nodes.len(), 3, "one target and its two values");

    // One node's targets; a generic mark shows on the node.
    let node = views::node_targets(pool, favicon).await.unwrap().unwrap();
    assert_eq!(node.target_ids, [ids[0], ids[1]]);
    assert!(views::node_targets(pool, -1).await.unwrap().is_none());
    trawl_core::link::mark_generic(pool, "ip", "192.0.2.1", None)
        .await
        .unwrap();
    let described = views::describe_nodes(pool, &[ip]).await.unwrap();
    assert!(described[0].generic);
    assert!(
        views::unmark_generic(pool, "ip", "192.0.2.1")
            .await
            .unwrap()
    );
    assert!(!views::describe_nodes(pool, &[ip]).await.unwrap()[0].generic);

    // Rules with their match counts.
    exec(
        pool,
        "INSERT INTO signatures (name, pattern, target_field) VALUES ('kit', 'x', 'html')",
    )
    .await;
    exec(
        pool,
        &format!(
            "INSERT INTO signature_matches (target_id, signature_id) \
             SELECT {}, id FROM signatures",
            ids[1]
        ),
    )
    .await;
    let rules = editor_store::list(pool, RuleFamily::Signature)
        .await
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!((rules[0].name.as_str(), rules[0].match_count), ("kit", 1));
    assert!(
        editor_store::list(pool, RuleFamily::Alert)
            .await
            .unwrap()
            .is_empty()
    );

    // Alerts: list by state, acknowledge once.
    for id in [ids[0], ids[2]] {
        exec(
            pool,
            &format!("INSERT INTO alerts (target_id, kind, message) VALUES ({id}, 'kit', 'm')"),
        )
        .await;
    }
    let open_alerts = views::list_alerts(pool, Some(false), 0, 10).await.unwrap();
    assert_eq!(open_alerts.total, 2);
    let first_alert = open_alerts.rows.last().unwrap();
    assert_eq!(first_alert.url, "https://a.example/");
    assert_eq!(views::ack_alerts(pool, &[first_alert.id]).await.unwrap(), 1);
    assert_eq!(views::ack_alerts(pool, &[first_alert.id]).await.unwrap(), 0);
    let acked = views::list_alerts(pool, Some(true), 0, 10).await.unwrap();
    assert_eq!(acked.total, 1);
    assert!(acked.rows[0].acknowledged_at.is_some());
    assert_eq!(
        views::list_alerts(pool, None, 0, 10).await.unwrap().total,
        2
    );

    db.close().await;
}
