//! Compiled signatures: IOK rules and analysts' regular expressions as one kind of rule, a
//! boolean condition over selections of field tests, run on a [`MatchInput`].
//!
//! Every test compiles to a `regex` crate expression (linear time, no backtracking): plain
//! IOK values become escaped, case-insensitive literals. A field Trawl does not capture makes
//! its selection never match and is listed in [`CompiledRule::unsupported`], so importers
//! report it; the rule still runs on the fields it can see. A match is `verified` when the
//! rule used only supported fields.

use regex::{Regex, RegexBuilder};
use serde::Serialize;

use super::condition::{self, Condition};
use super::iok::{IokRule, Operator};
use super::matcher::MatchInput;

/// Largest compiled program of one test (the `regex` crate's size limit).
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;
/// Characters of context kept either side of a match in its evidence.
const EVIDENCE_CONTEXT: usize = 40;

/// A field of the capture a test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The final document as text (IOK `html`; `dom` is the rendered DOM when there is one).
    Html,
    /// The rendered DOM (full mode), else the document.
    Dom,
    /// Each `<title>` of the document.
    Title,
    /// Inline scripts and the bodies of script assets.
    Js,
    /// Inline styles and the bodies of stylesheet assets.
    Css,
    /// Response header lines of the final document, `Name: value`.
    Headers,
    /// `Set-Cookie` values of the final document.
    Cookies,
    /// The final URL and every URL of the redirect chain.
    Url,
    /// The final URL's host.
    Hostname,
    /// URLs of every asset the page requested.
    Requests,
    /// Asset URLs and the bodies of scripts and stylesheets (the `asset` signature field).
    Asset,
}

impl Field {
    /// The field for an IOK field name, `None` when Trawl does not capture it.
    pub fn from_iok(name: &str) -> Option<Field> {
        Some(match name {
            "html" => Field::Html,
            "dom" => Field::Dom,
            "title" => Field::Title,
            "js" => Field::Js,
            "css" => Field::Css,
            "headers" => Field::Headers,
            "cookies" => Field::Cookies,
            "url" => Field::Url,
            "hostname" => Field::Hostname,
            "requests" => Field::Requests,
            _ => return None,
        })
    }

    /// The field's name, as IOK rules and the signature columns spell it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Html => "html",
            Field::Dom => "dom",
            Field::Title => "title",
            Field::Js => "js",
            Field::Css => "css",
            Field::Headers => "headers",
            Field::Cookies => "cookies",
            Field::Url => "url",
            Field::Hostname => "hostname",
            Field::Requests => "requests",
            Field::Asset => "asset",
        }
    }

    /// The `signatures.target_field` value this field is filed under.
    pub fn column(self) -> &'static str {
        match self {
            Field::Html | Field::Dom | Field::Title => "html",
            Field::Headers | Field::Cookies => "headers",
            Field::Url | Field::Hostname => "url",
            Field::Js | Field::Css | Field::Requests | Field::Asset => "asset",
        }
    }
}

/// Why a rule could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A `|re` value or a user pattern is not a valid regular expression.
    #[error("{rule}: bad regular expression: {message}")]
    Regex { rule: String, message: String },
    /// The condition does not parse.
    #[error("{rule}: {message}")]
    Condition { rule: String, message: String },
    /// A user signature names a field outside html, headers, url, asset.
    #[error("{rule}: unknown field `{field}` (html, headers, url or asset)")]
    Field { rule: String, field: String },
}

/// One compiled test: a field and its expressions.
#[derive(Debug, Clone)]
struct Test {
    field: Option<Field>,
    all: bool,
    patterns: Vec<Regex>,
}

/// One piece of evidence: which selection matched on which field, and the text around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The selection's name.
    pub selection: String,
    /// The field it matched on.
    pub field: Field,
    /// The matched text with some context.
    pub excerpt: String,
}

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The signature's database id (0 before it is stored).
    pub id: i64,
    /// Rule name (IOK file stem, or the analyst's name).
    pub name: String,
    /// Confidence of a verified match, 0–100.
    pub confidence: i32,
    /// Field names the rule uses that Trawl does not capture.
    pub unsupported: Vec<String>,
    selection_names: Vec<String>,
    selections: Vec<Vec<Vec<Test>>>,
    condition: Condition,
}

/// The outcome of a rule that matched.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMatch {
    /// The signature's id.
    pub signature_id: i64,
    /// The rule's name.
    pub name: String,
    /// Every field the rule uses was captured and evaluated.
    pub verified: bool,
    /// 0–100.
    pub confidence: i32,
    /// Positive selections that matched, with what they saw.
    pub evidence: Vec<Evidence>,
}

