//! Campaigns on real phishing pages: the corpus served by the lab (one origin per sample, the
//! hosts plan's shared IPs), its entry pages scanned in fast mode, campaigns compared with
//! `groups.json` by pairwise precision and recall. Plus a snapshot of the cluster graph of a
//! small synthetic set of targets (ids and times stripped). The corpus test is skipped, with a
//! printed line, when the corpus is absent.

mod scan_support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use trawl_core::link::export::{campaigns, render_text};
use trawl_core::link::{ClusterSettings, link_target, mark_generic, pin, recluster};

use scan_support::corpus::scan_corpus;
use scan_support::{Env, corpus, insert_done_target as target};

/// The Yahoo logo shared by 22 and 54 (`groups.json` relations).
const YAHOO_LOGO: &str = "19b644434cfa9f5d12e1e90a3c2d062aacf27da9ecbe8393df77383ab3c00208";

type Pairs = BTreeSet<(String, String)>;

fn pairs_of(groups: &[Vec<String>]) -> Pairs {
    let mut out = Pairs::new();
    for g in groups {
        for a in g {
            for b in g {
                if a < b {
                    out.insert((a.clone(), b.clone()));
                }
            }
        }
    }
    out
}

/// Campaigns as lists of sample ids, read through `trawl campaigns list --json`.
async fn campaign_samples(env: &Env, sample_of: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let listed: Value = serde_json::from_str(&env.ok(&["campaigns", "list", "--json"]).await)
        .expect("campaigns list --json prints JSON");
    let mut out = Vec::new();
    for c in listed.as_array().unwrap() {
        let mut members = Vec::new();
        for m in c["members"].as_array().unwrap() {
            assert!(m["target_id"].is_i64(), "member without a target id: {m}");
            assert!(
                !m["evidence"].as_array().unwrap().is_empty(),
                "member without evidence"
            );
            members.push(sample_of[m["url"].as_str().unwrap()].clone());
        }
        members.sort();
        out.push(members);
    }
    out
}

fn precision_recall(found: &Pairs, truth: &Pairs) -> (f64, f64) {
    let hit = found.intersection(truth).count() as f64;
    let p = if found.is_empty() {
        1.0
    } else {
        hit / found.len() as f64
    };
    let r = if truth.is_empty() {
        1.0
    } else {
        hit / truth.len() as f64
    };
    (p, r)
}

/// G1–G4 form (G4 as 30 with 31 at the default setting, with 32 only when loosened), the cross-kit
/// Yahoo logo is an edge and not a merge, and every other sample stays alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_campaigns_match_the_ground_truth() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    let served = scan_corpus(&env, &dir, |s| {
        s.urls.iter().filter(|u| u.2).map(|u| u.1.clone()).collect()
    })
    .await;
    let sample_of: BTreeMap<String, String> = served
        .urls
        .iter()
        .map(|(i, url, _)| (url.clone(), served.samples[*i].id.clone()))
        .collect();

    let groups: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("groups.json")).unwrap()).unwrap();
    let mut truth: Vec<Vec<String>> = Vec::new();
    for (name, g) in groups["groups"].as_object().unwrap() {
        let mut members: Vec<String> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        // 32 is a variant: only a looser setting groups it (checked below).
        if name.starts_with("G4") {
            members.retain(|m| !m.starts_with("32-"));
        }
        truth.push(members);
    }
    let found = campaign_samples(&env, &sample_of).await;
    println!("{}", env.ok(&["campaigns", "list"]).await);
    let (p, r) = precision_recall(&pairs_of(&found), &pairs_of(&truth));
    println!("pairwise precision {p:.3} recall {r:.3} (default settings)");

    // The Yahoo logo: an edge to both samples, never one campaign by itself.
    let pivot = env.ok(&["pivot", "asset_sha256", YAHOO_LOGO]).await;
    let via_logo: BTreeSet<&str> = pivot
        .lines()
        .filter_map(|l| l.split('\t').nth(1))
        .map(|u| sample_of[u].as_str())
        .collect();
    assert_eq!(
        via_logo,
        BTreeSet::from(["22-pk-one-y3", "54-zp-yahoo"]),
        "{pivot}"
    );
    let together = found.iter().any(|c| c.iter().any(|m| m.starts_with("54-")));
    assert!(!together, "54 joined a campaign: {found:?}");
    assert_eq!((p, r), (1.0, 1.0), "campaigns {found:?} against {truth:?}");

    // Loosened page similarity brings 32 into G4.
    env.ok(&["campaigns", "recluster", "--loose"]).await;
    let loose = campaign_samples(&env, &sample_of).await;
    println!("campaigns (loose): {loose:?}");
    let g4 = loose
        .iter()
        .find(|c| c.iter().any(|m| m.starts_with("30-")))
        .unwrap();
    assert!(
        g4.iter().any(|m| m.starts_with("32-")),
        "32 not in G4 when loosened: {loose:?}"
    );

    // Back to the default, the same campaigns as when they were built incrementally.
    env.ok(&["campaigns", "recluster"]).await;
    assert_eq!(campaign_samples(&env, &sample_of).await, found);
}

