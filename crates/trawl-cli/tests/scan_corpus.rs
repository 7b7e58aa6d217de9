//! The main job on real phishing pages: the corpus served by the lab (one origin per sample, on
//! OS-chosen ports), scanned in fast mode by the `trawl` binary with the lab's resolver map,
//! then read back through `trawl targets export` and compared with `reference/*.json`.
//!
//! Each check collects its disagreements so one run reports all of them. Skipped (with a printed
//! line) when the corpus is absent: `TRAWL_CORPUS`, else `../shared/corpus` beside the workspace.

mod scan_support;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use scan_support::corpus::{Row, Served, scan_corpus};
use scan_support::{Env, chain, corpus, text};

/// E-mail addresses of the reference that only illustrate a format (`expect.emails`).
const PLACEHOLDER_EMAILS: &[&str] = &[
    "someone@example.com",
    "someone@contoso.com",
    "someone@contoso.onmicrosoft.com",
    "someone@example.onmicrosoft.com",
    "eg.user@btinternet.com",
];

/// The scam call-back numbers (`expect.phones`), E.164.
const CALL_BACK_NUMBERS: &[(&str, &str)] = &[
    ("02-pp-alexasetup.club", "+18332921232"),
    ("12-pk-apple-ios-techsupport", "+18009695405"),
    ("12-pk-apple-ios-techsupport", "+18887766999"),
];

/// Sample 24's prefilled victim address (`expect.emails`).
const PREFILLED: (&str, &str) = ("24-pk-google-update", "accatino.angelo@gmail.com");

/// Where sample 13's script sends the visitor: its char-code array minus 5 spells
/// `http://fatoff-body4light.world/?a=…`, a host outside the lab.
const REDIRECTOR_TARGET_HOST: &str = "fatoff-body4light.world";

/// Every URL of the corpus, in one fast scan: statuses, the entry documents, favicons, assets
/// and indicators against the reference files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_scan_of_the_corpus_agrees_with_the_reference() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    let served = scan_corpus(&env, &dir, Served::url_list).await;
    let targets = env.export_jsonl().await;
    assert_eq!(
        targets.len(),
        served.urls.len(),
        "one exported object per scanned URL"
    );
    let rows = served.rows(&targets);

    let mut problems = Vec::new();
    check_statuses(&rows, &mut problems);
    check_documents(&rows, &served.reference("assets.json"), &mut problems);
    let favicons = check_favicons(&rows, &served, &mut problems);
    let assets = check_assets(&rows, &served.reference("assets.json"), &mut problems);
    check_indicators(&rows, &served, &mut problems);
    print_table(&rows, &favicons, &assets);

    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every sample, entry page or extra page, ends DONE.
fn check_statuses(rows: &[Row], problems: &mut Vec<String>) {
    for row in rows {
        if text(row.target, "status") != "DONE" {
            let reason = text(row.target, "reason");
            problems.push(format!("{}: {} ({reason})", row.id(), row.target["status"]));
        }
    }
}

/// A final document served from a corpus file is stored with that file's SHA-256.
fn check_documents(rows: &[Row], files: &Value, problems: &mut Vec<String>) {
    let mut compared = 0;
    for row in rows {
        let Some(file) = row
            .file_key(text(row.target, "final_url"))
            .and_then(|k| files.get(k))
        else {
            continue;
        };
        compared += 1;
        if row.target["html_sha256"] != file["sha256"] {
            problems.push(format!(
                "{}: html_sha256 {} ≠ {}",
                row.id(),
                row.target["html_sha256"],
                file["sha256"]
            ));
        }
    }
    if compared < rows.len() / 2 {
        problems.push(format!(
            "only {compared} final documents mapped to corpus files"
        ));
    }
}

/// Favicons: a target whose icon has a reference value (matched by MD5) carries that Shodan
/// hash and SHA-256; a page whose icon is a reference icon file on its own origin has it.
/// Returns the reference icon name per target id.
fn check_favicons(
    rows: &[Row],
    served: &Served,
    problems: &mut Vec<String>,
) -> HashMap<i64, String> {
    let reference = served.reference("favicons.json");
    let files = served.reference("assets.json");
    let by_md5: BTreeMap<&str, (&String, &Value)> = reference
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, v)| (v["md5"].as_str().unwrap(), (name, v)))
        .collect();

    let mut matched = HashMap::new();
    for row in rows {
        let t = row.target;
        // The page's icon is a corpus file whose bytes are a reference icon: it must be found.
        let own_icon = row
            .file_key(text(t, "favicon_url"))
            .and_then(|k| files.get(k));
        if let Some(md5) = own_icon.and_then(|f| f["md5"].as_str())
            && by_md5.contains_key(md5)
            && text(t, "favicon_md5") != md5
        {
            problems.push(format!(
                "{}: icon {} not fingerprinted ({})",
                row.id(),
                t["favicon_url"],
                t["favicon_md5"]
            ));
        }

        let Some((name, want)) = by_md5.get(text(t, "favicon_md5")) else {
            continue;
        };
        let shodan = want["shodan_mmh3"].as_i64().unwrap().to_string();
        if text(t, "favicon_hash") != shodan || t["favicon_sha256"] != want["sha256"] {
            problems.push(format!(
                "{}: favicon {name}: mmh3 {} sha256 {}, reference {shodan} {}",
                row.id(),
                t["favicon_hash"],
                t["favicon_sha256"],
                want["sha256"]
            ));
        }
        matched.insert(t["id"].as_i64().unwrap(), name.to_string());
    }
    // The 20 samples serving one of the reference icons themselves (15, 16, 25-53 minus those
    // whose icon lives on the brand's site).
    if matched.len() < 20 {
        problems.push(format!(
            "only {} targets carry a reference favicon, expected 20",
            matched.len()
        ));
    }
    matched
}

