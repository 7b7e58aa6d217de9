//! URL-list input: turns a dropped or named file into normalised, deduplicated URLs.
//!
//! This module owns reading a list (plain text, CSV, JSON array or JSON lines, detected from the
//! content), normalising each candidate ([`normalize_url`], [`refang()`]), deduplicating by the
//! exact normalised string (fragments included: kits carry victim tokens there), and reporting
//! every line it did not take, with its 1-based physical line number and a reason. It does not
//! read files or queue jobs: callers (the CLI, the desktop app) pass bytes and decide what to do
//! with the result.
//!
//! Error policy: a bad line is data (a [`RejectedLine`]), never an error. Only list-level
//! problems fail [`parse_list`]: too large, too many entries, not text, or a JSON array whose
//! structure is broken.

mod delimited;
mod formats;
mod normalize;
mod refang;

use std::collections::HashMap;

use serde::Serialize;
use thiserror::Error;

pub use normalize::{MAX_URL_BYTES, NormalizedUrl, normalize_url};
pub use refang::refang;

/// Largest input accepted by [`parse_list`], in bytes (50 MiB).
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;

/// Most entries (accepted, rejected and duplicate lines together) in one list.
pub const MAX_URLS: usize = 1_000_000;

/// Longest original text kept in a [`RejectedLine`], in characters.
pub const MAX_REJECTED_TEXT_CHARS: usize = 200;

/// The format a list was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    /// One URL per line; blank lines and `#` comments ignored.
    Text,
    /// Comma-, tab- or semicolon-separated, with the URL column found by name or content.
    Csv,
    /// A JSON array of strings or of objects with a URL field.
    Json,
    /// One JSON string or object per line.
    JsonLines,
}

/// The result of reading one list.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedList {
    /// The format detected from the content.
    pub format: ListFormat,
    /// Unique URLs in input order.
    pub accepted: Vec<InputUrl>,
    /// Lines that carried something other than a usable web URL.
    pub rejected: Vec<RejectedLine>,
    /// Lines whose URL normalised to one already accepted.
    pub duplicates: Vec<DuplicateLine>,
}

/// One accepted URL.
#[derive(Debug, Clone, Serialize)]
pub struct InputUrl {
    /// Normalised URL (web scheme, lowercase punycode host, fragment kept).
    #[serde(serialize_with = "serialize_url")]
    pub url: url::Url,
    /// The URL with an internationalised host in Unicode, for display only.
    pub display: String,
    /// 1-based line where the entry starts.
    pub line: usize,
}

/// One line that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedLine {
    /// 1-based line where the entry starts.
    pub line: usize,
    /// The original text, cut to [`MAX_REJECTED_TEXT_CHARS`] characters (an ellipsis marks a cut).
    pub text: String,
    /// A short reason for a person, e.g. "unsupported scheme `file:`" or "not a URL".
    pub reason: String,
}

/// One line whose URL was already accepted from an earlier line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateLine {
    /// 1-based line of the duplicate.
    pub line: usize,
    /// 1-based line of the accepted first occurrence.
    pub first_line: usize,
    /// The normalised URL both lines share.
    pub url: String,
}

/// Why a whole list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("the list is {size} bytes; the limit is {max} bytes")]
    TooLarge { size: usize, max: usize },
    /// The list has more than [`MAX_URLS`] entries.
    #[error("the list has more than {max} entries; split it into smaller lists")]
    TooManyUrls { max: usize },
    /// More than 1% of the decoded characters are invalid UTF-8 or NUL.
    #[error("not a text file ({bad} of {total} characters are invalid UTF-8 or NUL)")]
    NotText { bad: usize, total: usize },
    /// The content starts as a JSON array but its structure is broken.
    #[error("malformed JSON array at line {line}: {message}")]
    MalformedJson { line: usize, message: String },
}

