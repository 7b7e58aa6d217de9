//! IOK (Indicator of Kit) rule files: Sigma-style YAML read into [`IokRule`].
//!
//! This module owns the file format only: the rule's identity (its file stem, as IOK's
//! `related: - id:` entries name rules), title, references, level and tags, its detection
//! selections and its condition text. Which fields Trawl can evaluate, and how, is decided by
//! [`super::signature`]. A file that is not valid YAML or lacks `detection`/`condition` is an
//! [`IokError`]; the caller reports it and goes on with the other files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why a rule file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IokError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not YAML of the expected shape.
    #[error("{name}: {message}")]
    Syntax { name: String, message: String },
}

/// How a field's value is compared (a Sigma modifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// No modifier: the whole value, case-insensitive.
    Equals,
    /// `|contains`, case-insensitive.
    Contains,
    /// `|startswith`, case-insensitive.
    StartsWith,
    /// `|endswith`, case-insensitive.
    EndsWith,
    /// `|re`: a regular expression (case-sensitive unless it says otherwise).
    Regex,
}

/// One `field|modifiers: value(s)` line of a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTest {
    /// The IOK field name (`html`, `js`, `requests`, …).
    pub field: String,
    /// How values are compared.
    pub operator: Operator,
    /// `|all`: every value must match (otherwise any one is enough).
    pub all: bool,
    /// The values to look for.
    pub values: Vec<String>,
}

/// A named selection: alternatives (a YAML list of maps) of tests that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Any alternative matching makes the selection match; inside one, every test must.
    pub alternatives: Vec<Vec<FieldTest>>,
}

/// One IOK rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct IokRule {
    /// The file stem (`httrack` for `httrack.yml`): IOK's rule id.
    pub name: String,
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: Option<String>,
    /// `references` (URLs).
    pub references: Vec<String>,
    /// Sigma `level`, when given.
    pub level: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// Selections by name.
    pub selections: BTreeMap<String, Selection>,
    /// The `condition` expression.
    pub condition: String,
    /// The YAML text the rule was read from (stored as the signature's pattern).
    pub text: String,
}

#[derive(Deserialize)]
struct RawRule {
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    level: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    detection: BTreeMap<String, serde_norway::Value>,
}

/// Parse the YAML `text` of the rule named `name`.
pub fn parse(name: &str, text: &str) -> Result<IokRule, IokError> {
    let syntax = |message: String| IokError::Syntax {
        name: name.to_string(),
        message,
    };
    let raw: RawRule = serde_norway::from_str(text).map_err(|e| syntax(e.to_string()))?;
    let mut detection = raw.detection;
    let condition = match detection.remove("condition") {
        Some(serde_norway::Value::String(c)) => c,
        Some(_) => return Err(syntax("condition is not a string".into())),
        None => return Err(syntax("detection has no condition".into())),
    };
    let mut selections = BTreeMap::new();
    for (key, value) in detection {
        let selection = parse_selection(&value).map_err(|m| syntax(format!("{key}: {m}")))?;
        selections.insert(key, selection);
    }
    Ok(IokRule {
        name: name.to_string(),
        title: raw.title.unwrap_or_else(|| name.to_string()),
        description: raw.description.map(|d| d.trim().to_string()),
        references: raw.references,
        level: raw.level,
        tags: raw.tags,
        selections,
        condition,
        text: text.to_string(),
    })
}

/// Where the YAML of `text` stops reading as a rule file (1-based line and column), when the
/// YAML parser can tell; `None` when it reads or the error has no position.
pub fn syntax_location(text: &str) -> Option<(usize, usize)> {
    let error = serde_norway::from_str::<RawRule>(text).err()?;
    error.location().map(|l| (l.line(), l.column()))
}

