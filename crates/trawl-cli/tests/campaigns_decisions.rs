//! The analyst's campaign decisions (split, merge, pin, generic values) through the `trawl`
//! CLI and the engine: they apply at once, survive full re-clustering and hold when new
//! targets arrive. Also: full re-clustering in memory gives the campaigns and evidence of
//! incremental clustering, graph paths and neighbourhoods name the values that connect
//! targets, and campaign summaries page and sort.

mod scan_support;

use std::collections::BTreeSet;

use serde_json::Value;
use sqlx::PgPool;
use trawl_core::link::export::{campaigns, render_text};
use trawl_core::link::views::{SummaryQuery, SummarySort, campaign_graph, campaign_summaries};
use trawl_core::link::{ClusterSettings, link_target, recluster};

use scan_support::{Env, insert_done_target};

/// Inserts a DONE target with the given `targets` columns and links it.
async fn target(pool: &PgPool, url: &str, fields: &[(&str, &str)]) -> i64 {
    let id = insert_done_target(pool, url, fields).await;
    link_target(pool, &ClusterSettings::default(), id)
        .await
        .unwrap();
    id
}

/// Campaigns as (key, sorted member ids), read through `trawl campaigns list --json`.
async fn listed(env: &Env) -> BTreeSet<(String, Vec<i64>)> {
    let json: Value =
        serde_json::from_str(&env.ok(&["campaigns", "list", "--json"]).await).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut ids: Vec<i64> = c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["target_id"].as_i64().unwrap())
                .collect();
            ids.sort_unstable();
            (c["key"].as_str().unwrap().to_string(), ids)
        })
        .collect()
}

fn key_of(found: &BTreeSet<(String, Vec<i64>)>, member: i64) -> Option<String> {
    found
        .iter()
        .find(|(_, ids)| ids.contains(&member))
        .map(|(k, _)| k.clone())
}