/// Assets: every stored asset whose URL is a corpus file of its own sample was fetched (200)
/// and carries that file's MD5 and SHA-256. Returns the number compared per target id.
fn check_assets(rows: &[Row], files: &Value, problems: &mut Vec<String>) -> HashMap<i64, usize> {
    let mut compared = HashMap::new();
    for row in rows {
        for asset in row.target["assets"].as_array().unwrap() {
            let Some(file) = row.file_key(text(asset, "url")).and_then(|k| files.get(k)) else {
                continue;
            };
            *compared
                .entry(row.target["id"].as_i64().unwrap())
                .or_insert(0) += 1;
            let same = asset["md5"] == file["md5"] && asset["sha256"] == file["sha256"];
            if text(asset, "status") != "200" || !same {
                problems.push(format!(
                    "{}: asset {} status {} md5 {} sha256 {}, file md5 {} sha256 {}",
                    row.id(),
                    asset["url"],
                    asset["status"],
                    asset["md5"],
                    asset["sha256"],
                    file["md5"],
                    file["sha256"]
                ));
            }
        }
    }
    let total: usize = compared.values().sum();
    if total < 50 {
        problems.push(format!(
            "only {total} assets mapped to corpus files (66 expected)"
        ));
    }
    compared
}

/// Indicators, as `reference/indicators.json` says to expect: the call-back numbers, the
/// placeholders flagged, sample 24's prefilled address found as real, and no wallet at all.
/// The reference covers every file of a sample, so an e-mail is required only when its entry
/// page contains it.
fn check_indicators(rows: &[Row], served: &Served, problems: &mut Vec<String>) {
    let reference = served.reference("indicators.json");
    let found = |sample: &str, kind: &str, value: &str| -> Option<&Value> {
        rows.iter()
            .filter(|r| r.entry && r.sample.id == sample)
            .flat_map(|r| r.target["indicators"].as_array().unwrap())
            .find(|i| i["kind"] == kind && i["value"] == value)
    };

    for (sample, phone) in CALL_BACK_NUMBERS {
        match found(sample, "phone", phone) {
            Some(i) if i["placeholder"] == false => {}
            other => problems.push(format!("{sample}: call-back number {phone}: {other:?}")),
        }
    }
    match found(PREFILLED.0, "email", PREFILLED.1) {
        Some(i) if i["placeholder"] == false => {}
        other => problems.push(format!(
            "{}: prefilled {}: {other:?}",
            PREFILLED.0, PREFILLED.1
        )),
    }

    for (sample, expected) in reference["per_sample"].as_object().unwrap() {
        let Some(row) = rows.iter().find(|r| r.entry && r.sample.id == *sample) else {
            problems.push(format!("{sample}: in the reference but not scanned"));
            continue;
        };
        let page = row
            .sample
            .docroot
            .join(row.sample.entry_path.trim_start_matches('/'));
        let page = String::from_utf8_lossy(&std::fs::read(page).unwrap()).to_lowercase();
        for email in expected["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            let placeholder = PLACEHOLDER_EMAILS.contains(&email);
            match found(sample, "email", email) {
                Some(i) if i["placeholder"] == placeholder => {}
                None if !page.contains(email) => {}
                other => problems.push(format!(
                    "{sample}: e-mail {email} (placeholder: {placeholder}): {other:?}"
                )),
            }
        }
    }

    for row in rows {
        for wallet in row.target["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "wallet")
        {
            problems.push(format!(
                "{}: wallet reported: {}",
                row.id(),
                wallet["value"]
            ));
        }
    }
}

fn print_table(rows: &[Row], favicons: &HashMap<i64, String>, assets: &HashMap<i64, usize>) {
    println!(
        "{:<34} {:<6} {:<32} {:>6} {:>4}  page",
        "sample", "status", "favicon", "assets", "ind"
    );
    for row in rows {
        let id = row.target["id"].as_i64().unwrap();
        let favicon = match (favicons.get(&id), text(row.target, "favicon_hash")) {
            (Some(name), _) => name.clone(),
            (None, "") => "-".to_string(),
            (None, hash) => format!("{hash} (not in reference)"),
        };
        let page = text(row.target, "url")
            .rsplit_once(':')
            .map_or("", |(_, p)| p);
        println!(
            "{:<34} {:<6} {:<32} {:>6} {:>4}  {}",
            row.sample.id,
            text(row.target, "status"),
            favicon,
            assets.get(&id).copied().unwrap_or(0),
            row.target["indicators"].as_array().map_or(0, Vec::len),
            page.split_once('/').map_or("", |(_, p)| p),
        );
    }
}

/// Navigations the fast capturer must follow on its own: sample 13's obfuscated script redirect
/// ends in a failed fetch of its outside host, with the reason recorded; the meta refreshes of
/// samples 15 and 16 (to a `data:` URL) and 17 (to a missing page) are hops of their chains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_of_the_corpus_are_recorded_as_hops() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    let wanted = [
        "13-pk-js-redirect-obfuscated",
        "15-pk-dropbox-spacebox",
        "16-pk-dropbox-spacebox-from-zip",
        "17-pk-amex-2017",
    ];
    let pick = |s: &Served| -> Vec<String> {
        let interesting = |(i, _, entry): &&(usize, String, bool)| {
            let id = s.samples[*i].id.as_str();
            (id == wanted[0] && *entry) || (id != wanted[0] && wanted.contains(&id) && !*entry)
        };
        s.urls
            .iter()
            .filter(interesting)
            .map(|(_, u, _)| u.clone())
            .collect()
    };
    let served = scan_corpus(&env, &dir, pick).await;
    let targets = env.export_jsonl().await;
    let rows = served.rows(&targets);
    let row = |id: &str, page: &str| {
        rows.iter()
            .find(|r| r.sample.id == id && text(r.target, "url").ends_with(page))
            .unwrap_or_else(|| panic!("no target for {id} {page}"))
    };

    // 13: the entry page answers, its script's target is refused by the sealed resolver map.
    let redirector = row(wanted[0], "/index.html").target;
    let hops = chain(redirector);
    assert_eq!(text(redirector, "status"), "DONE", "{redirector}");
    assert_eq!(
        (text(&hops[0], "kind"), hops[0]["status"].as_u64()),
        ("initial", Some(200))
    );
    let last = hops.last().unwrap();
    assert!(
        hops.len() >= 2,
        "the script redirect is not a hop: {hops:?}"
    );
    assert_eq!(text(last, "kind"), "script", "{hops:?}");
    assert!(
        text(last, "url").starts_with(&format!("http://{REDIRECTOR_TARGET_HOST}/")),
        "{last}"
    );
    assert!(
        last["status"].is_null(),
        "the outside host was reached: {last}"
    );
    assert!(
        text(last, "error").contains(REDIRECTOR_TARGET_HOST),
        "{last}"
    );
    assert_eq!(
        redirector["reason"], last["error"],
        "the failed fetch is the target's reason"
    );
    let record = env.capture_record(redirector["id"].as_i64().unwrap()).await;
    let blocked = record["blocked"].as_array().unwrap();
    assert!(
        blocked.iter().any(|b| text(b, "url") == text(last, "url")),
        "{blocked:?}"
    );

    // 15 and 16: SS.html refreshes to a base64 data: URL, recorded with its decoded payload.
    for id in &wanted[1..3] {
        let target = row(id, "/SS.html").target;
        let hops = chain(target);
        assert_eq!(text(target, "status"), "DONE", "{target}");
        let kinds: Vec<&str> = hops.iter().map(|h| text(h, "kind")).collect();
        assert_eq!(kinds, ["initial", "data"], "{id}: {hops:?}");
        assert!(
            text(&hops[1], "url").starts_with("data:text/html;base64,"),
            "{id}: {hops:?}"
        );
        let record = env.capture_record(target["id"].as_i64().unwrap()).await;
        let payload = &record["chain"][1]["body"];
        assert!(
            payload["size"].as_u64().unwrap_or(0) > 1000,
            "{id}: data: payload {payload}"
        );
    }

    // 17: myca/index.html refreshes to index.php, which the corpus does not have.
    let amex = row(wanted[3], "/myca/index.html").target;
    let hops = chain(amex);
    let steps: Vec<(&str, Option<u64>)> = hops
        .iter()
        .map(|h| (text(h, "kind"), h["status"].as_u64()))
        .collect();
    assert_eq!(
        steps,
        [("initial", Some(200)), ("meta_refresh", Some(404))],
        "{hops:?}"
    );
    assert!(
        text(&hops[1], "url").ends_with("/myca/index.php"),
        "{hops:?}"
    );
    assert_eq!(text(amex, "status"), "DONE");
    assert_eq!(amex["final_url"], hops[1]["url"]);
}
