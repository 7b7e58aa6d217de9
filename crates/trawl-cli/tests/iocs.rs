//! IOCs through the `trawl iocs` CLI: marking free values and a target's stored values,
//! idempotent re-marks that update the note, list filters, unmarking, error messages, and the
//! CSV, STIX 2.1 and MISP exports parsed back field by field — including IOCs whose target was
//! deleted, which keep the URL and domain they were seen on.

mod scan_support;

use std::path::Path;

use serde_json::Value;
use sqlx::PgPool;
use trawl_core::iocs::ioc_uuid;

use scan_support::{Env, insert_done_target};

const FAVICON: &str = "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB";
const DOWNLOAD: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
const LIBRARY: &str = "efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef";
const BTC: &str = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";

/// A captured target with a final URL, IP, favicon, indicators (one a placeholder) and assets
/// (one a download).
async fn rich_target(pool: &PgPool) -> i64 {
    let id = insert_done_target(
        pool,
        "http://login.evil.test/path",
        &[
            ("domain", "login.evil.test"),
            ("ip", "192.0.2.10"),
            ("final_url", "http://verify.evil.test/final"),
            ("favicon_sha256", FAVICON),
        ],
    )
    .await;
    for (kind, value, placeholder) in [
        ("email", "drop@evil.test", false),
        ("email", "someone@example.com", true),
        ("phone", "+18005550199", false),
        ("wallet", BTC, false),
    ] {
        sqlx::query(
            "INSERT INTO indicators (target_id, kind, value, placeholder) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(kind)
        .bind(value)
        .bind(placeholder)
        .execute(pool)
        .await
        .unwrap();
    }
    for (kind, sha) in [("download", DOWNLOAD), ("js", LIBRARY)] {
        sqlx::query("INSERT INTO assets (target_id, url, type, sha256) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(format!("http://login.evil.test/{kind}"))
            .bind(kind)
            .bind(sha)
            .execute(pool)
            .await
            .unwrap();
    }
    id
}

/// `trawl iocs list --json ARGS`, one object per line.
async fn listed(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["iocs", "list", "--json"];
    all.extend_from_slice(args);
    env.ok(&all)
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON ({e}): {l}")))
        .collect()
}

fn pairs(rows: &[Value]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = rows
        .iter()
        .map(|r| (text(r, "kind"), text(r, "value")))
        .collect();
    p.sort();
    p
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn text(row: &Value, field: &str) -> String {
    row[field].as_str().unwrap_or_default().to_string()
}

/// Runs a command that must fail; returns its single `error:` line.
async fn error_line(env: &Env, args: &[&str]) -> String {
    let done = env.run(args).await;
    assert!(!done.success, "{args:?} should fail: {}", done.stdout);
    let lines: Vec<&str> = done.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: one error line expected: {}",
        done.stderr
    );
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    lines[0].to_string()
}

fn partial_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_list_and_unmark() {
    let env = Env::new().await;
    let pool = &env.pool;
    let t = rich_target(pool).await;
    let ts = t.to_string();

    // A free value, normalised; marking it again keeps the id and takes the new note.
    let out = env
        .ok(&["iocs", "add", "domain", " EVIL.test. ", "--note", "first"])
        .await;
    assert!(out.starts_with("marked IOC "), "{out}");
    let rows = listed(&env, &[]).await;
    assert_eq!(rows.len(), 1);
    let first_id = rows[0]["id"].as_i64().unwrap();
    assert_eq!(text(&rows[0], "value"), "evil.test");
    assert_eq!(text(&rows[0], "note"), "first");
    assert_eq!(text(&rows[0], "source"), "analyst");
    assert!(rows[0]["target_id"].is_null());
    let out = env
        .ok(&["iocs", "add", "domain", "evil.test", "--note", "second"])
        .await;
    assert!(out.starts_with("already marked"), "{out}");
    let rows = listed(&env, &[]).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"].as_i64(), Some(first_id));
    assert_eq!(text(&rows[0], "note"), "second");
    // Without a note the note stays.
    env.ok(&["iocs", "add", "domain", "evil.test"]).await;
    assert_eq!(text(&listed(&env, &[]).await[0], "note"), "second");

    // A target's stored values: placeholders and non-download assets left out.
    env.ok(&["iocs", "add-from-target", &ts, "--note", "kit A"])
        .await;
    let from_target = listed(&env, &["--target", &ts]).await;
    let favicon = FAVICON.to_ascii_lowercase();
    let want = owned(&[
        ("domain", "login.evil.test"),
        ("domain", "verify.evil.test"),
        ("email", "drop@evil.test"),
        ("ip", "192.0.2.10"),
        ("phone", "+18005550199"),
        ("sha256", &favicon),
        ("sha256", DOWNLOAD),
        ("url", "http://login.evil.test/path"),
        ("url", "http://verify.evil.test/final"),
        ("wallet", BTC),
    ]);
    assert_eq!(pairs(&from_target), want);
    for r in &from_target {
        assert_eq!(r["target_id"].as_i64(), Some(t), "{r}");
        assert_eq!(text(r, "url"), "http://login.evil.test/path", "{r}");
        assert_eq!(text(r, "domain"), "login.evil.test", "{r}");
        assert_eq!(text(r, "note"), "kit A", "{r}");
    }

    // Again with chosen kinds: nothing new, the IP reported as already marked.
    let out = env
        .ok(&["iocs", "add-from-target", &ts, "--kinds", "ip,md5"])
        .await;
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("already marked") && out.contains("192.0.2.10"),
        "{out}"
    );
    assert_eq!(listed(&env, &[]).await.len(), 11);

    // Filters.
    let emails = listed(&env, &["--kind", "email"]).await;
    assert_eq!(pairs(&emails), owned(&[("email", "drop@evil.test")]));
    let found = listed(&env, &["--search", "VERIFY"]).await;
    assert_eq!(
        pairs(&found),
        owned(&[
            ("domain", "verify.evil.test"),
            ("url", "http://verify.evil.test/final")
        ])
    );
    assert!(
        listed(&env, &["--search", "kit a", "--kind", "ip"])
            .await
            .len()
            == 1
    );
    assert!(listed(&env, &["--since", "2999-01-01"]).await.is_empty());
    assert_eq!(
        listed(&env, &["--since", "2000-01-01T00:00:00Z"])
            .await
            .len(),
        11
    );
    assert_eq!(listed(&env, &["--limit", "3"]).await.len(), 3);
    let table = env.ok(&["iocs", "list"]).await;
    assert!(
        table.contains("verify.evil.test") && table.contains("11 IOCs"),
        "{table}"
    );

    // Unmark.
    let out = env.ok(&["iocs", "remove", &first_id.to_string()]).await;
    assert_eq!(
        out.trim(),
        format!("unmarked IOC {first_id} (domain evil.test)")
    );
    assert_eq!(listed(&env, &[]).await.len(), 10);
    assert!(
        listed(&env, &["--kind", "domain"])
            .await
            .iter()
            .all(|r| r["id"].as_i64() != Some(first_id))
    );

    // Errors: one line saying what and where; nothing changes.
    let id = first_id.to_string();
    let no_ioc = format!("error: no IOC {id}");
    for (args, want) in [
        (
            vec!["iocs", "add", "domain", "bad..test"],
            "error: invalid domain \"bad..test\": label 2 is empty",
        ),
        (
            vec!["iocs", "add", "sha256", "abc"],
            "error: invalid sha256 \"abc\": 3 hex digits (expected 64)",
        ),
        (
            vec!["iocs", "add", "hostname", "a.test"],
            "error: unknown IOC kind \"hostname\"; use one of url, domain, ip, email, md5, \
             sha1, sha256, wallet, phone",
        ),
        (
            vec!["iocs", "add", "url", "http://a.test/", "--target", "999999"],
            "error: no target 999999",
        ),
        (
            vec!["iocs", "add-from-target", "999999"],
            "error: no target 999999",
        ),
        (vec!["iocs", "remove", id.as_str()], no_ioc.as_str()),
        (
            vec!["iocs", "list", "--since", "yesterday"],
            "error: --since \"yesterday\" is neither a day (2026-01-31) nor an RFC 3339 time",
        ),
        (
            vec!["iocs", "export", "--format", "xml"],
            "error: unknown IOC export format \"xml\"; use csv, stix or misp",
        ),
    ] {
        assert_eq!(error_line(&env, &args).await, want, "{args:?}");
    }
    let err = error_line(
        &env,
        &["iocs", "add-from-target", &ts, "--kinds", "url,favicon"],
    )
    .await;
    assert!(
        err.starts_with("error: in --kinds: unknown IOC kind \"favicon\""),
        "{err}"
    );
    assert_eq!(listed(&env, &[]).await.len(), 10);
}

/// The IOCs of the export test: a target's values, free values with awkward notes and
/// characters, then the target deleted.
async fn export_fixture(env: &Env) {
    let t = rich_target(&env.pool).await;
    env.ok(&[
        "iocs",
        "add-from-target",
        &t.to_string(),
        "--kinds",
        "url,domain,phone,wallet",
        "--note",
        "kit \"A\", page 1\nsecond line",
    ])
    .await;
    env.ok(&["iocs", "add", "url", "http://a.test/it's?q=a\\b"])
        .await;
    env.ok(&[
        "iocs",
        "add",
        "ip",
        "2001:DB8::7",
        "--note",
        "=HYPERLINK(\"x\")",
    ])
    .await;
    env.ok(&["iocs", "add", "md5", &"0F".repeat(16), "--note", "-dropper"])
        .await;
    sqlx::query("DELETE FROM targets WHERE id = $1")
        .bind(t)
        .execute(&env.pool)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_parse_back() {
    let env = Env::new().await;
    export_fixture(&env).await;
    let md5 = "0f".repeat(16);
    let context_url = "http://login.evil.test/path";

    // CSV, to a file: header, order by kind then value, guarded cells, the deleted target's
    // context kept.
    let csv_path = env.scratch().join("iocs.csv");
    let done = env
        .run(&[
            "iocs",
            "export",
            "--format",
            "csv",
            "-o",
            csv_path.to_str().unwrap(),
        ])
        .await;
    assert!(done.success, "{}", done.stderr);
    assert_eq!(done.stderr.trim(), "exported 9 IOCs as CSV");
    assert!(done.stdout.is_empty());
    let bytes = std::fs::read(&csv_path).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "kind",
            "value",
            "target_id",
            "url",
            "domain",
            "source",
            "note",
            "created_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let kv: Vec<(&str, &str)> = rows.iter().map(|r| (&r[1], &r[2])).collect();
    assert_eq!(
        kv,
        [
            ("domain", "login.evil.test"),
            ("domain", "verify.evil.test"),
            ("ip", "2001:db8::7"),
            ("md5", md5.as_str()),
            ("phone", "'+18005550199"),
            ("url", "http://a.test/it's?q=a\\b"),
            ("url", "http://login.evil.test/path"),
            ("url", "http://verify.evil.test/final"),
            ("wallet", BTC),
        ]
    );
    let phone = &rows[4];
    assert_eq!(&phone[3], "", "the deleted target's id is gone");
    assert_eq!(&phone[4], context_url);
    assert_eq!(&phone[5], "login.evil.test");
    assert_eq!(&phone[6], "analyst");
    assert_eq!(&phone[7], "kit \"A\", page 1\nsecond line");
    assert!(
        phone[8].ends_with('Z') && phone[8].len() == 24,
        "{}",
        &phone[8]
    );
    assert_eq!(&rows[2][7], "'=HYPERLINK(\"x\")");
    assert_eq!(&rows[3][7], "'-dropper");
    assert_eq!(&rows[5][4], "", "a free value has no context");
    assert!(String::from_utf8(bytes).unwrap().contains("\r\n"));
    assert!(partial_files(env.scratch()).is_empty());

    // STIX to standard output: identity, one indicator per expressible IOC, stable ids.
    let done = env.run(&["iocs", "export", "--format", "stix"]).await;
    assert!(done.success, "{}", done.stderr);
    assert_eq!(
        done.stderr.trim(),
        "exported 7 IOCs as a STIX 2.1 bundle; 2 skipped (wallets and phones have no STIX \
         pattern: use csv or misp)"
    );
    let bundle: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert!(bundle["id"].as_str().unwrap().starts_with("bundle--"));
    let objects = bundle["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 8);
    assert_eq!(objects[0]["type"], "identity");
    assert_eq!(objects[0]["name"], "Trawl");
    let by_pattern = |p: &str| {
        objects
            .iter()
            .find(|o| o["pattern"] == p)
            .unwrap_or_else(|| panic!("no indicator with {p}: {objects:?}"))
    };
    let quoted = by_pattern(r"[url:value = 'http://a.test/it\'s?q=a\\b']");
    assert_eq!(
        quoted["id"],
        format!(
            "indicator--{}",
            ioc_uuid("url", "http://a.test/it's?q=a\\b")
        )
    );
    assert!(quoted.get("description").is_none());
    let ip = by_pattern("[ipv6-addr:value = '2001:db8::7']");
    assert_eq!(ip["description"], "=HYPERLINK(\"x\")");
    by_pattern(&format!("[file:hashes.MD5 = '{md5}']"));
    let domain = by_pattern("[domain-name:value = 'verify.evil.test']");
    assert_eq!(domain["spec_version"], "2.1");
    assert_eq!(domain["pattern_type"], "stix");
    assert_eq!(domain["created_by_ref"], objects[0]["id"]);
    assert_eq!(domain["valid_from"], domain["created"]);
    assert_eq!(domain["x_trawl_url"], context_url);
    assert_eq!(domain["x_trawl_domain"], "login.evil.test");
    assert_eq!(
        domain["description"],
        format!("kit \"A\", page 1\nsecond line\nSeen at {context_url}")
    );
    assert!(
        !objects
            .iter()
            .any(|o| o["name"].as_str().unwrap_or("").contains(BTC))
    );
    let again = env.ok(&["iocs", "export", "--format", "stix"]).await;
    assert_eq!(again, done.stdout, "a re-export is identical");

    // MISP to a file: types, categories, comments, stable uuids.
    let misp_path = env.scratch().join("event.json");
    env.ok(&[
        "iocs",
        "export",
        "--format",
        "misp",
        "-o",
        misp_path.to_str().unwrap(),
    ])
    .await;
    let event: Value = serde_json::from_slice(&std::fs::read(&misp_path).unwrap()).unwrap();
    let e = &event["Event"];
    assert_eq!(e["info"], "Trawl: analyst-marked IOCs");
    assert_eq!(e["threat_level_id"], "2");
    assert_eq!(e["distribution"], "0");
    assert_eq!(e["analysis"], "2");
    assert_eq!(e["date"].as_str().unwrap().len(), 10);
    let attributes = e["Attribute"].as_array().unwrap();
    let typed: Vec<(&str, &str, &str, bool)> = attributes
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap(),
                a["category"].as_str().unwrap(),
                a["value"].as_str().unwrap(),
                a["to_ids"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        typed,
        [
            ("domain", "Network activity", "login.evil.test", true),
            ("domain", "Network activity", "verify.evil.test", true),
            ("ip-dst", "Network activity", "2001:db8::7", true),
            ("md5", "Payload delivery", md5.as_str(), true),
            ("phone-number", "Financial fraud", "+18005550199", false),
            ("url", "Network activity", "http://a.test/it's?q=a\\b", true),
            (
                "url",
                "Network activity",
                "http://login.evil.test/path",
                true
            ),
            (
                "url",
                "Network activity",
                "http://verify.evil.test/final",
                true
            ),
            ("btc", "Financial fraud", BTC, true),
        ]
    );
    let wallet = &attributes[8];
    assert_eq!(wallet["uuid"], ioc_uuid("wallet", BTC).to_string());
    assert_eq!(
        wallet["comment"],
        format!("kit \"A\", page 1\nsecond line; seen at {context_url}")
    );
    assert_eq!(attributes[3]["comment"], "-dropper");

    // Only one kind.
    let only = env
        .ok(&["iocs", "export", "--format", "csv", "--kind", "url"])
        .await;
    let mut reader = csv::Reader::from_reader(only.as_bytes());
    let kinds: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert_eq!(kinds, ["url", "url", "url"], "{only}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_exports_leave_nothing_behind() {
    let env = Env::new().await;
    env.ok(&["iocs", "add", "domain", "evil.test"]).await;
    let dir = env.scratch();

    // The destination folder does not exist.
    let missing = dir.join("nowhere").join("iocs.csv");
    let err = error_line(
        &env,
        &[
            "iocs",
            "export",
            "--format",
            "csv",
            "-o",
            missing.to_str().unwrap(),
        ],
    )
    .await;
    assert!(
        err.starts_with(&format!("error: cannot create {}", missing.display())),
        "{err}"
    );
    assert!(!missing.exists());

    // The destination is a folder: the export completes but cannot take its name.
    let occupied = dir.join("taken.json");
    std::fs::create_dir(&occupied).unwrap();
    let err = error_line(
        &env,
        &[
            "iocs",
            "export",
            "--format",
            "misp",
            "-o",
            occupied.to_str().unwrap(),
        ],
    )
    .await;
    assert!(
        err.starts_with(&format!("error: writing {}", occupied.display())),
        "{err}"
    );
    assert!(occupied.is_dir());
    assert!(partial_files(dir).is_empty(), "{:?}", partial_files(dir));

    // An existing file is replaced whole.
    let file = dir.join("iocs.json");
    std::fs::write(&file, "old").unwrap();
    env.ok(&[
        "iocs",
        "export",
        "--format",
        "stix",
        "-o",
        file.to_str().unwrap(),
    ])
    .await;
    let bundle: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(bundle["objects"].as_array().unwrap().len(), 2);
}
