//! Rules as the desktop editors hold them: one text per rule, compiled with every error placed
//! at a 1-based line and column, and tried on one stored target before it is saved. Storing,
//! listing and importing live in [`super::editor_store`].
//!
//! The text of each kind (what the rule list shows and what saving takes):
//! - **signature**: `FIELD: PATTERN` on one line, FIELD one of `html`, `headers`, `url` or
//!   `asset` and PATTERN a `regex` crate expression (linear time); or an IOK rule's YAML, told
//!   apart by a top-level `detection:` line.
//! - **yara**: YARA source, one or more rules; includes are refused.
//! - **alert**: `FIELD: PATTERN` on one line, FIELD one of `html`, `headers` or `url`.
//!
//! Compiling never touches the database. Trying a rule uses the same matchers as captures do
//! ([`MatchInput`], the signature and alert matchers, the YARA scan of document and assets),
//! on a blocking thread, and stores nothing.

use regex::RegexBuilder;
use serde::Serialize;

use super::alerts;
use super::iok::{self, IokRule};
use super::matcher::MatchInput;
use super::signature::{CompileError, CompiledRule, REGEX_SIZE_LIMIT};
use super::store::AlertRuleRow;
use super::yara::{self, RuleChunk, YaraRuleRow, YaraRules};
use crate::analysis_views::RuleFamily;
use crate::blobs::BlobStore;
use crate::capture::Capture;

/// Fields a signature's `FIELD: PATTERN` line may name.
pub const SIGNATURE_FIELDS: [&str; 4] = ["html", "headers", "url", "asset"];
/// Fields an alert rule's `FIELD: PATTERN` line may name.
pub const ALERT_FIELDS: [&str; 3] = ["html", "headers", "url"];
/// Most matches one try reports.
pub const MAX_TEST_MATCHES: usize = 50;

/// A compile error at a 1-based line and column (in characters) of the rule's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The rule the error is in, when the text holds several (YARA).
    pub rule: Option<String>,
}

impl SourceError {
    fn at(line: usize, column: usize, message: impl Into<String>) -> SourceError {
        SourceError {
            line,
            column,
            message: message.into(),
            rule: None,
        }
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )?;
        match &self.rule {
            Some(rule) => write!(f, " (rule {rule})"),
            None => Ok(()),
        }
    }
}

/// Why an editor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    /// The rule's text does not compile.
    #[error("the rule does not compile: {}", join(.0))]
    Invalid(Vec<SourceError>),
    /// The rule has no name.
    #[error("the rule needs a name")]
    NoName,
    /// Another rule of the kind already has this name.
    #[error("another rule is already named `{0}`")]
    NameTaken(String),
    /// No rule of the kind has this id.
    #[error("no rule {0}")]
    RuleNotFound(i64),
    /// No target has this id.
    #[error("no target {0}")]
    TargetNotFound(i64),
    /// The target has no readable stored capture.
    #[error("target {0} has no stored capture to test on")]
    NotCaptured(i64),
    /// An IOK folder could not be read.
    #[error(transparent)]
    Iok(#[from] iok::IokError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

fn join(errors: &[SourceError]) -> String {
    let shown: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
    match errors.len() > 3 {
        true => format!("{} (and {} more)", shown.join("; "), errors.len() - 3),
        false => shown.join("; "),
    }
}

/// A rule text that compiled, ready to try or store.
#[derive(Debug, Clone)]
pub enum Draft {
    /// A regular expression on one field (a signature or an alert rule).
    Regex {
        /// The field's name (`html`, `headers`, `url`, `asset`).
        field: &'static str,
        /// The expression.
        pattern: String,
    },
    /// An IOK rule (a signature).
    Iok(IokRule),
    /// YARA source and its rules in order.
    Yara {
        /// The whole text, as stored.
        text: String,
        /// One chunk per rule, each compiling on its own after the ones before it.
        chunks: Vec<RuleChunk>,
    },
}

/// One match of a rule being tried on a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestMatch {
    /// The rule that matched.
    pub rule: String,
    /// Where: a field (with the IOK selection), or the scanned subject and offset for YARA.
    pub location: String,
    /// The matched text with a little context; untrusted.
    pub excerpt: String,
}

