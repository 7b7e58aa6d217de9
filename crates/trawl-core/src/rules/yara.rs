//! YARA rules on a capture: the compiled set of the stored rules ([`YaraRules`]) and the scan
//! of one capture's document, asset bodies and archive member names ([`scan_capture`]).
//!
//! Each rule row reads the document (`html`), the assets (`asset`) or both (`any`). Every
//! asset with a stored body is scanned, up to [`MAX_SUBJECT_BYTES`] each and
//! [`MAX_TARGET_BYTES`] per target; a zip (a kit archive offered for download) is scanned as
//! bytes and, separately, as the list of its member names. A scan that times out or fails is
//! logged with the target id and skipped; a missing blob is skipped silently.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
pub use trawl_yara::{CompileIssue, FileCheck, RuleChunk, StringHit, check_file};
use trawl_yara::{CompiledSet, RuleSource, ScanLimits, SetScanner};

use super::archive::{ArchiveLimits, zip_member_names};
use crate::blobs::{BlobRef, BlobStore};
use crate::capture::{AssetType, Capture};

/// Most bytes scanned of one document or asset.
pub const MAX_SUBJECT_BYTES: u64 = 8 << 20;
/// Most bytes scanned for one target, all subjects together.
pub const MAX_TARGET_BYTES: u64 = 48 << 20;
/// Longest one scan may run.
pub const SCAN_TIMEOUT: Duration = Duration::from_secs(5);

/// A stored YARA rule row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct YaraRuleRow {
    /// Row id.
    pub id: i64,
    /// Rule name (the YARA identifier of the rule it holds).
    pub name: String,
    /// YARA source text.
    pub rule_text: String,
    /// `html`, `asset` or `any`.
    pub target_field: String,
    /// Confidence of its matches, 0–100.
    pub confidence: i32,
    /// Whether it runs.
    pub enabled: bool,
    /// The file it was imported from, if any.
    pub source_file: Option<String>,
}

/// What a match was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The captured document.
    Html,
    /// An asset's body.
    Asset,
    /// The member-name listing of a zip asset.
    ArchiveNames,
}

impl Subject {
    /// The `yara_matches.subject` value.
    pub fn column(self) -> &'static str {
        match self {
            Subject::Html => "html",
            Subject::Asset => "asset",
            Subject::ArchiveNames => "archive_names",
        }
    }
}

/// One YARA rule matching one subject of a target.
#[derive(Debug, Clone, Serialize)]
pub struct YaraMatch {
    /// The rule row's id.
    pub rule_id: i64,
    /// The rule's name.
    pub rule: String,
    /// What matched.
    pub subject: Subject,
    /// The asset's URL (the final URL for the document).
    pub url: String,
    /// SHA-256 of the scanned body, when it came from the blob store.
    pub sha256: Option<String>,
    /// Confidence of the rule.
    pub confidence: i32,
    /// Matched strings with offsets and excerpts.
    pub strings: Vec<StringHit>,
}

/// The compiled set of every enabled YARA rule, with each row's field and confidence.
#[derive(Debug, Default, Clone)]
pub struct YaraRules {
    /// The compiled set, `None` when no rule compiled.
    pub set: Option<Arc<CompiledSet>>,
    /// Row id → (name, target field, confidence).
    pub rows: HashMap<i64, (String, String, i32)>,
    /// Rules left out, with their errors.
    pub issues: Vec<CompileIssue>,
}

impl YaraRules {
    /// Compile the enabled `rows`; the broken ones are listed in [`Self::issues`].
    pub fn compile(rows: &[YaraRuleRow]) -> YaraRules {
        let enabled: Vec<&YaraRuleRow> = rows.iter().filter(|r| r.enabled).collect();
        let sources: Vec<RuleSource<'_>> = enabled
            .iter()
            .map(|r| RuleSource {
                id: r.id,
                name: &r.name,
                text: &r.rule_text,
            })
            .collect();
        let (set, issues) = CompiledSet::compile(&sources);
        let rows = enabled
            .iter()
            .map(|r| (r.id, (r.name.clone(), r.target_field.clone(), r.confidence)))
            .collect();
        YaraRules {
            set: (!set.is_empty()).then(|| Arc::new(set)),
            rows,
            issues,
        }
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.set.as_ref().map_or(0, |s| s.len())
    }

