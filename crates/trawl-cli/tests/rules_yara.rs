//! YARA through the command line: the corpus's phishing-kit rules imported with `trawl rules
//! import-yara`, checked on the names-only kit archives with `trawl rules test --file` against
//! `yara/expected-matches.json`; the same archives served by the lab and scanned as downloads
//! (matches stored with strings, a retro-hunt not duplicating them); and a file holding a
//! broken rule, reported with file, line and column while its good rules are imported.
//!
//! The corpus tests print a skip line when the corpus is absent.

mod scan_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use scan_support::{Env, corpus, start_lab};

/// The rule files of `yara/t4d-rules`, sorted.
fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("yara/t4d-rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar"))
        .collect();
    files.sort();
    files
}

fn kit_zips(dir: &Path) -> Vec<PathBuf> {
    let mut zips: Vec<PathBuf> = std::fs::read_dir(dir.join("yara/kit-skeleton-zips"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    zips.sort();
    zips
}

/// Archive key (`kit-skeleton-zips/NAME`) → sorted rule names, for archives with matches.
fn expected(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join("yara/expected-matches.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for (key, engines) in json["matches"].as_object().unwrap() {
        let names = engines["yara_x"].as_array().unwrap();
        let names = names.iter().map(|v| v.as_str().unwrap().to_string());
        out.insert(key.clone(), names.collect());
    }
    out
}

fn key(zip: &Path) -> String {
    format!(
        "kit-skeleton-zips/{}",
        zip.file_name().unwrap().to_string_lossy()
    )
}

async fn import_corpus_rules(env: &Env, dir: &Path) {
    let files = rule_files(dir);
    assert_eq!(files.len(), 25);
    for file in &files {
        let out = env
            .run(&["rules", "import-yara", file.to_str().unwrap()])
            .await;
        assert!(out.success, "{}: {}", file.display(), out.stderr);
        assert!(
            out.stdout.contains("imported 1 YARA rules"),
            "{}",
            out.stdout
        );
    }
    let listed = env.ok(&["rules", "list"]).await;
    assert_eq!(
        listed.lines().filter(|l| l.contains(" yara ")).count(),
        25,
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kit_rules_on_names_only_archives_give_the_expected_matches() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    import_corpus_rules(&env, &dir).await;

    let mut found = BTreeMap::new();
    for zip in kit_zips(&dir) {
        let out = env
            .ok(&["rules", "test", "--file", zip.to_str().unwrap()])
            .await;
        println!("{}:\n{out}", zip.display());
        let names: BTreeSet<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix("yara   "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| n.starts_with("PK_"))
            .map(String::from)
            .collect();
        if !names.is_empty() {
            found.insert(key(&zip), names);
        }
    }
    assert_eq!(found, expected(&dir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_kit_archives_are_matched_as_downloads_and_hunts_do_not_duplicate() {
    let Some(dir) = corpus() else { return };
    let env = Env::new().await;
    import_corpus_rules(&env, &dir).await;

    // The archives served from one site, each scanned as a URL.
    let sites = env.scratch().join("sites");
    let docroot = sites.join("kits");
    std::fs::create_dir_all(&docroot).unwrap();
    std::fs::write(docroot.join("index.html"), "<title>files</title>").unwrap();
    for zip in kit_zips(&dir) {
        std::fs::copy(&zip, docroot.join(zip.file_name().unwrap())).unwrap();
    }
    let plan = "id\thostname\tip\tport\tdocroot\tentry_path\n\
                kits\tkits.test\t127.0.30.1\t8080\tkits\t/index.html\n";
    std::fs::write(sites.join("hosts-plan.tsv"), plan).unwrap();
    let lab = start_lab(&sites, Some(&sites.join("hosts-plan.tsv")), false).await;
    let port = lab.sites()[0].port;
    let urls: Vec<String> = kit_zips(&dir)
        .iter()
        .map(|z| {
            format!(
                "http://kits.test:{port}/{}",
                z.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    let map: Vec<String> = lab.resolver_map().lines().map(String::from).collect();
    let resolve = env.write("resolve.txt", &map);
    let list = env.write("urls.txt", &urls);
    let scan = env
        .run(&[
            "scan",
            "--mode",
            "fast",
            "--resolve-file",
            resolve.to_str().unwrap(),
            list.to_str().unwrap(),
        ])
        .await;
    lab.shutdown().await;
    assert!(
        scan.success,
        "scan failed:\n{}\n{}",
        scan.stdout, scan.stderr
    );

    let rows = stored_matches(&env).await;
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (url, rule, subject, strings) in &rows {
        let name = url.rsplit('/').next().unwrap();
        found
            .entry(format!("kit-skeleton-zips/{name}"))
            .or_default()
            .insert(rule.clone());
        assert!(
            subject == "asset" || subject == "archive_names",
            "{subject}"
        );
        let strings = strings.as_array().unwrap();
        assert!(!strings.is_empty(), "{rule} on {url} kept no strings");
        assert!(
            strings
                .iter()
                .all(|s| s["offset"].is_u64() && s["identifier"].is_string())
        );
    }
    assert_eq!(found, expected(&dir));

    // Retro-hunts replace the matches: the same rows, never twice.
    let hunt = env.ok(&["rules", "retrohunt"]).await;
    assert!(hunt.contains("\"matched\":1"), "{hunt}");
    env.ok(&["rules", "retrohunt"]).await;
    let again = stored_matches(&env).await;
    assert_eq!(again.len(), rows.len());
    let risk: Vec<i32> = sqlx::query_scalar(
        "SELECT risk_score FROM targets WHERE url LIKE '%D2017HL%' AND risk_score IS NOT NULL",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(risk.len(), 1);
    assert!(
        risk[0] >= 30,
        "a kit rule match weighs on the risk: {risk:?}"
    );
}

/// (target URL, rule name, subject, strings) of every stored YARA match.
async fn stored_matches(env: &Env) -> Vec<(String, String, String, Value)> {
    sqlx::query_as(
        "SELECT t.url, r.name, m.subject, m.strings FROM yara_matches m \
         JOIN targets t ON t.id = m.target_id JOIN yara_rules r ON r.id = m.rule_id \
         ORDER BY t.url, r.name, m.subject",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_rule_is_reported_with_its_position_and_the_good_ones_run() {
    let env = Env::new().await;
    let file = env.write(
        "mixed.yar",
        &[
            "import \"hash\"".into(),
            "rule kit_mailer { strings: $a = \"mailer.php\" condition: $a }".into(),
            String::new(),
            "rule broken {".into(),
            "  strings: $a = \"x\"".into(),
            "  condition: $a or or".into(),
            "}".into(),
            "rule kit_next { strings: $a = \"next.php\" condition: $a }".into(),
        ],
    );
    let path = file.to_str().unwrap();
    let import = env.run(&["rules", "import-yara", path]).await;
    assert!(!import.success, "a broken rule must fail the command");
    let want = format!("error: {path}:6:");
    assert!(
        import.stderr.contains(&want) && import.stderr.contains("(rule broken)"),
        "{}",
        import.stderr
    );
    assert!(
        import.stdout.contains("imported 2 YARA rules"),
        "{}",
        import.stdout
    );

    let sample = env.write("sample.txt", &["posts to next.php then mailer.php".into()]);
    let out = env
        .ok(&["rules", "test", "--file", sample.to_str().unwrap()])
        .await;
    assert!(out.contains("yara   kit_mailer"), "{out}");
    assert!(out.contains("yara   kit_next"), "{out}");
    assert!(out.contains("$a at 9 (8 bytes): next.php"), "{out}");

    // Removing one rule leaves the other.
    let listed = env.ok(&["rules", "list", "--json"]).await;
    let id = listed
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["kind"] == "yara" && v["rule"]["name"] == "kit_next")
        .map(|v| v["rule"]["id"].as_i64().unwrap())
        .expect("kit_next listed");
    env.ok(&["rules", "remove", &id.to_string(), "--yara"])
        .await;
    let out = env
        .ok(&["rules", "test", "--file", sample.to_str().unwrap()])
        .await;
    assert!(
        out.contains("yara   kit_mailer") && !out.contains("kit_next"),
        "{out}"
    );
}
