//! Matching on real phishing pages: the corpus's IOK rules imported with `trawl rules
//! import-iok`, the corpus scanned in fast mode through the lab, and the signature matches of
//! the entry pages compared with `signatures/iok-expected-matches.json`. Then a rule added
//! after the scan is found by a retro-hunt, and alerts are not repeated by a second hunt.
//!
//! Skipped (with a printed line) when the corpus is absent: `TRAWL_CORPUS`, else
//! `../shared/corpus` beside the workspace.

mod scan_support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use scan_support::corpus::{Served, scan_corpus};
use scan_support::{Env, corpus};

/// (sample id, rule name) pairs of signature matches on a sample's pages: the entry page and
/// the extra pages of `urls-local-extra.txt` (sample 32's recaptcha script is an asset of its
/// step-2 page `login2.html`, not of its entry page).
fn entry_matches(served: &Served, targets: &[Value]) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for row in served.rows(targets) {
        for m in row.target["matches"].as_array().into_iter().flatten() {
            if m["kind"] == "signature" {
                let name = m["name"].as_str().unwrap_or_default().to_string();
                found.insert((row.sample.id.clone(), name));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iok_matches_on_the_corpus_equal_the_expected_ones_and_retro_hunts_find_new_rules() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    let iok = dir.join("signatures/iok");
    let import = env
        .run(&["rules", "import-iok", iok.to_str().unwrap()])
        .await;
    assert!(import.success, "import failed: {}", import.stderr);
    assert!(
        import.stdout.contains("imported 24 IOK rules, 0 skipped"),
        "{}",
        import.stdout
    );

    let served = scan_corpus(&env, &dir, Served::url_list).await;
    let targets = env.export_jsonl().await;
    let found = entry_matches(&served, &targets);

    // The expectations: rule file → samples.
    let text = std::fs::read_to_string(dir.join("signatures/iok-expected-matches.json")).unwrap();
    let expected_json: Value = serde_json::from_str(&text).unwrap();
    let mut expected = BTreeSet::new();
    for (file, samples) in expected_json["matches"].as_object().unwrap() {
        let rule = file.trim_end_matches(".yml").to_string();
        for sample in samples.as_array().unwrap() {
            expected.insert((sample.as_str().unwrap().to_string(), rule.clone()));
        }
    }
    let mut table = BTreeMap::new();
    for pair in found.union(&expected) {
        let mark = match (found.contains(pair), expected.contains(pair)) {
            (true, true) => "ok",
            (true, false) => "UNEXPECTED",
            _ => "MISSING",
        };
        table.insert(pair.clone(), mark);
    }
    let report: Vec<String> = table
        .iter()
        .map(|((sample, rule), mark)| format!("{mark:<10} {rule:<28} {sample}"))
        .collect();
    println!("IOK matches per sample:\n{}", report.join("\n"));
    assert_eq!(
        found,
        expected,
        "IOK matches differ:\n{}",
        report.join("\n")
    );

    // Risk scores and factors per entry sample (ids and times stripped).
    for row in served.rows(&targets).into_iter().filter(|r| r.entry) {
        let factors: Vec<&str> = row.target["risk_factors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["name"].as_str())
            .collect();
        println!(
            "risk {:>3} {:<36} {}",
            row.target["risk_score"],
            row.sample.id,
            factors.join(",")
        );
    }

    // A rule added after the scan: nothing until the retro-hunt, then the HTTrack pages.
    let add = [
        "rules",
        "add",
        "--name",
        "httrack-any",
        "--field",
        "html",
        "--pattern",
    ];
    let mut args = add.to_vec();
    args.push(r"HTTrack Website Copier/3\.x");
    let added = env.run(&args).await;
    assert!(added.success, "{}", added.stderr);
    let before = entry_matches(&served, &env.export_jsonl().await);
    assert!(!before.iter().any(|(_, r)| r == "httrack-any"));

    let alert = [
        "rules",
        "add",
        "--alert",
        "--name",
        "recaptcha",
        "--field",
        "html",
    ];
    let mut args = alert.to_vec();
    args.extend(["--pattern", "g-recaptcha"]);
    assert!(env.run(&args).await.success);

    let hunt = env.run(&["rules", "retrohunt"]).await;
    assert!(hunt.success, "retro-hunt failed: {}", hunt.stderr);
    let result: Value = serde_json::from_str(hunt.stdout.trim()).unwrap();
    assert_eq!(result["done"], result["total"], "{result}");
    // Each rule change queued a hunt: the older ones gave way to the newest, and no hunt
    // failed on another's writes.
    let hunts: Vec<(String, i32, Option<Value>)> = sqlx::query_as(
        "SELECT status, attempts, result FROM jobs WHERE type = 'rules.retrohunt' ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert!(hunts.len() >= 2, "{hunts:?}");
    assert!(
        hunts.iter().all(|(s, a, _)| s == "DONE" && *a == 1),
        "{hunts:?}"
    );
    let superseded = |r: &Option<Value>| r.as_ref().is_some_and(|r| r["superseded_by"].is_i64());
    assert!(
        hunts[..hunts.len() - 1]
            .iter()
            .any(|(_, _, r)| superseded(r)),
        "{hunts:?}"
    );
    assert!(!superseded(&hunts[hunts.len() - 1].2), "{hunts:?}");

    let after = entry_matches(&served, &env.export_jsonl().await);
    let hunted: BTreeSet<&str> = after
        .iter()
        .filter(|(_, r)| r == "httrack-any")
        .map(|(s, _)| s.as_str())
        .collect();
    assert!(hunted.contains("12-pk-apple-ios-techsupport"), "{hunted:?}");
    assert!(hunted.contains("39-zp-insta_followers"), "{hunted:?}");
    // The IOK matches survive the hunt unchanged.
    let iok_after: BTreeSet<_> = after
        .into_iter()
        .filter(|(_, r)| r != "httrack-any")
        .collect();
    assert_eq!(iok_after, expected);

    // Alerts: one per target and rule, however often the rules run.
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM alerts")
            .fetch_one(&env.pool)
            .await
            .unwrap()
    };
    let first = count().await;
    assert!(first >= 1, "the recaptcha alert rule raised nothing");
    assert!(env.run(&["rules", "retrohunt"]).await.success);
    assert_eq!(count().await, first, "a second hunt repeated alerts");
}