/// The errors of `source` as a rule of `family` (none when it compiles).
pub fn check(family: RuleFamily, source: &str) -> Vec<SourceError> {
    compile(family, source).err().unwrap_or_default()
}

/// Compile `source` as a rule of `family`.
pub fn compile(family: RuleFamily, source: &str) -> Result<Draft, Vec<SourceError>> {
    if source.trim().is_empty() {
        return Err(vec![SourceError::at(1, 1, "the rule is empty")]);
    }
    match family {
        RuleFamily::Signature if is_iok(source) => compile_iok("rule", source).map(Draft::Iok),
        RuleFamily::Signature => compile_line(source, &SIGNATURE_FIELDS),
        RuleFamily::Alert => compile_line(source, &ALERT_FIELDS),
        RuleFamily::Yara => compile_yara(source),
    }
}

/// The editor text of a regular-expression rule.
pub fn line_source(field: &str, pattern: &str) -> String {
    format!("{field}: {pattern}")
}

/// Whether a signature text is an IOK rule (a top-level `detection:` line).
pub fn is_iok(source: &str) -> bool {
    source.lines().any(|l| l.starts_with("detection:"))
}

/// Compile a `FIELD: PATTERN` text whose field is one of `fields`.
fn compile_line(source: &str, fields: &[&'static str]) -> Result<Draft, Vec<SourceError>> {
    let text = source.trim_end_matches(['\n', '\r']);
    let skipped = text.len() - text.trim_start_matches(['\n', '\r']).len();
    let line_no = text[..skipped].matches('\n').count() + 1;
    let text = &text[skipped..];
    if let Some(at) = text.find('\n') {
        let second = line_no + text[..at].matches('\n').count() + 1;
        let message = "a rule is one line: `field: pattern`";
        return Err(vec![SourceError::at(second, 1, message)]);
    }
    let line = text.trim_end_matches('\r');
    let expected = format!("expected `field: pattern` (field {})", fields.join(", "));
    let Some((head, rest)) = line.split_once(':') else {
        return Err(vec![SourceError::at(line_no, 1, expected)]);
    };
    let name = head.trim();
    let Some(&field) = fields.iter().find(|f| **f == name) else {
        let column = head.chars().take_while(|c| c.is_whitespace()).count() + 1;
        let message = format!("unknown field `{name}` ({})", fields.join(", "));
        return Err(vec![SourceError::at(line_no, column, message)]);
    };
    let pattern = rest.strip_prefix(' ').unwrap_or(rest);
    let start = line.chars().count() - pattern.chars().count() + 1;
    if pattern.is_empty() {
        return Err(vec![SourceError::at(
            line_no,
            start,
            "the pattern is empty",
        )]);
    }
    match RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        Ok(_) => Ok(Draft::Regex {
            field,
            pattern: pattern.to_string(),
        }),
        Err(e) => {
            let (offset, message) = regex_error(&e);
            Err(vec![SourceError::at(line_no, start + offset, message)])
        }
    }
}

/// Column offset (0-based, characters) in the pattern and message of a `regex` error.
///
/// The `regex` crate gives a syntax error of a one-line pattern as text: a heading, the
/// pattern indented by four spaces, carets under the bad part, then `error: …`. Without that
/// layout the error sits at the pattern's start and keeps its whole text.
fn regex_error(error: &regex::Error) -> (usize, String) {
    let text = error.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let caret = lines
        .get(2)
        .filter(|l| l.contains('^') && l.chars().all(|c| c == ' ' || c == '^'));
    let message = lines.iter().rev().find_map(|l| l.strip_prefix("error: "));
    match (caret, message) {
        (Some(caret), Some(message)) => {
            let offset = caret.chars().take_while(|c| *c == ' ').count();
            (offset.saturating_sub(4), message.to_string())
        }
        _ => (0, text.lines().last().unwrap_or_default().to_string()),
    }
}