    /// Whether no rule compiled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One thing to scan.
struct Piece {
    subject: Subject,
    url: String,
    sha256: Option<String>,
    bytes: Vec<u8>,
}

/// Scan the capture's document and assets (blocking: run it on a blocking thread).
pub fn scan_capture(
    rules: &YaraRules,
    capture: &Capture,
    blobs: &BlobStore,
    target_id: i64,
) -> Vec<YaraMatch> {
    let Some(set) = &rules.set else {
        return Vec::new();
    };
    let limits = ScanLimits {
        max_bytes: MAX_SUBJECT_BYTES as usize,
        timeout: SCAN_TIMEOUT,
        ..ScanLimits::default()
    };
    let mut scanner = set.scanner(limits);
    let mut found = Vec::new();
    for piece in pieces(capture, blobs) {
        scan_piece(rules, &mut scanner, &piece, target_id, &mut found);
    }
    found
}

/// Scan one file's bytes as an asset (and, for a zip, its member names), for `rules test`.
pub fn scan_file(rules: &YaraRules, url: &str, bytes: Vec<u8>) -> Vec<YaraMatch> {
    let Some(set) = &rules.set else {
        return Vec::new();
    };
    let mut scanner = set.scanner(ScanLimits::default());
    let mut found = Vec::new();
    for piece in with_names(Piece {
        subject: Subject::Asset,
        url: url.to_string(),
        sha256: None,
        bytes,
    }) {
        scan_piece(rules, &mut scanner, &piece, 0, &mut found);
    }
    found
}

fn scan_piece(
    rules: &YaraRules,
    scanner: &mut SetScanner<'_>,
    piece: &Piece,
    target_id: i64,
    found: &mut Vec<YaraMatch>,
) {
    let outcome = match scanner.scan(&piece.bytes) {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(target_id, url = %piece.url, "YARA scan skipped: {e}");
            return;
        }
    };
    for hit in outcome.hits {
        let Some(rule_id) = hit.source_id else {
            continue;
        };
        let Some((name, field, confidence)) = rules.rows.get(&rule_id) else {
            continue;
        };
        let reads = match piece.subject {
            Subject::Html => field != "asset",
            Subject::Asset | Subject::ArchiveNames => field != "html",
        };
        let seen = found
            .iter()
            .any(|m| m.rule_id == rule_id && m.subject == piece.subject && m.url == piece.url);
        if !reads || seen {
            continue;
        }
        found.push(YaraMatch {
            rule_id,
            rule: name.clone(),
            subject: piece.subject,
            url: piece.url.clone(),
            sha256: piece.sha256.clone(),
            confidence: *confidence,
            strings: hit.strings,
        });
    }
}

/// The document, then every asset body within the caps, each zip followed by its names.
fn pieces(capture: &Capture, blobs: &BlobStore) -> Vec<Piece> {
    let mut budget = MAX_TARGET_BYTES;
    let mut out = Vec::new();
    let document = match (&capture.html, &capture.html_text) {
        (Some(body), _) => read_prefix(blobs, &body.blob, &mut budget)
            .map(|bytes| (bytes, Some(body.blob.sha256.clone()))),
        (None, Some(text)) => Some((text.as_bytes().to_vec(), None)),
        (None, None) => None,
    };
    // A URL that answered with a file (a kit archive) has that file as its body; it is scanned
    // once, as the download asset below, not also as a document.
    let download_sha = |sha: &Option<String>| {
        capture.assets.iter().any(|a| {
            a.asset_type == AssetType::Download
                && a.body.as_ref().map(|b| &b.blob.sha256) == sha.as_ref()
        })
    };
    if let Some((bytes, sha256)) = document.filter(|(_, sha)| !download_sha(sha)) {
        out.push(Piece {
            subject: Subject::Html,
            url: capture.final_url.clone(),
            sha256,
            bytes,
        });
    }
    for asset in &capture.assets {
        let Some(body) = &asset.body else { continue };
        let Some(bytes) = read_prefix(blobs, &body.blob, &mut budget) else {
            continue;
        };
        out.extend(with_names(Piece {
            subject: Subject::Asset,
            url: asset.url.clone(),
            sha256: Some(body.blob.sha256.clone()),
            bytes,
        }));
    }
    out
}

