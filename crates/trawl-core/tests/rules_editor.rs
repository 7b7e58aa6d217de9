//! The rules editors' engine on a real Postgres (`rules::editor_store`): saving each kind
//! bumps the rules version and queues its retro-hunt, the list shows the editor's text back,
//! a text that does not compile is refused, names stay unique, deleting rescores, a try on a
//! stored target uses the stored page, and an IOK folder imports with its unsupported fields.

mod support;

use support::{open, pgserver};

use chrono::Utc;
use sqlx::PgPool;
use trawl_core::analysis_views::RuleFamily;
use trawl_core::blobs::BlobStore;
use trawl_core::capture::{Capture, CaptureMode};
use trawl_core::rules::editor::EditorError;
use trawl_core::rules::editor_store as rules;
use trawl_core::rules::{RETROHUNT_JOB, store};
use trawl_core::scan::{self, ScanSettings};

/// (payload, state) of a job.
async fn job(pool: &PgPool, id: i64) -> (serde_json::Value, String) {
    sqlx::query_as("SELECT payload, status FROM jobs WHERE id = $1 AND type = $2")
        .bind(id)
        .bind(RETROHUNT_JOB)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// One stored target whose capture holds `html`; returns its id.
async fn captured_target(pool: &PgPool, html: &str) -> i64 {
    let urls = support::urls(&["https://kit.example/login"]);
    let id = scan::submit(pool, &urls, &ScanSettings::default(), "t")
        .await
        .unwrap()
        .target_ids[0];
    let mut capture = Capture::new(CaptureMode::Fast, "https://kit.example/login", Utc::now());
    capture.final_url = "https://kit.example/login".into();
    capture.html_text = Some(html.into());
    capture.headers = vec![("Server".into(), "nginx".into())];
    sqlx::query("UPDATE targets SET status = 'DONE', capture = $2 WHERE id = $1")
        .bind(id)
        .bind(serde_json::to_value(&capture).unwrap())
        .execute(pool)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn saving_listing_testing_and_deleting_rules_of_every_kind() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();
    let blobs = BlobStore::new(dir.path().join("blobs"));

    // A signature: stored as pattern and field, listed back as the editor's line.
    let v0 = store::version(pool).await.unwrap();
    let sig = rules::save(
        pool,
        RuleFamily::Signature,
        None,
        " bank ",
        "html: (?i)verify your",
    )
    .await
    .unwrap();
    assert_eq!(sig.rule.name, "bank");
    assert_eq!(sig.rule.source, "html: (?i)verify your");
    assert!(store::version(pool).await.unwrap() > v0);
    let (payload, state) = job(pool, sig.retrohunt_job).await;
    assert_eq!(state, "QUEUED");
    assert!(payload.get("yara_rule_ids").is_none(), "{payload}");
    let row = &store::list_signatures(pool).await.unwrap()[0];
    assert_eq!(
        (row.pattern.as_str(), row.target_field.as_str()),
        ("(?i)verify your", "html")
    );

    // Replacing it by id keeps the id; the list shows the new text.
    let edited = rules::save(
        pool,
        RuleFamily::Signature,
        Some(sig.rule.id),
        "bank",
        "url: /wp-",
    )
    .await
    .unwrap();
    assert_eq!(edited.rule.id, sig.rule.id);
    let listed = rules::list(pool, RuleFamily::Signature).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].source, "url: /wp-");

    // Refusals: a broken text with its errors, a taken name, an unknown id, no name.
    let broken = rules::save(pool, RuleFamily::Alert, None, "a", "url: (x").await;
    let Err(EditorError::Invalid(errors)) = broken else {
        panic!("a broken pattern was stored: {broken:?}")
    };
    assert_eq!((errors[0].line, errors[0].column), (1, 6), "{errors:?}");
    let taken = rules::save(pool, RuleFamily::Signature, None, "bank", "html: x").await;
    assert!(matches!(taken, Err(EditorError::NameTaken(_))), "{taken:?}");
    let missing = rules::save(
        pool,
        RuleFamily::Yara,
        Some(999),
        "k",
        "rule k { condition: true }",
    )
    .await;
    assert!(
        matches!(missing, Err(EditorError::RuleNotFound(999))),
        "{missing:?}"
    );
    let unnamed = rules::save(pool, RuleFamily::Alert, None, "  ", "url: x").await;
    assert!(matches!(unnamed, Err(EditorError::NoName)), "{unnamed:?}");

    // A YARA rule: stored whole, hunted alone.
    let yara_text = "rule Kit_Login\n{\n  strings:\n    $a = \"verify\"\n  condition:\n    $a\n}\n";
    let yara = rules::save(pool, RuleFamily::Yara, None, "Kit_Login", yara_text)
        .await
        .unwrap();
    assert_eq!(yara.rule.source, yara_text);
    let (payload, _) = job(pool, yara.retrohunt_job).await;
    assert_eq!(payload["yara_rule_ids"], serde_json::json!([yara.rule.id]));

    // An alert rule, and an IOK signature written in the editor.
    let alert = rules::save(pool, RuleFamily::Alert, None, "nginx", "headers: nginx")
        .await
        .unwrap();
    assert_eq!(alert.rule.source, "headers: nginx");
    let iok_text = "title: Kit\ndetection:\n  a:\n    html|contains: verify\n  condition: a\n";
    let iok = rules::save(pool, RuleFamily::Signature, None, "kit-iok", iok_text)
        .await
        .unwrap();
    assert_eq!(iok.rule.source, iok_text);

    // Trying texts on a stored target reads its stored page; nothing is stored.
    let target = captured_target(pool, "<p>Please verify your account</p>").await;
    let found = rules::test_on_target(pool, &blobs, RuleFamily::Yara, yara_text, target)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].rule.as_str(), found[0].location.as_str()),
        ("Kit_Login", "html@10")
    );
    let found = rules::test_on_target(pool, &blobs, RuleFamily::Alert, "headers: ngin.", target)
        .await
        .unwrap();
    assert_eq!(found[0].location, "headers");
    let none = rules::test_on_target(pool, &blobs, RuleFamily::Signature, "html: paypa1", target)
        .await
        .unwrap();
    assert!(none.is_empty());
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM yara_matches")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let gone = rules::test_on_target(pool, &blobs, RuleFamily::Alert, "url: x", 12345).await;
    assert!(
        matches!(gone, Err(EditorError::TargetNotFound(12345))),
        "{gone:?}"
    );

    // Deleting removes the rule and queues a full retro-hunt; a second delete finds nothing.
    let job_id = rules::delete(pool, RuleFamily::Alert, alert.rule.id)
        .await
        .unwrap();
    assert!(job(pool, job_id).await.0.get("yara_rule_ids").is_none());
    assert!(
        rules::list(pool, RuleFamily::Alert)
            .await
            .unwrap()
            .is_empty()
    );
    let again = rules::delete(pool, RuleFamily::Alert, alert.rule.id).await;
    assert!(
        matches!(again, Err(EditorError::RuleNotFound(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn an_iok_folder_imports_with_unsupported_fields_and_skipped_files() {
    let server = pgserver::TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = open(&server, &dir).await;
    let pool = db.pool();

    let rules_dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(rules_dir.path().join(name), text).unwrap();
    write(
        "kit-a.yml",
        "title: A\ndetection:\n  page:\n    html|contains: kit\n  condition: page\n",
    );
    write(
        "kit-favicon.yaml",
        "title: F\ndetection:\n  icon:\n    favicon|contains: x\n  js:\n    js|contains: y\n  \
         condition: icon or js\n",
    );
    write("broken.yml", "title: B\ndetection:\n  a:\n    html: x\n");
    write("notes.txt", "not a rule");

    let report = rules::import_iok_dir(pool, rules_dir.path()).await.unwrap();
    assert_eq!(report.imported, 2);
    assert_eq!(
        report.unsupported,
        vec![("kit-favicon".to_string(), "favicon".to_string())]
    );
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(report.skipped[0].contains("broken"), "{:?}", report.skipped);
    let (_, state) = job(pool, report.retrohunt_job.unwrap()).await;
    assert_eq!(state, "QUEUED");

    // Imported rules are signatures filed under their first captured field.
    let rows = store::list_signatures(pool).await.unwrap();
    let filed: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.target_field.as_str()))
        .collect();
    assert_eq!(filed, vec![("kit-a", "html"), ("kit-favicon", "asset")]);

    // A folder that cannot be read is an error, not an empty import.
    let missing = rules::import_iok_dir(pool, &rules_dir.path().join("nope")).await;
    assert!(matches!(missing, Err(EditorError::Iok(_))), "{missing:?}");
}
