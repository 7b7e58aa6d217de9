//! Incremental linking past the point where a value's sharers are read one by one: a copy of a
//! kit with more sharers than linking reads in full still joins every campaign and every loose
//! target sharing its value, keeps the oldest key and counts every sharer in its evidence; a
//! near screenshot shared too widely to read still pairs with another weak value. Full
//! re-clustering gives the same campaigns.

mod scan_support;

use std::collections::BTreeSet;

use sqlx::PgPool;
use trawl_core::link::export::{Campaign, campaigns};
use trawl_core::link::{ClusterSettings, link_target, recluster};

use scan_support::{Env, insert_done_target};

/// Inserts a DONE target with the given `targets` columns and kit asset, and links it.
async fn target(
    pool: &PgPool,
    settings: &ClusterSettings,
    url: &str,
    fields: &[(&str, &str)],
    asset: Option<&str>,
) -> i64 {
    let id = insert_done_target(pool, url, fields).await;
    if let Some(sha) = asset {
        sqlx::query(
            "INSERT INTO assets (target_id, url, type, sha256, status) \
             VALUES ($1, $2 || 'kit.js', 'js', $3, '200')",
        )
        .bind(id)
        .bind(url)
        .bind(sha)
        .execute(pool)
        .await
        .unwrap();
    }
    link_target(pool, settings, id).await.unwrap();
    id
}