/// Compile an IOK rule's YAML named `name`.
pub fn compile_iok(name: &str, source: &str) -> Result<IokRule, Vec<SourceError>> {
    let rule = iok::parse(name, source).map_err(|e| {
        let (line, column) = iok::syntax_location(source)
            .or_else(|| {
                key_line(source, "condition").filter(|_| e.to_string().contains("condition"))
            })
            .or_else(|| key_line(source, "detection"))
            .unwrap_or((1, 1));
        let message = match &e {
            iok::IokError::Syntax { message, .. } => message.clone(),
            other => other.to_string(),
        };
        vec![SourceError::at(line, column, message)]
    })?;
    CompiledRule::from_iok(0, &rule).map_err(|e| {
        let (key, message) = match &e {
            CompileError::Regex { message, .. } => ("|re", message.clone()),
            CompileError::Condition { message, .. } => ("condition", message.clone()),
            CompileError::Field { .. } => ("detection", e.to_string()),
        };
        let (line, column) = key_line(source, key).unwrap_or((1, 1));
        vec![SourceError::at(line, column, message)]
    })?;
    Ok(rule)
}

/// Line and column of the first line holding `key` (as a YAML key or a modifier).
fn key_line(source: &str, key: &str) -> Option<(usize, usize)> {
    source.lines().enumerate().find_map(|(i, line)| {
        let at = if key.starts_with('|') {
            line.find(key)
        } else {
            let trimmed = line.trim_start();
            let prefix = format!("{key}:");
            trimmed
                .starts_with(&prefix)
                .then(|| line.len() - trimmed.len())
        }?;
        Some((i + 1, line[..at].chars().count() + 1))
    })
}

/// Compile YARA source rule by rule; every broken rule gives one error.
///
/// TODO(rules-editor): the text is compiled on its own, so a rule that uses another stored
/// rule (a rule of an imported file naming an earlier one) is reported as an unknown
/// identifier and cannot be saved from the editor; checking it after the other stored rules
/// needs a compile-without-build entry point in trawl-yara.
fn compile_yara(source: &str) -> Result<Draft, Vec<SourceError>> {
    let check = yara::check_file(source);
    if !check.issues.is_empty() {
        return Err(check
            .issues
            .into_iter()
            .map(|i| SourceError {
                line: i.line,
                column: i.column,
                message: i.message,
                rule: (!i.rule.is_empty()).then_some(i.rule),
            })
            .collect());
    }
    let chunks: Vec<RuleChunk> = check
        .good
        .into_iter()
        .filter(|c| !c.names.is_empty())
        .collect();
    if chunks.is_empty() {
        return Err(vec![SourceError::at(1, 1, "the source declares no rule")]);
    }
    Ok(Draft::Yara {
        text: source.to_string(),
        chunks,
    })
}

/// Try `draft` (a rule of `family`) on one capture, as matching after a capture would, and
/// list what it found (at most [`MAX_TEST_MATCHES`]). Blocking: reads blobs and runs YARA.
pub fn try_on(
    family: RuleFamily,
    draft: &Draft,
    capture: &Capture,
    blobs: &BlobStore,
) -> Vec<TestMatch> {
    let mut found = match draft {
        Draft::Yara { chunks, .. } => try_yara(chunks, capture, blobs),
        Draft::Iok(rule) => {
            let input = MatchInput::from_capture(capture, blobs);
            try_iok(rule, &input)
        }
        Draft::Regex { field, pattern } => {
            let input = MatchInput::from_capture(capture, blobs);
            match family {
                RuleFamily::Alert => try_alert(field, pattern, &input),
                _ => try_signature(field, pattern, &input),
            }
        }
    };
    found.truncate(MAX_TEST_MATCHES);
    found
}

fn try_signature(field: &str, pattern: &str, input: &MatchInput) -> Vec<TestMatch> {
    let Ok(rule) = CompiledRule::from_regex(0, "signature", field, pattern, 0) else {
        return Vec::new();
    };
    let Some(hit) = rule.run(input) else {
        return Vec::new();
    };
    hit.evidence
        .into_iter()
        .map(|e| TestMatch {
            rule: "signature".into(),
            location: e.field.name().into(),
            excerpt: e.excerpt,
        })
        .collect()
}

