//! Matching throughput: signatures (the `regex` engine) and YARA-X, in MB/s over the corpus's
//! site files (HTML, scripts, stylesheets, images), with 1 rule and with 100 rules loaded.
//! The 1-rule run of each engine is its reference row.
//!
//! The 100 rules are the corpus's 24 IOK rules plus 76 regex variants (brand and kit-file
//! patterns), and the corpus's 25 phishing-kit YARA rules plus 75 variants (renamed copies
//! with altered file names, and brand-page rules on HTML). `--emit DIR` writes the YARA set
//! (`yara-100.yar`) and the regex variants (`signatures.tsv`: name, field, pattern) for
//! `bench/retrohunt.sh`.
//!
//! Run: `cargo bench -p trawl-core --bench matching` (`TRAWL_CORPUS`, `REPEAT=N` passes).

use std::path::{Path, PathBuf};
use std::time::Instant;

use trawl_core::rules::brands::BRANDS;
use trawl_core::rules::iok;
use trawl_core::rules::matcher::{MatchInput, RuleSet};
use trawl_core::rules::signature::CompiledRule;
use trawl_yara::{CompiledSet, RuleSource, ScanLimits};

/// Kit file names used by the synthetic rules.
const KIT_FILES: &[&str] = &[
    "next.php",
    "mailer.php",
    "login.php",
    "verify.php",
    "antibot.php",
];

fn corpus() -> Option<PathBuf> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
    let dir =
        std::env::var_os("TRAWL_CORPUS").map_or_else(|| PathBuf::from(default), PathBuf::from);
    dir.join("phish").is_dir().then_some(dir)
}

fn site_files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("readable corpus") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            site_files(&path, out);
        } else if path.components().any(|c| c.as_os_str() == "site") {
            let bytes = std::fs::read(&path).expect("readable file");
            out.push((path, bytes));
        }
    }
}

/// The input a signature reads for one file: documents as HTML, scripts and styles as assets.
fn input_of(path: &Path, bytes: &[u8]) -> MatchInput {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mut input = MatchInput {
        requests: vec![format!("http://bench.test/{}", path.display())],
        ..MatchInput::default()
    };
    match ext {
        "js" => input.scripts.push(text),
        "css" => input.styles.push(text),
        _ => input.html = text,
    }
    input
}

fn signatures(dir: &Path) -> (Vec<CompiledRule>, Vec<(String, String, String)>) {
    let mut rules: Vec<CompiledRule> = iok::read_dir(&dir.join("signatures/iok"))
        .expect("IOK folder")
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|r| CompiledRule::from_iok(0, &r).ok())
        .collect();
    let mut variants = Vec::new();
    let mut i = 0;
    while rules.len() + variants.len() < 100 {
        let brand = BRANDS[i % BRANDS.len()].replace(' ', r"\s*");
        let kit = regex_escape(KIT_FILES[i % KIT_FILES.len()]);
        let (field, pattern) = match i % 3 {
            0 => ("html", format!(r"(?i)<title>[^<]*{brand}[^<]*</title>")),
            1 => (
                "asset",
                format!(r"(?i){brand}[-_]?(login|verify|secure)\w*/{kit}"),
            ),
            _ => ("html", format!(r#"(?i)action=["'][^"']*{kit}["']"#)),
        };
        variants.push((format!("bench-{i}"), field.to_string(), pattern));
        i += 1;
    }
    for (name, field, pattern) in &variants {
        rules.push(CompiledRule::from_regex(0, name, field, pattern, 60).expect("valid variant"));
    }
    (rules, variants)
}

fn regex_escape(text: &str) -> String {
    text.replace('.', r"\.")
}

/// The corpus's kit rules and 75 variants, as one YARA file.
fn yara_rules(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("yara/t4d-rules"))
        .expect("YARA folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let base: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("rule text"))
        .collect();
    let mut out = base.clone();
    let mut i = 0;
    while out.len() < 100 {
        let text = if i % 2 == 0 {
            let source = &base[i % base.len()];
            let renamed = source.replacen("rule PK_", &format!("rule BENCH{i}_PK_"), 1);
            renamed.replace(".php\"", &format!("{i}.php\""))
        } else {
            let brand = BRANDS[i % BRANDS.len()];
            format!(
                "rule BENCH{i}_brand_page {{\n  strings:\n    $t = \"<title>{brand}\" nocase\n    \
                 $p = \"type=\\\"password\\\"\" nocase\n    $k = \"{}\"\n  condition:\n    \
                 $t and ($p or $k)\n}}\n",
                KIT_FILES[i % KIT_FILES.len()]
            )
        };
        out.push(text);
        i += 1;
    }
    out
}

fn yara_set(texts: &[String]) -> CompiledSet {
    let sources: Vec<RuleSource<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| RuleSource {
            id: i as i64,
            name: "bench",
            text,
        })
        .collect();
    let (set, issues) = CompiledSet::compile(&sources);
    assert!(issues.is_empty(), "bench rules compile: {issues:?}");
    set
}