/// Campaigns as (key, sorted member ids).
fn membership(found: &[Campaign]) -> BTreeSet<(String, Vec<i64>)> {
    found
        .iter()
        .map(|c| {
            let ids = c.members.iter().map(|m| m.target_id).collect();
            (c.key.clone(), ids)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_big_kit_joins_every_campaign_and_loose_target_sharing_its_value() {
    let env = Env::new().await;
    let pool = &env.pool;
    let settings = ClusterSettings::default();
    let icon = "f".repeat(64);
    let favicon = [("favicon_sha256", icon.as_str())];

    // While the favicon is generic, two kits form through their own assets and ten sites stay
    // alone: 70 sharers of the favicon, more than linking reads one by one.
    sqlx::query("INSERT INTO generic_values (kind, value) VALUES ('favicon_sha256', $1)")
        .bind(&icon)
        .execute(pool)
        .await
        .unwrap();
    let (kit_a, kit_b) = ("a".repeat(64), "b".repeat(64));
    let mut sharers = Vec::new();
    for (prefix, n, asset) in [
        ("a", 30, Some(kit_a.as_str())),
        ("b", 30, Some(kit_b.as_str())),
        ("loose", 10, None),
    ] {
        for i in 0..n {
            let url = format!("http://{prefix}{i}.test/");
            sharers.push(target(pool, &settings, &url, &favicon, asset).await);
        }
    }
    let before = campaigns(pool, None).await.unwrap();
    let sizes: Vec<usize> = before.iter().map(|c| c.members.len()).collect();
    assert_eq!(sizes, [30, 30], "{:?}", membership(&before));
    let oldest = before
        .iter()
        .find(|c| c.members[0].target_id == sharers[0])
        .unwrap()
        .key
        .clone();

    // The favicon links again: a new copy joins both kits and the ten loose sites.
    sqlx::query("DELETE FROM generic_values WHERE kind = 'favicon_sha256'")
        .execute(pool)
        .await
        .unwrap();
    let copy = target(pool, &settings, "http://copy.test/", &favicon, None).await;
    let after = campaigns(pool, None).await.unwrap();
    assert_eq!(after.len(), 1, "{:?}", membership(&after));
    assert_eq!(after[0].key, oldest, "the oldest campaign's key survives");
    let mut everyone = sharers.clone();
    everyone.push(copy);
    let members: Vec<i64> = after[0].members.iter().map(|m| m.target_id).collect();
    assert_eq!(members, everyone);

    // The copy's evidence counts all 70, naming a bounded few; a bounded number of the others
    // hear of it (the loose ones always do: it is their only evidence).
    let of = |id: i64| after[0].members.iter().find(|m| m.target_id == id).unwrap();
    let shared = of(copy)
        .evidence
        .iter()
        .find(|e| e.kind == "favicon_sha256")
        .unwrap();
    assert_eq!(shared.count(), 70, "{shared:?}");
    assert!(shared.with.len() <= 16, "{shared:?}");
    assert!(shared.describe().ends_with("with 70 members"));
    let told = after[0]
        .members
        .iter()
        .filter(|m| m.evidence.iter().any(|e| e.with.contains(&copy)))
        .count();
    assert!((10..=26).contains(&told), "{told} members name the copy");
    for loose in &sharers[60..] {
        assert!(!of(*loose).evidence.is_empty(), "loose site {loose}");
    }

    // Full re-clustering agrees, and records the favicon's campaign.
    recluster(pool, &settings).await.unwrap();
    let full = campaigns(pool, None).await.unwrap();
    assert_eq!(membership(&full), membership(&after));
    assert_eq!(recorded(pool).await, [("favicon_sha256".to_string(), 71)]);

    // Once a copy has joined, a record vouches for the favicon's 71 carriers: the next copy
    // joins without reading them all, and its evidence still counts every one.
    let copy = target(pool, &settings, "http://copy2.test/", &favicon, None).await;
    assert_eq!(recorded(pool).await, [("favicon_sha256".to_string(), 72)]);
    let joined = campaigns(pool, None).await.unwrap();
    assert_eq!(joined.len(), 1);
    assert_eq!(joined[0].key, oldest);
    let evidence = &joined[0].members.last().unwrap().evidence;
    assert_eq!(evidence[0].count(), 71, "{evidence:?}");

    // A split moves members, so records are forgotten; the next copy reads the carriers again
    // and joins the campaign that keeps the key, not the split-off one.
    let moved: Vec<String> = sharers[30..60].iter().map(|id| id.to_string()).collect();
    let mut args = vec!["campaigns", "split", oldest.as_str()];
    args.extend(moved.iter().map(String::as_str));
    env.ok(&args).await;
    assert!(recorded(pool).await.is_empty());
    let copy3 = target(pool, &settings, "http://copy3.test/", &favicon, None).await;
    let split = campaigns(pool, None).await.unwrap();
    let holding = |id: i64| {
        split
            .iter()
            .find(|c| c.members.iter().any(|m| m.target_id == id))
    };
    assert_eq!(holding(copy3).unwrap().key, oldest);
    assert_ne!(holding(sharers[30]).unwrap().key, oldest);
    assert_eq!(holding(copy).unwrap().key, oldest);
}

/// Recorded values as (kind, carriers).
async fn recorded(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT n.kind, r.carriers FROM value_campaigns r JOIN graph_nodes n ON n.id = r.node_id \
         ORDER BY n.kind",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_of_a_widely_shared_layout_join_through_near_html() {
    let env = Env::new().await;
    let pool = &env.pool;
    let settings = ClusterSettings::default();
    let near = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708192";
    let other = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708193";
    let kit = [("dom_hash", "layout"), ("html_tlsh", near)];
    let mut pages = Vec::new();
    for i in 0..70 {
        pages.push(target(pool, &settings, &format!("http://p{i}.test/"), &kit, None).await);
    }
    // Past 64 pages, the layout's carriers were read once and then recorded.
    assert_eq!(recorded(pool).await, [("dom_hash".to_string(), 70)]);
    let fields = [("dom_hash", "layout"), ("html_tlsh", other)];
    let copy = target(pool, &settings, "http://copy.test/", &fields, None).await;
    assert_eq!(recorded(pool).await, [("dom_hash".to_string(), 71)]);

    let found = campaigns(pool, None).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].members.len(), 71);
    let evidence = &found[0].members.last().unwrap().evidence;
    assert_eq!(found[0].members.last().unwrap().target_id, copy);
    let tlsh = evidence.iter().find(|e| e.kind == "html_tlsh").unwrap();
    assert_eq!(tlsh.count(), 70, "{evidence:?}");
    assert!(tlsh.value.starts_with("distance "), "{tlsh:?}");

    sqlx::query("DELETE FROM value_campaigns")
        .execute(pool)
        .await
        .unwrap();
    recluster(pool, &settings).await.unwrap();
    assert_eq!(
        membership(&campaigns(pool, None).await.unwrap()),
        membership(&found)
    );
    assert_eq!(recorded(pool).await, [("dom_hash".to_string(), 71)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widely_shared_near_screenshot_still_pairs_with_another_weak_value() {
    let env = Env::new().await;
    let pool = &env.pool;
    // A low fan-out bound, so that eight near screenshots are too many to read one by one.
    let settings = ClusterSettings {
        weak_fanout_max: 5,
        ..ClusterSettings::default()
    };
    let base: u64 = 0x1234_5678_9abc_def0;
    let jarm = "2ad2ad16d2ad2ad00042d42d00042ddb04deffa1705e2edc44cae1ed24a4da";
    let mut near = Vec::new();
    for i in 0..8u32 {
        let phash = format!("{:016x}", base ^ (1 << i));
        let ip = format!("192.0.2.{}", 10 + i);
        let mut fields = vec![("screenshot_phash", phash.as_str()), ("ip", ip.as_str())];
        if i < 2 {
            fields.push(("jarm", jarm));
        }
        let url = format!("http://near{i}.test/");
        near.push(target(pool, &settings, &url, &fields, None).await);
    }
    let phash = format!("{base:016x}");
    let fields = [("screenshot_phash", phash.as_str()), ("jarm", jarm)];
    let copy = target(pool, &settings, "http://copy.test/", &fields, None).await;

    // Only the two with the same JARM pair with the near screenshot.
    let found = membership(&campaigns(pool, None).await.unwrap());
    let groups: Vec<&Vec<i64>> = found.iter().map(|(_, ids)| ids).collect();
    assert_eq!(groups, [&vec![near[0], near[1], copy]], "{found:?}");

    recluster(pool, &settings).await.unwrap();
    assert_eq!(membership(&campaigns(pool, None).await.unwrap()), found);
}
