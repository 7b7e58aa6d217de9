//! Runs the extractor on every corpus entry page and compares it with
//! `reference/indicators.json`, printing a table of differences.
//!
//! The reference was made with plain regexes over *all* text files of each sample, so a
//! reference value that is not on the entry page is reported as "not on entry page" rather than
//! missed. What must hold (the reference notes): the scam call-back numbers of samples 02 and 12,
//! the address prefilled in sample 24, placeholders flagged as such, and no wallet anywhere.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

/// Reference addresses that only illustrate a format.
const PLACEHOLDERS: &[&str] = &[
    "someone@example.com",
    "someone@contoso.com",
    "someone@contoso.onmicrosoft.com",
    "someone@example.onmicrosoft.com",
    "eg.user@btinternet.com",
];

/// Phones that must be found, by sample (E.164).
const REQUIRED_PHONES: &[(&str, &str)] = &[
    ("02-pp-alexasetup.club", "+18332921232"),
    ("12-pk-apple-ios-techsupport", "+18887766999"),
    ("12-pk-apple-ios-techsupport", "+18009695405"),
];

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TRAWL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    if dir.join("reference/indicators.json").is_file() {
        Some(dir)
    } else {
        println!("skipping: corpus not found at {}", dir.display());
        None
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The entry page of a sample, decoded leniently (charset handling belongs to capture).
fn entry_html(sample_dir: &Path) -> String {
    let meta = read_json(&sample_dir.join("meta.json"));
    let entry = meta["entry"].as_str().expect("meta.json has entry");
    let bytes = std::fs::read(sample_dir.join(entry)).expect("entry page readable");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(String::from)
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn corpus_entry_pages_agree_with_reference() {
    let Some(dir) = corpus_dir() else { return };
    let reference = read_json(&dir.join("reference/indicators.json"));
    let per_sample = reference["per_sample"]
        .as_object()
        .expect("per_sample object");

    let mut samples: Vec<String> = std::fs::read_dir(dir.join("phish"))
        .expect("phish directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("meta.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    samples.sort();

    let mut problems: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut all_found: Vec<(String, Vec<Indicator>)> = Vec::new();

    for sample in &samples {
        let html = entry_html(&dir.join("phish").join(sample));
        let html_lower = html.to_lowercase();
        let found = extract_indicators(&html);
        let empty = Value::Null;
        let expected = per_sample.get(sample).unwrap_or(&empty);

        // Reference e-mails: found, or explain why not.
        let ref_emails = strings(&expected["emails"]);
        for email in &ref_emails {
            let hit = found
                .iter()
                .find(|i| i.kind == IndicatorKind::Email && i.value == *email);
            let status = match hit {
                Some(i) if i.placeholder == PLACEHOLDERS.contains(&email.as_str()) => {
                    format!("found (placeholder={})", i.placeholder)
                }
                Some(i) => {
                    problems.push(format!("{sample}: {email} placeholder={}", i.placeholder));
                    format!("WRONG placeholder={}", i.placeholder)
                }
                None if !html_lower.contains(email.as_str()) => "not on entry page".into(),
                None => {
                    problems.push(format!("{sample}: e-mail {email} missed"));
                    "MISSED".into()
                }
            };
            rows.push(format!("{sample:<34} email  {email:<36} {status}"));
        }

        // Reference phones (North-American-looking substrings): match on trailing digits.
        let ref_phones = strings(&expected["phones_us_tollfree_like"]);
        for phone in &ref_phones {
            let want = digits(phone);
            let hit = found
                .iter()
                .find(|i| i.kind == IndicatorKind::Phone && digits(&i.value).ends_with(&want));
            let status = match hit {
                Some(i) => format!(
                    "found as {} ({})",
                    i.value,
                    i.detail.as_deref().unwrap_or("")
                ),
                None if !html.contains(phone.as_str()) => "not on entry page".into(),
                None => {
                    problems.push(format!("{sample}: phone {phone} missed"));
                    "MISSED".into()
                }
            };
            rows.push(format!("{sample:<34} phone  {phone:<36} {status}"));
        }

        // Everything the reference does not list, for review; wallets are always wrong here.
        for i in &found {
            let listed = match i.kind {
                IndicatorKind::Email => ref_emails.contains(&i.value),
                IndicatorKind::Phone => ref_phones
                    .iter()
                    .any(|p| digits(&i.value).ends_with(&digits(p))),
                IndicatorKind::Wallet => {
                    problems.push(format!("{sample}: wallet {} reported", i.value));
                    false
                }
            };
            if !listed {
                let kind = i.kind.as_str();
                let note = format!("extra {:?} placeholder={}", i.detail, i.placeholder);
                rows.push(format!("{sample:<34} {kind:<6} {:<36} {note}", i.value));
            }
        }
        all_found.push((sample.clone(), found));
    }

    println!("{:<34} {:<6} {:<36} status", "sample", "kind", "value");
    for row in &rows {
        println!("{row}");
    }

    let has = |sample: &str, kind: IndicatorKind, value: &str| {
        all_found
            .iter()
            .filter(|(s, _)| s == sample)
            .flat_map(|(_, f)| f)
            .find(|i| i.kind == kind && i.value == value)
            .cloned()
    };
    for (sample, phone) in REQUIRED_PHONES {
        if has(sample, IndicatorKind::Phone, phone).is_none() {
            problems.push(format!("{sample}: required phone {phone} missed"));
        }
    }
    match has(
        "24-pk-google-update",
        IndicatorKind::Email,
        "accatino.angelo@gmail.com",
    ) {
        Some(i) if !i.placeholder => {}
        other => problems.push(format!(
            "24: prefilled address not found as real: {other:?}"
        )),
    }

    assert!(
        problems.is_empty(),
        "disagreements with the reference:\n{}",
        problems.join("\n")
    );
    let unread: Vec<&String> = per_sample.keys().filter(|k| !samples.contains(k)).collect();
    assert!(
        unread.is_empty(),
        "reference samples without a corpus folder: {unread:?}"
    );
}