fn try_alert(field: &str, pattern: &str, input: &MatchInput) -> Vec<TestMatch> {
    let row = AlertRuleRow {
        id: 0,
        name: "alert rule".into(),
        pattern: pattern.to_string(),
        target_field: field.to_string(),
        enabled: true,
    };
    let (rules, _) = alerts::compile(&[row]);
    rules
        .iter()
        .filter_map(|r| r.find(input))
        .map(|(field, excerpt)| TestMatch {
            rule: "alert rule".into(),
            location: field.name().into(),
            excerpt,
        })
        .collect()
}

fn try_iok(rule: &IokRule, input: &MatchInput) -> Vec<TestMatch> {
    let Ok(compiled) = CompiledRule::from_iok(0, rule) else {
        return Vec::new();
    };
    let Some(hit) = compiled.run(input) else {
        return Vec::new();
    };
    if hit.evidence.is_empty() {
        // The condition held through a negation only: nothing positive to show.
        return vec![TestMatch {
            rule: rule.title.clone(),
            location: "condition".into(),
            excerpt: String::new(),
        }];
    }
    hit.evidence
        .into_iter()
        .map(|e| TestMatch {
            rule: rule.title.clone(),
            location: format!("{} ({})", e.field.name(), e.selection),
            excerpt: e.excerpt,
        })
        .collect()
}