/// Confidence of an IOK rule's matches: its Sigma `level`, else 70 for kit rules and 50 for
/// technique rules (anti-analysis, cloning, cloaking).
pub fn iok_confidence(rule: &IokRule) -> i32 {
    match rule.level.as_deref() {
        Some("critical") => 95,
        Some("high") => 80,
        Some("medium") => 60,
        Some("low") => 40,
        Some("informational") => 20,
        _ if rule.tags.iter().any(|t| t == "kit") => 70,
        _ => 50,
    }
}

fn literal(operator: Operator, value: &str) -> String {
    let escaped = regex::escape(value);
    match operator {
        Operator::Equals => format!("(?i)^{escaped}$"),
        Operator::Contains => format!("(?i){escaped}"),
        Operator::StartsWith => format!("(?i)^{escaped}"),
        Operator::EndsWith => format!("(?i){escaped}$"),
        Operator::Regex => value.to_string(),
    }
}

fn build(rule: &str, pattern: &str) -> Result<Regex, CompileError> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| CompileError::Regex {
            rule: rule.to_string(),
            message: e.to_string(),
        })
}

impl CompiledRule {
    /// Compile an IOK rule.
    pub fn from_iok(id: i64, rule: &IokRule) -> Result<CompiledRule, CompileError> {
        let mut unsupported = Vec::new();
        let mut names = Vec::new();
        let mut selections = Vec::new();
        for (name, selection) in &rule.selections {
            let mut alternatives = Vec::new();
            for tests in &selection.alternatives {
                let mut compiled = Vec::new();
                for test in tests {
                    let field = Field::from_iok(&test.field);
                    if field.is_none() && !unsupported.contains(&test.field) {
                        unsupported.push(test.field.clone());
                    }
                    let patterns = test
                        .values
                        .iter()
                        .map(|v| build(&rule.name, &literal(test.operator, v)))
                        .collect::<Result<_, _>>()?;
                    compiled.push(Test {
                        field,
                        all: test.all,
                        patterns,
                    });
                }
                alternatives.push(compiled);
            }
            names.push(name.clone());
            selections.push(alternatives);
        }
        let condition = condition::parse(&rule.condition, &names).map_err(|message| {
            CompileError::Condition {
                rule: rule.name.clone(),
                message,
            }
        })?;
        Ok(CompiledRule {
            id,
            name: rule.name.clone(),
            confidence: iok_confidence(rule),
            unsupported,
            selection_names: names,
            selections,
            condition,
        })
    }

    /// Compile an analyst's regular expression on `field` (html, headers, url or asset).
    pub fn from_regex(
        id: i64,
        name: &str,
        field: &str,
        pattern: &str,
        confidence: i32,
    ) -> Result<CompiledRule, CompileError> {
        let field = match field {
            "html" => Field::Html,
            "headers" => Field::Headers,
            "url" => Field::Url,
            "asset" => Field::Asset,
            other => {
                return Err(CompileError::Field {
                    rule: name.to_string(),
                    field: other.to_string(),
                });
            }
        };
        let test = Test {
            field: Some(field),
            all: false,
            patterns: vec![build(name, pattern)?],
        };
        Ok(CompiledRule {
            id,
            name: name.to_string(),
            confidence: confidence.clamp(0, 100),
            unsupported: Vec::new(),
            selection_names: vec![field.column().to_string()],
            selections: vec![vec![vec![test]]],
            condition: Condition::Selection(0),
        })
    }

    /// Run the rule on `input`: `Some` with its evidence when the condition holds.
    pub fn run(&self, input: &MatchInput) -> Option<RuleMatch> {
        let mut evidence: Vec<Option<Evidence>> = Vec::new();
        let matched: Vec<bool> = self
            .selections
            .iter()
            .enumerate()
            .map(|(i, alternatives)| {
                let found = alternatives
                    .iter()
                    .find_map(|tests| run_all(tests, input, &self.selection_names[i]));
                let hit = found.is_some();
                evidence.push(found);
                hit
            })
            .collect();
        if !self.condition.eval(&matched) {
            return None;
        }
        let mut positive = Vec::new();
        self.condition.positive(&mut positive);
        positive.sort_unstable();
        positive.dedup();
        let evidence = positive
            .into_iter()
            .filter_map(|i| evidence[i].take())
            .collect();
        let verified = self.unsupported.is_empty();
        Some(RuleMatch {
            signature_id: self.id,
            name: self.name.clone(),
            verified,
            confidence: if verified {
                self.confidence
            } else {
                self.confidence / 2
            },
            evidence,
        })
    }
}