/// `piece`, followed by its member-name listing when it is a zip.
fn with_names(piece: Piece) -> Vec<Piece> {
    let names = zip_member_names(&piece.bytes, ArchiveLimits::default());
    let listing = names.map(|n| Piece {
        subject: Subject::ArchiveNames,
        url: piece.url.clone(),
        sha256: piece.sha256.clone(),
        bytes: n.listing(),
    });
    std::iter::once(piece).chain(listing).collect()
}

/// Up to [`MAX_SUBJECT_BYTES`] of a blob, charged to `budget`; `None` when it is missing or
/// the budget is spent.
fn read_prefix(blobs: &BlobStore, blob: &BlobRef, budget: &mut u64) -> Option<Vec<u8>> {
    let want = blob.size.min(MAX_SUBJECT_BYTES);
    if want > *budget {
        return None;
    }
    let mut bytes = Vec::with_capacity(want as usize);
    blobs
        .open(blob)
        .ok()?
        .take(want)
        .read_to_end(&mut bytes)
        .ok()?;
    *budget -= bytes.len() as u64;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::capture::{AssetType, CaptureMode, CapturedAsset, FetchedBody};

    fn row(id: i64, name: &str, text: &str, field: &str) -> YaraRuleRow {
        YaraRuleRow {
            id,
            name: name.into(),
            rule_text: text.into(),
            target_field: field.into(),
            confidence: 70,
            enabled: true,
            source_file: None,
        }
    }

    #[test]
    fn document_assets_and_fields_are_scanned_as_their_rules_ask() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let js = blobs.put(b"var k = 'antibot.php';").unwrap();
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/", Utc::now());
        capture.final_url = "http://a.test/".into();
        capture.html_text = Some("<p>antibot.php</p>".into());
        capture.assets.push(CapturedAsset {
            url: "http://a.test/k.js".into(),
            asset_type: AssetType::Js,
            status: Some(200),
            body: Some(FetchedBody {
                size: js.size,
                blob: js.clone(),
                truncated: false,
                content_type: None,
            }),
            error: None,
        });
        let text = |n: &str| format!("rule {n} {{ strings: $a = \"antibot\" condition: $a }}");
        let rules = YaraRules::compile(&[
            row(1, "doc", &text("doc"), "html"),
            row(2, "asset", &text("asset"), "asset"),
            row(3, "both", &text("both"), "any"),
            row(4, "broken", "rule broken {", "any"),
        ]);
        assert_eq!(rules.issues.len(), 1);
        let found = scan_capture(&rules, &capture, &blobs, 9);
        let seen: Vec<(&str, Subject)> =
            found.iter().map(|m| (m.rule.as_str(), m.subject)).collect();
        assert_eq!(
            seen,
            vec![
                ("doc", Subject::Html),
                ("both", Subject::Html),
                ("asset", Subject::Asset),
                ("both", Subject::Asset)
            ]
        );
        assert_eq!(found[2].sha256.as_deref(), Some(js.sha256.as_str()));
        assert_eq!(found[2].strings[0].offset, 9);
    }

    #[test]
    fn a_url_that_answered_with_a_file_is_scanned_as_that_download_only() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let file = blobs.put(b"PK-not-really-a-zip antibot.php").unwrap();
        let body = FetchedBody {
            size: file.size,
            blob: file.clone(),
            truncated: false,
            content_type: Some("application/zip".into()),
        };
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/kit.zip", Utc::now());
        capture.final_url = "http://a.test/kit.zip".into();
        capture.html = Some(body.clone());
        capture.assets.push(CapturedAsset {
            url: capture.final_url.clone(),
            asset_type: AssetType::Download,
            status: Some(200),
            body: Some(body),
            error: None,
        });
        let rule = "rule any_side { strings: $a = \"antibot\" condition: $a }";
        let rules = YaraRules::compile(&[row(1, "any_side", rule, "any")]);
        let found = scan_capture(&rules, &capture, &blobs, 9);
        let seen: Vec<Subject> = found.iter().map(|m| m.subject).collect();
        assert_eq!(seen, vec![Subject::Asset]);
    }
}