/// Reads a URL list: detects its format, normalises and deduplicates every candidate.
///
/// The bytes are decoded as UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured and dropped);
/// invalid sequences are replaced, and input where more than 1% of characters are replacements
/// or NUL is refused as not text. CRLF line ends are accepted everywhere.
pub fn parse_list(bytes: &[u8]) -> Result<ParsedList, InputError> {
    parse_with_limit(bytes, MAX_URLS)
}

/// [`parse_list`] with a different entry cap (tests use a small one).
fn parse_with_limit(bytes: &[u8], max_entries: usize) -> Result<ParsedList, InputError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge {
            size: bytes.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let text = decode_text(bytes)?;

    let plan = formats::detect(&text)?;
    let mut collector = Collector {
        max_entries,
        ..Collector::default()
    };
    let format = formats::read(&text, plan, &mut collector)?;
    Ok(ParsedList {
        format,
        accepted: collector.accepted,
        rejected: collector.rejected,
        duplicates: collector.duplicates,
    })
}

/// Decodes bytes as text, or refuses them as binary.
fn decode_text(bytes: &[u8]) -> Result<String, InputError> {
    // `decode` sniffs and strips a UTF-8 or UTF-16 BOM and replaces invalid sequences.
    let (text, _, _) = encoding_rs::UTF_8.decode(bytes);
    let total = text.chars().count();
    let bad = text
        .chars()
        .filter(|c| matches!(c, '\u{FFFD}' | '\0'))
        .count();
    if bad * 100 > total {
        return Err(InputError::NotText { bad, total });
    }
    Ok(text.into_owned())
}

/// Receives candidates from the format readers: normalises, deduplicates, enforces the cap.
#[derive(Debug, Default)]
struct Collector {
    accepted: Vec<InputUrl>,
    rejected: Vec<RejectedLine>,
    duplicates: Vec<DuplicateLine>,
    /// Normalised URL → line of its first occurrence.
    first_seen: HashMap<String, usize>,
    /// Entries allowed before [`InputError::TooManyUrls`].
    max_entries: usize,
}

impl Collector {
    /// Takes one URL candidate found at `line`; `source` is the original text for reports.
    fn candidate(&mut self, line: usize, source: &str, value: &str) -> Result<(), InputError> {
        self.count_entry()?;
        let normalized = match normalize_url(value) {
            Ok(normalized) => normalized,
            Err(reason) => return self.push_rejected(line, source, reason),
        };

        let key = normalized.url.as_str().to_string();
        if let Some(&first_line) = self.first_seen.get(&key) {
            self.duplicates.push(DuplicateLine {
                line,
                first_line,
                url: key,
            });
            return Ok(());
        }
        self.first_seen.insert(key, line);
        self.accepted.push(InputUrl {
            url: normalized.url,
            display: normalized.display,
            line,
        });
        Ok(())
    }

    /// Records a line that holds no usable candidate at all.
    fn reject(&mut self, line: usize, source: &str, reason: String) -> Result<(), InputError> {
        self.count_entry()?;
        self.push_rejected(line, source, reason)
    }

    fn push_rejected(
        &mut self,
        line: usize,
        source: &str,
        reason: String,
    ) -> Result<(), InputError> {
        let text = truncate_for_display(source.trim());
        self.rejected.push(RejectedLine { line, text, reason });
        Ok(())
    }

    /// Fails when one more entry would exceed the cap.
    fn count_entry(&self) -> Result<(), InputError> {
        let entries = self.accepted.len() + self.rejected.len() + self.duplicates.len();
        match entries < self.max_entries {
            true => Ok(()),
            false => Err(InputError::TooManyUrls {
                max: self.max_entries,
            }),
        }
    }
}

/// The first [`MAX_REJECTED_TEXT_CHARS`] characters, with `…` appended when cut.
fn truncate_for_display(text: &str) -> String {
    match text.char_indices().nth(MAX_REJECTED_TEXT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Serialises a URL as its string form (without relying on the `url` crate's serde feature).
fn serialize_url<S: serde::Serializer>(url: &url::Url, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(url.as_str())
}

#[cfg(test)]
mod tests;