/// Every test of one alternative holds: the evidence of its first test.
fn run_all(tests: &[Test], input: &MatchInput, selection: &str) -> Option<Evidence> {
    let mut first = None;
    for test in tests {
        let field = test.field?;
        let texts = input.texts(field);
        let mut hits = test
            .patterns
            .iter()
            .map(|re| texts.iter().find_map(|t| re.find(t).map(|m| excerpt(t, m))));
        let hit = match test.all {
            true => hits.try_fold(None, |acc: Option<String>, h| h.map(|h| acc.or(Some(h))))?,
            false => hits.find_map(|h| h),
        }?;
        first.get_or_insert(Evidence {
            selection: selection.to_string(),
            field,
            excerpt: hit,
        });
    }
    first
}

/// The match `m` in `text` with `EVIDENCE_CONTEXT` characters of context either side.
pub(crate) fn excerpt(text: &str, m: regex::Match<'_>) -> String {
    let mut start = m.start().saturating_sub(EVIDENCE_CONTEXT);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (m.end() + EVIDENCE_CONTEXT).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text[start..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::iok;

    fn input(html: &str, js: &[&str]) -> MatchInput {
        MatchInput {
            html: html.to_string(),
            scripts: js.iter().map(|s| s.to_string()).collect(),
            ..MatchInput::default()
        }
    }

    const HTTRACK: &str = "title: HTTrack\ndetection:\n  copyrightNotice:\n    \
        html|contains|all:\n      - \"<!-- Mirrored from \"\n      - \
        \"by HTTrack Website Copier/3.x [XR&CO'2014]\"\n  condition: copyrightNotice\n";

    #[test]
    fn contains_all_needs_every_value_and_ignores_case() {
        let rule = iok::parse("httrack", HTTRACK).unwrap();
        let compiled = CompiledRule::from_iok(1, &rule).unwrap();
        let hit = "<!-- mirrored from x by HTTrack Website Copier/3.x [XR&CO'2014], -->";
        let m = compiled.run(&input(hit, &[])).expect("match");
        assert!(m.verified);
        assert_eq!(m.evidence[0].field, Field::Html);
        assert!(m.evidence[0].excerpt.contains("mirrored"));

        let newer = "<!-- Mirrored from x by HTTrack Website Copier/3.x [XR&CO'2017] -->";
        assert!(compiled.run(&input(newer, &[])).is_none());
    }

    #[test]
    fn js_tests_read_scripts_not_the_document() {
        let text = "title: r\ndetection:\n  invoke:\n    js|contains:\n      - \
                    'grecaptcha.render('\n  condition: invoke\n";
        let compiled = CompiledRule::from_iok(1, &iok::parse("r", text).unwrap()).unwrap();
        assert!(compiled.run(&input("grecaptcha.render(", &[])).is_none());
        assert!(
            compiled
                .run(&input("", &["x; grecaptcha.render(a)"]))
                .is_some()
        );
    }

    #[test]
    fn unsupported_fields_are_listed_and_matches_are_unverified() {
        let text = "title: c\ndetection:\n  a:\n    html|contains: kit\n  b:\n    \
                    certificate|contains: x\n  condition: a or b\n";
        let compiled = CompiledRule::from_iok(1, &iok::parse("c", text).unwrap()).unwrap();
        assert_eq!(compiled.unsupported, vec!["certificate"]);
        let m = compiled.run(&input("a KIT page", &[])).unwrap();
        assert!(!m.verified);
        assert_eq!(m.confidence, 25);
    }

    #[test]
    fn a_negated_selection_vetoes_the_match() {
        let text = "title: k\ndetection:\n  page:\n    html|contains: '404'\n  nginx:\n    \
                    headers|contains: nginx\n  condition: page and not nginx\n";
        let compiled = CompiledRule::from_iok(1, &iok::parse("k", text).unwrap()).unwrap();
        let mut served = input("<h1>404</h1>", &[]);
        assert!(compiled.run(&served).is_some());
        served.headers = "Server: nginx/1.2\n".into();
        assert!(compiled.run(&served).is_none());
    }

    #[test]
    fn user_regexes_compile_per_field_and_bad_ones_are_errors() {
        let rule = CompiledRule::from_regex(3, "kit", "url", r"/wp-[a-z]+/.*\.php$", 60).unwrap();
        let mut page = input("", &[]);
        page.urls = vec!["http://a.test/wp-admin/x/login.php".into()];
        assert!(rule.run(&page).is_some());

        let bad = CompiledRule::from_regex(4, "bad", "html", "(unclosed", 60).unwrap_err();
        assert!(bad.to_string().contains("bad regular expression"), "{bad}");
        assert!(CompiledRule::from_regex(5, "f", "dns", "x", 60).is_err());
    }
}
