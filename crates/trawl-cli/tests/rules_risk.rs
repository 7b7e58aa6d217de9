//! The risk score on real pages: the corpus's entry pages served by the lab under their
//! original host names, scanned in fast mode, and their scores compared with the corpus
//! labels. The phishing samples 01, 02 and 05 must score above the benign page 03 and the
//! appliance logins 06–11; the separation over every label (ROC AUC, phishing against benign)
//! is printed. The factors of those eleven samples are compared with a snapshot
//! (`rules_risk.snap`, ports stripped; `TRAWL_UPDATE_SNAPSHOTS=1` rewrites it).
//!
//! Skipped, with a printed line, when the corpus is absent.

mod scan_support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use scan_support::corpus::scan_corpus;
use scan_support::{Env, corpus};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules_risk.snap");

/// Samples whose order the issue fixes.
const HIGH: &[&str] = &["01", "02", "05"];
const LOW: &[&str] = &["03", "06", "07", "08", "09", "10", "11"];

/// One scored sample.
struct Scored {
    id: String,
    label: String,
    score: i32,
    factors: Value,
}

fn label_of(dir: &Path, id: &str) -> String {
    let meta = std::fs::read_to_string(dir.join("phish").join(id).join("meta.json")).unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    meta["label"].as_str().unwrap().to_string()
}

/// Probability that a random phishing sample scores above a random benign one (ties half).
fn roc_auc(scored: &[Scored]) -> f64 {
    let phish: Vec<i32> = scored
        .iter()
        .filter(|s| is_phish(&s.label))
        .map(|s| s.score)
        .collect();
    let benign: Vec<i32> = scored
        .iter()
        .filter(|s| !is_phish(&s.label))
        .map(|s| s.score)
        .collect();
    let mut wins = 0.0;
    for p in &phish {
        for b in &benign {
            wins += match p.cmp(b) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    wins / (phish.len() * benign.len()) as f64
}

fn is_phish(label: &str) -> bool {
    label.starts_with("phish")
}

/// `:PORT/` → `:_/` so the snapshot does not depend on the served ports.
fn strip_ports(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && (digits == rest.len() || rest[digits..].starts_with(['/', ',', ' '])) {
            out.push('_');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

fn snapshot_line(s: &Scored) -> String {
    let factors: Vec<String> = s
        .factors
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "  +{} {}: {}",
                f["weight"],
                f["name"].as_str().unwrap(),
                f["evidence"].as_str().unwrap()
            )
        })
        .collect();
    format!(
        "{} {} score {}\n{}",
        s.id,
        s.label,
        s.score,
        strip_ports(&factors.join("\n"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phishing_samples_score_above_benign_and_appliance_pages() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    let served = scan_corpus(&env, &dir, |s| {
        s.urls.iter().filter(|u| u.2).map(|u| u.1.clone()).collect()
    })
    .await;
    let rows: Vec<(String, Option<i32>, Option<Value>)> =
        sqlx::query_as("SELECT url, risk_score, risk_factors FROM targets ORDER BY url")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    let mut scored = Vec::new();
    for (url, score, factors) in rows {
        let (i, _, _) = served
            .urls
            .iter()
            .find(|(_, u, _)| *u == url)
            .expect("a listed URL");
        let id = served.samples[*i].id.clone();
        let Some(score) = score else {
            panic!("{id} ({url}) has no risk score");
        };
        scored.push(Scored {
            label: label_of(&dir, &id),
            id,
            score,
            factors: factors.unwrap_or(Value::Null),
        });
    }
    scored.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        scored.len(),
        served.samples.len(),
        "every entry page scored"
    );

    let by_prefix: BTreeMap<&str, &Scored> = scored.iter().map(|s| (&s.id[..2], s)).collect();
    for s in &scored {
        println!("{:>3}  {:<20} {}", s.score, s.label, s.id);
    }
    let auc = roc_auc(&scored);
    let phish = scored.iter().filter(|s| is_phish(&s.label)).count();
    println!(
        "risk ROC AUC (phish* labels against benign*): {auc:.3} over {phish} phishing and {} benign samples",
        scored.len() - phish
    );

    let lowest_high = HIGH
        .iter()
        .map(|p| by_prefix[p])
        .min_by_key(|s| s.score)
        .unwrap();
    let highest_low = LOW
        .iter()
        .map(|p| by_prefix[p])
        .max_by_key(|s| s.score)
        .unwrap();
    assert!(
        lowest_high.score > highest_low.score,
        "{} ({}) does not score above {} ({})",
        lowest_high.id,
        lowest_high.score,
        highest_low.id,
        highest_low.score
    );

    // The factors of the samples the order is about.
    let snapshot: Vec<String> = HIGH
        .iter()
        .chain(LOW)
        .map(|p| snapshot_line(by_prefix[p]))
        .collect();
    let snapshot = snapshot.join("\n") + "\n";
    if std::env::var_os("TRAWL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &snapshot).unwrap();
    }
    let stored = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert_eq!(
        snapshot, stored,
        "risk factors differ from {SNAPSHOT} (TRAWL_UPDATE_SNAPSHOTS=1 rewrites it)"
    );
}

#[test]
fn ports_are_stripped_and_auc_counts_ties_as_half() {
    assert_eq!(
        strip_ports("form posts to http://a.test:39211/x, then https://b.test:8443"),
        "form posts to http://a.test:_/x, then https://b.test:_"
    );
    assert_eq!(
        strip_ports("title names paypal: log in"),
        "title names paypal: log in"
    );
    let s = |label: &str, score| Scored {
        id: String::new(),
        label: label.into(),
        score,
        factors: Value::Null,
    };
    let auc = roc_auc(&[
        s("phish", 50),
        s("phish", 10),
        s("benign", 10),
        s("benign", 0),
    ]);
    assert_eq!(auc, (1.0 + 1.0 + 0.5 + 1.0) / 4.0);
}
