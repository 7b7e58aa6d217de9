//! The corpus's phishing-kit rules on its names-only kit archives give exactly the matches
//! recorded from yara-python and upstream yara-x (`corpus/yara/expected-matches.json`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use trawl_yara::{CompiledSet, RuleSource, ScanLimits, check_file};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TRAWL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    dir.join("yara").is_dir().then_some(dir)
}

#[test]
fn kit_rules_on_names_only_archives_match_the_reference_engines() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: corpus not found (set TRAWL_CORPUS)");
        return;
    };
    let yara = corpus.join("yara");
    let mut files: Vec<PathBuf> = std::fs::read_dir(yara.join("t4d-rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar"))
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for (path, text) in files.iter().zip(&texts) {
        assert!(
            check_file(text).issues.is_empty(),
            "{} fails to compile",
            path.display()
        );
    }
    let sources: Vec<RuleSource<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| RuleSource {
            id: i as i64,
            name: "file",
            text,
        })
        .collect();
    let (set, issues) = CompiledSet::compile(&sources);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(set.len(), files.len());

    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(yara.join("expected-matches.json")).unwrap())
            .unwrap();
    let mut found = BTreeMap::new();
    let mut zips: Vec<PathBuf> = std::fs::read_dir(yara.join("kit-skeleton-zips"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    zips.sort();
    assert!(!zips.is_empty());
    let mut scanner = set.scanner(ScanLimits::default());
    for zip in &zips {
        let out = scanner.scan(&std::fs::read(zip).unwrap()).unwrap();
        let mut names: Vec<String> = out.hits.iter().map(|h| h.rule.clone()).collect();
        names.sort();
        if !names.is_empty() {
            let key = format!(
                "kit-skeleton-zips/{}",
                zip.file_name().unwrap().to_string_lossy()
            );
            found.insert(key, names);
        }
    }
    let mut wanted = BTreeMap::new();
    for (key, engines) in expected["matches"].as_object().unwrap() {
        let mut names: Vec<String> = engines["yara_x"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        names.sort();
        wanted.insert(key.clone(), names);
    }
    assert_eq!(found, wanted);
}