/// The brand icon that three unrelated kits carry (in the shipped generic list).
const KIT_ICON: &str = "90cdaf487716184e4034000935c605d1633926d348116d198f355a98b8c6cd21";

const SNAPSHOT: &str = "\
campaign (2 members)
  http://a1.test/
    shares favicon sha256 aaaaaaaaaaaaaaaa… with 1 member: http://a2.test/
  http://a2.test/
    shares favicon sha256 aaaaaaaaaaaaaaaa… with 1 member: http://a1.test/

campaign (3 members)
  http://w1.test/
    shares IP address 192.0.2.7 with 2 members: http://w2.test/, http://w3.test/
    shares JARM 2ad2ad16d2ad2ad0… with 1 member: http://w2.test/
    shares near-duplicate screenshot (pHash) distance 1 with 1 member: http://w3.test/
  http://w2.test/
    shares IP address 192.0.2.7 with 1 member: http://w1.test/
    shares JARM 2ad2ad16d2ad2ad0… with 1 member: http://w1.test/
  http://w3.test/
    shares IP address 192.0.2.7 with 1 member: http://w1.test/
    shares near-duplicate screenshot (pHash) distance 1 with 1 member: http://w1.test/
";

/// Strong values link alone, weak ones in pairs, generic ones never; the analyst's generic
/// mark and pin survive re-clustering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_graph_snapshot() {
    let env = Env::new().await;
    let pool = &env.pool;
    let jarm = "2ad2ad16d2ad2ad00042d42d00042ddb04deffa1705e2edc44cae1ed24a4da";
    let ids = vec![
        target(
            pool,
            "http://a1.test/",
            &[("favicon_sha256", &"a".repeat(64))],
        )
        .await,
        target(
            pool,
            "http://a2.test/",
            &[("favicon_sha256", &"a".repeat(64))],
        )
        .await,
        // The kit icon of three unrelated kits: an edge, never a campaign.
        target(
            pool,
            "http://k1.test/",
            &[
                ("favicon_sha256", KIT_ICON),
                ("favicon_hash", "-2057558656"),
            ],
        )
        .await,
        target(
            pool,
            "http://k2.test/",
            &[
                ("favicon_sha256", KIT_ICON),
                ("favicon_hash", "-2057558656"),
            ],
        )
        .await,
        // Weak: IP + JARM link, IP + near screenshot link, IP alone does not.
        target(
            pool,
            "http://w1.test/",
            &[
                ("ip", "192.0.2.7"),
                ("jarm", jarm),
                ("screenshot_phash", "c3c3c3c3c3c3c3c3"),
            ],
        )
        .await,
        target(
            pool,
            "http://w2.test/",
            &[("ip", "192.0.2.7"), ("jarm", jarm)],
        )
        .await,
        target(
            pool,
            "http://w3.test/",
            &[
                ("ip", "192.0.2.7"),
                ("screenshot_phash", "c3c3c3c3c3c3c3c2"),
            ],
        )
        .await,
        target(pool, "http://ip-only.test/", &[("ip", "192.0.2.8")]).await,
        target(pool, "http://ip-only2.test/", &[("ip", "192.0.2.8")]).await,
    ];
    let settings = ClusterSettings::default();
    for id in &ids {
        link_target(pool, &settings, *id).await.unwrap();
    }
    let text = render_text(&campaigns(pool, None).await.unwrap(), true);
    assert_eq!(text, SNAPSHOT, "got:\n{text}");

    let pivot = env
        .ok(&["pivot", "--", "favicon_hash", "-2057558656"])
        .await;
    assert_eq!(
        pivot.lines().count(),
        2,
        "the kit icon is an edge of both: {pivot}"
    );

    // The analyst marks the JARM generic and pins w2: after re-clustering w2 stays (pinned),
    // the campaign keeps its key, and the JARM evidence is gone.
    let before = campaigns(pool, None).await.unwrap();
    mark_generic(pool, "jarm", jarm, Some("test"))
        .await
        .unwrap();
    let w2 = ids[5];
    assert!(pin(pool, w2, true).await.unwrap(), "w2 is a member");
    recluster(pool, &settings).await.unwrap();
    let after = campaigns(pool, None).await.unwrap();
    let keys = |cs: &[trawl_core::link::export::Campaign]| {
        cs.iter().map(|c| c.key.clone()).collect::<BTreeSet<_>>()
    };
    assert_eq!(keys(&after), keys(&before));
    let text = render_text(&after, true);
    assert!(!text.contains("JARM"), "{text}");
    assert!(text.contains("http://w2.test/ [pinned]"), "{text}");
}