fn parse_selection(value: &serde_norway::Value) -> Result<Selection, String> {
    use serde_norway::Value;
    let alternatives = match value {
        Value::Mapping(map) => vec![parse_tests(map)?],
        Value::Sequence(items) => items
            .iter()
            .map(|item| match item {
                Value::Mapping(map) => parse_tests(map),
                _ => Err("a selection list must hold maps of field tests".to_string()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("a selection must be a map of field tests".into()),
    };
    Ok(Selection { alternatives })
}

fn parse_tests(map: &serde_norway::Mapping) -> Result<Vec<FieldTest>, String> {
    let mut tests = Vec::new();
    for (key, value) in map {
        let key = key.as_str().ok_or("a field name must be a string")?;
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default().trim().to_string();
        let mut operator = Operator::Equals;
        let mut all = false;
        for modifier in parts {
            match modifier.trim() {
                "contains" => operator = Operator::Contains,
                "startswith" => operator = Operator::StartsWith,
                "endswith" => operator = Operator::EndsWith,
                "re" => operator = Operator::Regex,
                "all" => all = true,
                other => return Err(format!("unsupported modifier `{other}` on {field}")),
            }
        }
        tests.push(FieldTest {
            field,
            operator,
            all,
            values: scalars(value)?,
        });
    }
    Ok(tests)
}

fn scalars(value: &serde_norway::Value) -> Result<Vec<String>, String> {
    use serde_norway::Value;
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("a value must be a string or a list of strings".to_string()),
    };
    match value {
        Value::Sequence(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// Read every `*.yml`/`*.yaml` file of `dir`, sorted by name. Each file gives its rule or
/// the error that stopped it.
pub fn read_dir(dir: &Path) -> Result<Vec<Result<IokRule, IokError>>, IokError> {
    let io = |path: &Path, source| IokError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    paths.sort();
    Ok(paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("rule");
            parse(name, &text)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECAPTCHA: &str = r#"
title: reCAPTCHA
description: Some are using reCAPTCHA.
references:
  - https://example.test/recaptcha
detection:
  buttonElement:
    html|contains|all:
      - "g-recaptcha"
      - "data-sitekey"
  programmaticInvoke:
    js|contains:
      - "grecaptcha.execute("
  condition: buttonElement or programmaticInvoke
tags:
  - anti-analysis
"#;

    #[test]
    fn a_rule_keeps_its_name_references_selections_and_condition() {
        let rule = parse("recaptcha", RECAPTCHA).unwrap();
        assert_eq!(rule.name, "recaptcha");
        assert_eq!(rule.title, "reCAPTCHA");
        assert_eq!(rule.references, vec!["https://example.test/recaptcha"]);
        assert_eq!(rule.tags, vec!["anti-analysis"]);
        assert_eq!(rule.condition, "buttonElement or programmaticInvoke");

        let button = &rule.selections["buttonElement"].alternatives[0][0];
        assert_eq!(button.field, "html");
        assert_eq!(button.operator, Operator::Contains);
        assert!(button.all);
        assert_eq!(button.values, vec!["g-recaptcha", "data-sitekey"]);
        let invoke = &rule.selections["programmaticInvoke"].alternatives[0][0];
        assert_eq!(invoke.field, "js");
        assert!(!invoke.all);
    }

    #[test]
    fn plain_regex_and_equality_tests_are_read() {
        let text = "title: t\ndetection:\n  a:\n    html|re: 'x{2}'\n  b:\n    hostname: a.test\n  \
                    condition: a and not b\n";
        let rule = parse("t", text).unwrap();
        assert_eq!(
            rule.selections["a"].alternatives[0][0].operator,
            Operator::Regex
        );
        assert_eq!(
            rule.selections["b"].alternatives[0][0].operator,
            Operator::Equals
        );
        assert_eq!(
            rule.selections["b"].alternatives[0][0].values,
            vec!["a.test"]
        );
    }

    #[test]
    fn a_rule_without_condition_or_with_an_unknown_modifier_is_an_error() {
        let missing = parse("m", "title: m\ndetection:\n  a:\n    html: x\n").unwrap_err();
        assert!(missing.to_string().contains("no condition"), "{missing}");

        let text = "title: u\ndetection:\n  a:\n    html|base64: x\n  condition: a\n";
        let unknown = parse("u", text).unwrap_err();
        assert!(unknown.to_string().contains("base64"), "{unknown}");
    }
}
