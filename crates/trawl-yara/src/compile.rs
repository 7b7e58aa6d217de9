//! Compiling stored YARA rules into one shared [`CompiledSet`], and checking a rule file
//! before it is imported.
//!
//! Every source is added to one namespace in order, so a rule may use rules added before it.
//! A source that fails to compile is reported as a [`CompileIssue`] (rule name, line, column,
//! message) and left out; the others still build. Includes are always disabled: rules come
//! from analysts and imported files, never from the file system.

use std::collections::HashMap;

use crate::split::{RuleChunk, split_rules};

/// One stored rule source: a row id, its name and its text (one or more rules).
#[derive(Debug, Clone, Copy)]
pub struct RuleSource<'a> {
    /// The row's id (reported back with matches and errors).
    pub id: i64,
    /// The row's name.
    pub name: &'a str,
    /// YARA source text.
    pub text: &'a str,
}

/// Why a rule source was left out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompileIssue {
    /// The source's id ([`RuleSource::id`], or the chunk index for a file check).
    pub rule_id: i64,
    /// The rule's name.
    pub rule: String,
    /// 1-based line of the error in the source text.
    pub line: usize,
    /// 1-based column (in characters) of the error.
    pub column: usize,
    /// The compiler's message.
    pub message: String,
}

impl std::fmt::Display for CompileIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} (rule {})",
            self.line, self.column, self.message, self.rule
        )
    }
}

/// YARA rules compiled once and shared (behind an `Arc`) by every scanning thread.
pub struct CompiledSet {
    pub(crate) rules: yara_x::Rules,
    /// Rule identifier → the id of the source that declared it.
    pub(crate) owners: HashMap<String, i64>,
}

impl std::fmt::Debug for CompiledSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSet")
            .field("rules", &self.owners.len())
            .finish()
    }
}

impl CompiledSet {
    /// Compile `sources` in order; the sources that fail are returned as issues.
    pub fn compile(sources: &[RuleSource<'_>]) -> (CompiledSet, Vec<CompileIssue>) {
        let mut compiler = new_compiler();
        let mut owners = HashMap::new();
        let mut issues = Vec::new();
        for source in sources {
            match compiler.add_source(source.text) {
                Ok(_) => {
                    for chunk in split_rules(source.text) {
                        for name in chunk.names {
                            owners.insert(name, source.id);
                        }
                    }
                }
                Err(e) => issues.push(issue(source.id, source.name, source.text, &e)),
            }
        }
        let rules = compiler.build();
        (CompiledSet { rules, owners }, issues)
    }

    /// Number of rules in the set (private ones included).
    pub fn len(&self) -> usize {
        self.rules.iter().len()
    }

    /// Whether the set holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of the source that declared rule `identifier`.
    pub fn owner(&self, identifier: &str) -> Option<i64> {
        self.owners.get(identifier).copied()
    }
}

/// A file checked rule by rule: the chunks that compile and the errors of the others, with
/// file lines and columns.
#[derive(Debug, Clone)]
pub struct FileCheck {
    /// Chunks that compiled, in file order.
    pub good: Vec<RuleChunk>,
    /// Errors of the chunks left out, positioned in the file.
    pub issues: Vec<CompileIssue>,
}

/// Split `text` (a rule file) into rules and compile them in order, as an import would.
pub fn check_file(text: &str) -> FileCheck {
    let mut compiler = new_compiler();
    let mut check = FileCheck {
        good: Vec::new(),
        issues: Vec::new(),
    };
    for (index, chunk) in split_rules(text).into_iter().enumerate() {
        match compiler.add_source(chunk.text.as_str()) {
            Ok(_) => check.good.push(chunk),
            Err(e) => {
                let mut found = issue(index as i64, &chunk.name, &chunk.text, &e);
                (found.line, found.column) = chunk.file_position(found.line, found.column);
                check.issues.push(found);
            }
        }
    }
    check
}

fn new_compiler() -> yara_x::Compiler<'static> {
    let mut compiler = yara_x::Compiler::new();
    compiler.enable_includes(false);
    compiler
}

/// The first label of `error`, positioned in `text`.
fn issue(id: i64, name: &str, text: &str, error: &yara_x::errors::CompileError) -> CompileIssue {
    let label = error.labels().next();
    let at = label.as_ref().map_or(0, |l| l.span().start());
    let (line, column) = line_column(text, at);
    let detail = label.map(|l| l.text().to_string()).unwrap_or_default();
    let message = match detail.is_empty() || detail == error.title() {
        true => error.title().to_string(),
        false => format!("{}: {detail}", error.title()),
    };
    CompileIssue {
        rule_id: id,
        rule: name.to_string(),
        line,
        column,
        message,
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..at].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_rule_is_reported_with_its_position_and_the_others_still_build() {
        let good = "rule good { strings: $a = \"kit\" condition: $a }";
        let bad = "rule bad {\n  strings:\n    $a = \"x\"\n  condition:\n    $a and and\n}";
        let sources = [
            RuleSource {
                id: 1,
                name: "good",
                text: good,
            },
            RuleSource {
                id: 2,
                name: "bad",
                text: bad,
            },
        ];
        let (set, issues) = CompiledSet::compile(&sources);
        assert_eq!(set.len(), 1);
        assert_eq!(set.owner("good"), Some(1));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].rule, "bad");
        assert_eq!(issues[0].rule_id, 2);
        assert_eq!(issues[0].line, 5, "{issues:?}");
        assert!(issues[0].message.contains("syntax error"), "{issues:?}");
    }

    #[test]
    fn a_file_check_keeps_good_rules_and_positions_errors_in_the_file() {
        let file = "import \"hash\"\nrule one { condition: true }\n\nrule two {\n  \
                    condition: undefined_thing\n}\nrule three { condition: one }\n";
        let check = check_file(file);
        let good: Vec<&str> = check.good.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(good, vec!["one", "three"]);
        assert_eq!(check.issues.len(), 1);
        let issue = &check.issues[0];
        assert_eq!(
            (issue.rule.as_str(), issue.line, issue.column),
            ("two", 5, 14)
        );
        assert!(issue.message.contains("unknown identifier"), "{issue:?}");
    }

    #[test]
    fn includes_are_refused() {
        let check = check_file("include \"/etc/passwd\"\nrule r { condition: true }\n");
        assert!(!check.issues.is_empty());
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("ab\ncdé f", 8), (2, 5));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}