async fn fails(env: &Env, args: &[&str]) -> String {
    let done = env.run(args).await;
    assert!(!done.success, "{args:?} should fail: {}", done.stdout);
    done.stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn splits_and_merges_persist_across_reclustering() {
    let env = Env::new().await;
    let pool = &env.pool;
    let icon = "f".repeat(64);
    let favicon = [("favicon_sha256", icon.as_str())];
    let k: Vec<i64> = vec![
        target(pool, "http://k1.test/", &favicon).await,
        target(pool, "http://k2.test/", &favicon).await,
        target(pool, "http://k3.test/", &favicon).await,
        target(pool, "http://k4.test/", &favicon).await,
    ];
    let unrelated = "e".repeat(64);
    let other = [("favicon_sha256", unrelated.as_str())];
    let x1 = target(pool, "http://x1.test/", &other).await;
    let x2 = target(pool, "http://x2.test/", &other).await;
    let before = listed(&env).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let kit = key_of(&before, k[0]).unwrap();

    // Errors name the problem and change nothing.
    let err = fails(&env, &["campaigns", "split", "c-nope", &k[0].to_string()]).await;
    assert!(err.contains("no campaign \"c-nope\""), "{err}");
    let err = fails(&env, &["campaigns", "split", &kit, &x1.to_string()]).await;
    assert!(
        err.contains(&format!("target {x1} is not a member")),
        "{err}"
    );
    let ids: Vec<String> = k.iter().map(i64::to_string).collect();
    let mut all = vec!["campaigns", "split", kit.as_str()];
    all.extend(ids.iter().map(String::as_str));
    assert!(
        fails(&env, &all)
            .await
            .contains("at least one member behind")
    );
    let err = fails(&env, &["campaigns", "merge", &kit, &kit]).await;
    assert!(err.contains("with itself"), "{err}");
    assert!(
        fails(&env, &["campaigns", "merge", &kit, "c-nope"])
            .await
            .contains("c-nope")
    );
    assert!(
        fails(&env, &["campaigns", "pin", "999999"])
            .await
            .contains("no target 999999")
    );
    assert_eq!(listed(&env).await, before);

    // Split k3 and k4 off: they form a new campaign, the kit keeps its key.
    env.ok(&["campaigns", "split", &kit, &ids[2], &ids[3]])
        .await;
    let split = listed(&env).await;
    let moved = key_of(&split, k[2]).unwrap();
    assert_ne!(moved, kit);
    assert!(
        split.contains(&(kit.clone(), vec![k[0], k[1]])),
        "{split:?}"
    );
    assert!(
        split.contains(&(moved.clone(), vec![k[2], k[3]])),
        "{split:?}"
    );

    // Full re-clustering keeps the split and both keys.
    env.ok(&["campaigns", "recluster"]).await;
    assert_eq!(listed(&env).await, split);

    // A new copy of the kit joins the older part only.
    let k5 = target(pool, "http://k5.test/", &favicon).await;
    let grown = listed(&env).await;
    assert!(
        grown.contains(&(kit.clone(), vec![k[0], k[1], k5])),
        "{grown:?}"
    );
    assert!(
        grown.contains(&(moved.clone(), vec![k[2], k[3]])),
        "{grown:?}"
    );

    // Separate one member: it leaves, and stays out after re-clustering.
    env.ok(&["campaigns", "split", &kit, &ids[1]]).await;
    env.ok(&["campaigns", "recluster"]).await;
    let separated = listed(&env).await;
    assert_eq!(key_of(&separated, k[1]), None, "{separated:?}");
    assert!(
        separated.contains(&(kit.clone(), vec![k[0], k5])),
        "{separated:?}"
    );

    // Merge the kit with the unrelated pair: one campaign under the older key, for good.
    let xs = key_of(&separated, x1).unwrap();
    let out = env.ok(&["campaigns", "merge", &xs, &kit]).await;
    assert!(out.contains(&kit), "{out}");
    let merged = listed(&env).await;
    assert!(
        merged.contains(&(kit.clone(), vec![k[0], x1, x2, k5])),
        "{merged:?}"
    );
    let show: Value =
        serde_json::from_str(&env.ok(&["campaigns", "show", &kit, "--json"]).await).unwrap();
    let kinds: Vec<&str> = show["members"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"decision"), "{show}");
    env.ok(&["campaigns", "recluster"]).await;
    assert_eq!(listed(&env).await, merged);
    recluster(pool, &ClusterSettings::loose()).await.unwrap();
    assert_eq!(listed(&env).await, merged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_a_value_generic_reclusters_and_pins_hold() {
    let env = Env::new().await;
    let pool = &env.pool;
    let asset = "a".repeat(64);
    let a1 = target(pool, "http://a1.test/", &[("favicon_sha256", &asset)]).await;
    let a2 = target(pool, "http://a2.test/", &[("favicon_sha256", &asset)]).await;
    let b = "b".repeat(64);
    let b1 = target(pool, "http://b1.test/", &[("favicon_sha256", &b)]).await;
    let b2 = target(pool, "http://b2.test/", &[("favicon_sha256", &b)]).await;
    let before = listed(&env).await;
    assert_eq!(before.len(), 2);
    env.ok(&["campaigns", "pin", &b2.to_string()]).await;

    // Generic at once: a1 and a2 part; b's campaign stays (b2 is pinned, b1 still links).
    env.ok(&["campaigns", "generic", "favicon_sha256", &asset])
        .await;
    let after = listed(&env).await;
    assert_eq!(key_of(&after, a1), None, "{after:?}");
    assert_eq!(key_of(&after, a2), None);
    assert_eq!(key_of(&after, b1), key_of(&before, b1));

    // The pinned member stays even when its own link is marked generic.
    env.ok(&["campaigns", "generic", "favicon_sha256", &b])
        .await;
    let pinned = listed(&env).await;
    assert_eq!(key_of(&pinned, b2), key_of(&before, b2), "{pinned:?}");
    assert!(
        env.ok(&["campaigns", "list"])
            .await
            .contains("1 of 1 campaigns")
    );
}

/// A varied set: strong values, weak pairs, near screenshots, near HTML, an IP alone.
async fn varied(pool: &PgPool) -> Vec<i64> {
    let jarm = "2ad2ad16d2ad2ad00042d42d00042ddb04deffa1705e2edc44cae1ed24a4da";
    let tlsh_a = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708192";
    let tlsh_b = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708193";
    let mut ids = Vec::new();
    for (url, fields) in [
        ("http://a1.test/", vec![("favicon_sha256", "a".repeat(64))]),
        ("http://a2.test/", vec![("favicon_sha256", "a".repeat(64))]),
        (
            "http://w1.test/",
            vec![
                ("ip", "192.0.2.7".into()),
                ("jarm", jarm.into()),
                ("screenshot_phash", "c3c3c3c3c3c3c3c3".into()),
            ],
        ),
        (
            "http://w2.test/",
            vec![("ip", "192.0.2.7".into()), ("jarm", jarm.into())],
        ),
        (
            "http://w3.test/",
            vec![
                ("ip", "192.0.2.7".into()),
                ("screenshot_phash", "c3c3c3c3c3c3c3c2".into()),
            ],
        ),
        ("http://ip1.test/", vec![("ip", "192.0.2.8".into())]),
        ("http://ip2.test/", vec![("ip", "192.0.2.8".into())]),
        (
            "http://h1.test/",
            vec![("dom_hash", "d1".into()), ("html_tlsh", tlsh_a.into())],
        ),
        (
            "http://h2.test/",
            vec![("dom_hash", "d1".into()), ("html_tlsh", tlsh_b.into())],
        ),
        (
            "http://h3.test/",
            vec![("dom_hash", "d2".into()), ("html_tlsh", tlsh_a.into())],
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(c, v)| (*c, v.as_str())).collect();
        ids.push(target(pool, url, &fields).await);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_reclustering_equals_incremental_and_graph_queries_explain_links() {
    let env = Env::new().await;
    let pool = &env.pool;
    let ids = varied(pool).await;
    let incremental = render_text(&campaigns(pool, None).await.unwrap(), true);
    assert!(incremental.contains("http://h1.test/"), "{incremental}");
    assert!(!incremental.contains("http://h3.test/"), "{incremental}");
    let keys = listed(&env).await;
    let report = recluster(pool, &ClusterSettings::default()).await.unwrap();
    assert_eq!((report.targets, report.campaigns), (10, 3));
    assert_eq!(report.kept_keys, 3);
    let full = render_text(&campaigns(pool, None).await.unwrap(), true);
    assert_eq!(full, incremental);
    assert_eq!(listed(&env).await, keys);

    // How w2 and w3 connect: through the shared IP.
    let path: Value = serde_json::from_str(
        &env.ok(&[
            "graph",
            "path",
            &ids[3].to_string(),
            &ids[4].to_string(),
            "--json",
        ])
        .await,
    )
    .unwrap();
    let values: Vec<&str> = path["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] != "target")
        .map(|n| n["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["192.0.2.7"], "{path}");
    let none = env
        .ok(&["graph", "path", &ids[0].to_string(), &ids[5].to_string()])
        .await;
    assert!(none.contains("not connected"), "{none}");

    // Neighbours of w1 at depth 1 are its values; at depth 2 the targets sharing them.
    let near = |depth: &'static str| {
        let env = &env;
        let id = ids[2].to_string();
        async move {
            let args = ["graph", "neighbours", &id, "--depth", depth, "--json"];
            let v: Value = serde_json::from_str(&env.ok(&args).await).unwrap();
            v["nodes"].as_array().unwrap().len()
        }
    };
    let (one, two) = (near("1").await, near("2").await);
    assert!(
        one >= 4 && two > one,
        "depth 1: {one} nodes, depth 2: {two}"
    );
    assert!(
        fails(&env, &["graph", "neighbours", "999999"])
            .await
            .contains("no target")
    );

    // Summaries: sorted by size, paged; the campaign graph is capped.
    let query = SummaryQuery {
        sort: SummarySort::Size,
        limit: 1,
        offset: 0,
        top_values: 2,
    };
    let page = campaign_summaries(pool, &query, None).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.campaigns[0].size, 3);
    assert_eq!(page.campaigns[0].top_values[0].kind, "ip");
    let rest = SummaryQuery {
        offset: 1,
        limit: 5,
        ..query
    };
    let rest = campaign_summaries(pool, &rest, None).await.unwrap();
    assert_eq!(
        rest.campaigns.iter().map(|c| c.size).collect::<Vec<_>>(),
        [2, 2]
    );
    let key = &page.campaigns[0].key;
    let capped = campaign_graph(pool, key, 2, 4).await.unwrap();
    assert_eq!(capped.nodes.len(), 4);
    assert!(capped.truncated);
    let whole = campaign_graph(pool, key, 1, 100).await.unwrap();
    assert!(!whole.truncated && whole.nodes.len() > 4, "{whole:?}");
}
