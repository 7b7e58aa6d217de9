//! Scanning byte slices with a [`CompiledSet`]: which rules matched, and for each the matched
//! strings (identifier, offset, length and a bounded excerpt).
//!
//! A [`SetScanner`] wraps one YARA-X scanner; it is cheap to reuse for many slices and is
//! meant to live on one thread (callers run scans on a blocking pool). Input beyond
//! [`ScanLimits::max_bytes`] is not scanned (the outcome says so) and a scan that runs past
//! [`ScanLimits::timeout`] fails with [`ScanError::Timeout`]; nothing is retried here.

use std::time::Duration;

use crate::compile::CompiledSet;

/// Bounds on one scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanLimits {
    /// Bytes scanned from the start of a slice; the rest is ignored.
    pub max_bytes: usize,
    /// Longest a single scan may run.
    pub timeout: Duration,
    /// Matched strings kept per rule.
    pub max_strings: usize,
    /// Bytes of matched data kept in an excerpt.
    pub excerpt_bytes: usize,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_bytes: 16 << 20,
            timeout: Duration::from_secs(10),
            max_strings: 16,
            excerpt_bytes: 64,
        }
    }
}

/// Why a scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The scan ran past its time limit.
    #[error("YARA scan timed out")]
    Timeout,
    /// The engine failed for another reason.
    #[error("YARA scan failed: {0}")]
    Engine(String),
}

/// One matched string of a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StringHit {
    /// The string's identifier, `$name`.
    pub identifier: String,
    /// Byte offset in the scanned data.
    pub offset: usize,
    /// Length of the match in bytes.
    pub length: usize,
    /// The matched bytes (at most [`ScanLimits::excerpt_bytes`]), non-printable bytes escaped.
    pub excerpt: String,
}

/// A rule that matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleHit {
    /// The rule's identifier.
    pub rule: String,
    /// The id of the source that declared it (see [`CompiledSet::owner`]).
    pub source_id: Option<i64>,
    /// Matched strings, at most [`ScanLimits::max_strings`].
    pub strings: Vec<StringHit>,
}

/// What one scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanOutcome {
    /// Matching rules, in rule order.
    pub hits: Vec<RuleHit>,
    /// Bytes scanned.
    pub scanned: usize,
    /// Whether the input was cut at [`ScanLimits::max_bytes`].
    pub truncated: bool,
}

/// A scanner over a shared [`CompiledSet`], reused across many inputs on one thread.
pub struct SetScanner<'r> {
    set: &'r CompiledSet,
    inner: yara_x::Scanner<'r>,
    limits: ScanLimits,
}

impl CompiledSet {
    /// A scanner for this set, with `limits` on every scan.
    pub fn scanner(&self, limits: ScanLimits) -> SetScanner<'_> {
        let mut inner = yara_x::Scanner::new(&self.rules);
        inner.set_timeout(limits.timeout);
        SetScanner {
            set: self,
            inner,
            limits,
        }
    }
}

impl SetScanner<'_> {
    /// Scan `data` (up to the byte limit).
    pub fn scan(&mut self, data: &[u8]) -> Result<ScanOutcome, ScanError> {
        let truncated = data.len() > self.limits.max_bytes;
        let data = &data[..data.len().min(self.limits.max_bytes)];
        let limits = self.limits;
        let set = self.set;
        let results = self.inner.scan(data).map_err(|e| match e {
            yara_x::errors::ScanError::Timeout => ScanError::Timeout,
            other => ScanError::Engine(other.to_string()),
        })?;
        let hits = results
            .matching_rules()
            .map(|rule| {
                let mut strings = Vec::new();
                for pattern in rule.patterns() {
                    for m in pattern.matches() {
                        if strings.len() >= limits.max_strings {
                            break;
                        }
                        let range = m.range();
                        let end = range.end.min(range.start + limits.excerpt_bytes);
                        strings.push(StringHit {
                            identifier: pattern.identifier().to_string(),
                            offset: range.start,
                            length: range.len(),
                            excerpt: printable(&data[range.start..end]),
                        });
                    }
                }
                RuleHit {
                    rule: rule.identifier().to_string(),
                    source_id: set.owner(rule.identifier()),
                    strings,
                }
            })
            .collect();
        Ok(ScanOutcome {
            hits,
            scanned: data.len(),
            truncated,
        })
    }
}

/// `bytes` as text: printable ASCII kept, everything else as `\xNN`.
fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::RuleSource;

    fn set(text: &str) -> CompiledSet {
        let (set, issues) = CompiledSet::compile(&[RuleSource {
            id: 7,
            name: "r",
            text,
        }]);
        assert!(issues.is_empty(), "{issues:?}");
        set
    }

    #[test]
    fn matches_report_rule_strings_offsets_and_excerpts() {
        let set =
            set("rule kit { strings: $a = \"next.php\" $b = { 00 ff } condition: all of them }");
        let mut scanner = set.scanner(ScanLimits::default());
        let out = scanner.scan(b"post to next.php\x00\xff").unwrap();
        assert_eq!(out.hits.len(), 1);
        let hit = &out.hits[0];
        assert_eq!((hit.rule.as_str(), hit.source_id), ("kit", Some(7)));
        assert_eq!(hit.strings[0].identifier, "$a");
        assert_eq!((hit.strings[0].offset, hit.strings[0].length), (8, 8));
        assert_eq!(hit.strings[0].excerpt, "next.php");
        assert_eq!(hit.strings[1].excerpt, "\\x00\\xff");
        assert!(scanner.scan(b"nothing here").unwrap().hits.is_empty());
    }

    #[test]
    fn input_past_the_byte_limit_is_not_scanned() {
        let set = set("rule tail { strings: $a = \"needle\" condition: $a }");
        let limits = ScanLimits {
            max_bytes: 10,
            ..ScanLimits::default()
        };
        let mut scanner = set.scanner(limits);
        let out = scanner.scan(b"0123456789 needle").unwrap();
        assert!(out.truncated);
        assert_eq!(out.scanned, 10);
        assert!(out.hits.is_empty());
    }

    #[test]
    fn kept_strings_and_excerpts_are_bounded() {
        let set = set("rule many { strings: $a = \"ab\" condition: #a > 3 }");
        let limits = ScanLimits {
            max_strings: 2,
            excerpt_bytes: 1,
            ..ScanLimits::default()
        };
        let out = set.scanner(limits).scan(b"ab ab ab ab ab").unwrap();
        assert_eq!(out.hits[0].strings.len(), 2);
        assert_eq!(out.hits[0].strings[1].excerpt, "a");
        assert_eq!(out.hits[0].strings[1].length, 2);
    }
}