fn row(
    what: &str,
    rules: usize,
    bytes: usize,
    secs: f64,
    hits: usize,
    reference: Option<f64>,
) -> f64 {
    let mbps = bytes as f64 / secs / 1e6;
    let ratio = reference.map_or(1.0, |r| mbps / r);
    println!(
        "{what:<12} {rules:>6} {:>10.1} {secs:>9.3} {mbps:>9.1} {ratio:>8.2} {hits:>8}",
        bytes as f64 / 1e6
    );
    mbps
}

fn main() {
    let Some(dir) = corpus() else {
        println!("skipping: corpus not found (set TRAWL_CORPUS)");
        return;
    };
    let args: Vec<String> = std::env::args().collect();
    let (sigs, variants) = signatures(&dir);
    let yara = yara_rules(&dir);
    if let Some(i) = args.iter().position(|a| a == "--emit") {
        let out = PathBuf::from(args.get(i + 1).expect("--emit DIR"));
        std::fs::create_dir_all(&out).expect("emit folder");
        std::fs::write(out.join("yara-100.yar"), yara.join("\n")).expect("write rules");
        let tsv: String = variants
            .iter()
            .map(|(n, f, p)| format!("{n}\t{f}\t{p}\n"))
            .collect();
        std::fs::write(out.join("signatures.tsv"), tsv).expect("write signatures");
        println!(
            "wrote {} YARA rules and {} signature variants to {}",
            yara.len(),
            variants.len(),
            out.display()
        );
        return;
    }
    let repeat: usize = std::env::var("REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut files = Vec::new();
    site_files(&dir.join("phish"), &mut files);
    let inputs: Vec<MatchInput> = files.iter().map(|(p, b)| input_of(p, b)).collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum::<usize>() * repeat;
    println!(
        "matching benchmark: {} corpus files, {:.1} MB per pass, {repeat} passes",
        files.len(),
        bytes as f64 / 1e6 / repeat as f64
    );
    println!(
        "{:<12} {:>6} {:>10} {:>9} {:>9} {:>8} {:>8}",
        "engine", "rules", "MB", "seconds", "MB/s", "ratio", "hits"
    );

    let mut reference = None;
    for n in [1, sigs.len()] {
        let set = RuleSet {
            rules: sigs[..n].to_vec(),
            version: 0,
        };
        let started = Instant::now();
        let mut hits = 0;
        for _ in 0..repeat {
            hits = inputs.iter().map(|i| set.run(i).len()).sum();
        }
        let mbps = row(
            "signatures",
            n,
            bytes,
            started.elapsed().as_secs_f64(),
            hits,
            reference,
        );
        reference.get_or_insert(mbps);
    }
    let signature_reference = reference;

    // The 1-rule reference is a text rule: the corpus's kit rules start with a zip-header test
    // (`uint32(0) == 0x04034b50`) that YARA-X settles without searching most files at all.
    let single = yara
        .iter()
        .find(|t| t.contains("_brand_page"))
        .expect("a brand-page variant")
        .clone();
    let mut reference = None;
    for n in [1, yara.len()] {
        let set = if n == 1 {
            yara_set(std::slice::from_ref(&single))
        } else {
            yara_set(&yara)
        };
        let mut scanner = set.scanner(ScanLimits::default());
        let started = Instant::now();
        let mut hits = 0;
        for _ in 0..repeat {
            hits = files
                .iter()
                .map(|(_, b)| scanner.scan(b).map_or(0, |o| o.hits.len()))
                .sum();
        }
        let mbps = row(
            "yara",
            n,
            bytes,
            started.elapsed().as_secs_f64(),
            hits,
            reference,
        );
        reference.get_or_insert(mbps);
    }
    if let (Some(sig), Some(yara)) = (signature_reference, reference) {
        println!("yara / signatures at 1 rule: {:.2}", yara / sig);
    }
}
