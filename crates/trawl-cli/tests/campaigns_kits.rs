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

    // Full re-clustering agrees.
    recluster(pool, &settings).await.unwrap();
    let full = campaigns(pool, None).await.unwrap();
    assert_eq!(membership(&full), membership(&after));
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