fn try_yara(chunks: &[RuleChunk], capture: &Capture, blobs: &BlobStore) -> Vec<TestMatch> {
    let rows: Vec<YaraRuleRow> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| YaraRuleRow {
            id: i as i64 + 1,
            name: c.name.clone(),
            rule_text: c.text.clone(),
            target_field: "any".into(),
            confidence: 0,
            enabled: true,
            source_file: None,
        })
        .collect();
    let rules = YaraRules::compile(&rows);
    let mut out = Vec::new();
    for m in yara::scan_capture(&rules, capture, blobs, 0) {
        let place = match m.subject {
            yara::Subject::Html => m.subject.column().to_string(),
            _ => format!("{} {}", m.subject.column(), m.url),
        };
        if m.strings.is_empty() {
            out.push(TestMatch {
                rule: m.rule.clone(),
                location: place.clone(),
                excerpt: String::new(),
            });
        }
        for s in &m.strings {
            out.push(TestMatch {
                rule: m.rule.clone(),
                location: format!("{place}@{}", s.offset),
                excerpt: format!("{}: {}", s.identifier, s.excerpt),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::capture::CaptureMode;

    fn page(html: &str) -> Capture {
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/", Utc::now());
        capture.final_url = "http://a.test/login".into();
        capture.html_text = Some(html.into());
        capture.headers = vec![("Server".into(), "nginx".into())];
        capture
    }

    #[test]
    fn a_signature_line_compiles_and_round_trips() {
        let draft = compile(RuleFamily::Signature, "html: (?i)verify your account\n").unwrap();
        let Draft::Regex { field, pattern } = draft else {
            panic!("not a regex draft")
        };
        assert_eq!(
            (field, pattern.as_str()),
            ("html", "(?i)verify your account")
        );
        assert_eq!(
            line_source(field, &pattern),
            "html: (?i)verify your account"
        );
    }

    #[test]
    fn regex_errors_point_at_the_bad_part_of_the_pattern() {
        let errors = check(RuleFamily::Signature, "url: ab(cd");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 8), "{errors:?}");
        assert!(errors[0].message.contains("unclosed group"), "{errors:?}");

        let errors = check(RuleFamily::Alert, "\nheaders: x{2,1}");
        assert_eq!(errors[0].line, 2, "{errors:?}");
        assert_eq!(errors[0].column, 11, "{errors:?}");
    }

    #[test]
    fn fields_lines_and_empty_texts_are_checked_per_kind() {
        let unknown = check(RuleFamily::Alert, "asset: x");
        assert!(
            unknown[0].message.contains("unknown field `asset`"),
            "{unknown:?}"
        );
        assert!(check(RuleFamily::Signature, "asset: x").is_empty());

        let no_colon = check(RuleFamily::Signature, "just a pattern");
        assert!(no_colon[0].message.starts_with("expected `field: pattern`"));
        let two = check(RuleFamily::Signature, "html: a\nurl: b");
        assert_eq!((two[0].line, two[0].column), (2, 1));
        let empty = check(RuleFamily::Alert, "url: ");
        assert_eq!(
            (empty[0].column, empty[0].message.as_str()),
            (6, "the pattern is empty")
        );
        assert_eq!(
            check(RuleFamily::Yara, "  \n")[0].message,
            "the rule is empty"
        );
    }

    #[test]
    fn yara_errors_carry_line_column_and_rule_name() {
        let source = "rule ok { condition: true }\n\nrule Kit_Login\n{\n  strings:\n    \
                      $a = \"verify\"\n  condition:\n    $a and $b\n}\n";
        let errors = check(RuleFamily::Yara, source);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].rule.as_deref(), Some("Kit_Login"));
        assert_eq!((errors[0].line, errors[0].column), (8, 12), "{errors:?}");

        let comment_only = check(RuleFamily::Yara, "// nothing here\n");
        assert_eq!(comment_only[0].message, "the source declares no rule");
    }

    #[test]
    fn iok_texts_are_signatures_with_positioned_errors() {
        let good = "title: Kit\ndetection:\n  a:\n    html|contains: kit\n  condition: a\n";
        assert!(matches!(
            compile(RuleFamily::Signature, good),
            Ok(Draft::Iok(_))
        ));

        let bad_condition = good.replace("condition: a", "condition: a and b");
        let errors = check(RuleFamily::Signature, &bad_condition);
        assert_eq!((errors[0].line, errors[0].column), (5, 3), "{errors:?}");
        assert!(errors[0].message.contains("`b`"), "{errors:?}");

        let bad_type = "title: [x]\ndetection:\n  condition: a\n";
        let errors = check(RuleFamily::Signature, bad_type);
        assert_eq!((errors[0].line, errors[0].column), (1, 8), "{errors:?}");
        assert!(errors[0].message.contains("invalid type"), "{errors:?}");
        let unterminated = "title: x\ndetection:\n  a: 'open\n  condition: a\n";
        let errors = check(RuleFamily::Signature, unterminated);
        assert!(errors[0].line >= 3, "{errors:?}");

        let bad_re = good.replace("html|contains: kit", "html|re: 'a(b'");
        let errors = check(RuleFamily::Signature, &bad_re);
        assert_eq!((errors[0].line, errors[0].column), (4, 9), "{errors:?}");
    }

    #[test]
    fn tries_run_the_capture_matchers_on_the_stored_page() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let capture = page("<p>Please verify your account now</p>");

        let sig = compile(RuleFamily::Signature, "html: verify (your) account").unwrap();
        let found = try_on(RuleFamily::Signature, &sig, &capture, &blobs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "html");
        assert!(
            found[0].excerpt.contains("verify your account"),
            "{found:?}"
        );

        let alert = compile(RuleFamily::Alert, "headers: nginx").unwrap();
        let found = try_on(RuleFamily::Alert, &alert, &capture, &blobs);
        assert_eq!(
            (found[0].location.as_str(), found[0].excerpt.as_str()),
            ("headers", "Server: nginx\n")
        );
        let miss = compile(RuleFamily::Alert, "url: paypa1").unwrap();
        assert!(try_on(RuleFamily::Alert, &miss, &capture, &blobs).is_empty());

        let yara_text = "rule Kit { strings: $a = \"verify\" condition: $a }";
        let yara = compile(RuleFamily::Yara, yara_text).unwrap();
        let found = try_on(RuleFamily::Yara, &yara, &capture, &blobs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].rule.as_str(), found[0].location.as_str()),
            ("Kit", "html@10")
        );
        assert_eq!(found[0].excerpt, "$a: verify");
    }

    #[test]
    fn an_iok_try_names_the_selection_that_matched() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let text = "title: Telegram exfil\ndetection:\n  bot:\n    html|contains: api.telegram.org/bot\n  \
                    condition: bot\n";
        let draft = compile(RuleFamily::Signature, text).unwrap();
        let capture = page("<script>fetch('https://api.telegram.org/bot1/send')</script>");
        let found = try_on(RuleFamily::Signature, &draft, &capture, &blobs);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].rule.as_str(), found[0].location.as_str()),
            ("Telegram exfil", "html (bot)")
        );
    }
}
