//! Format detection and the line-oriented readers (plain text, JSON array, JSON lines).
//!
//! This module owns "which part of the file is a URL candidate, and on which line": it decides
//! the format from the content (never from a file name), walks the records and hands each
//! candidate to the [`Collector`], which normalises, deduplicates and counts. CSV lives in
//! [`super::delimited`]. Structural problems in one record (a JSON object without a URL field,
//! an invalid JSON line) become rejected lines; only a JSON array that cannot be split into
//! elements at all fails the whole list.

use serde_json::Value;

use super::delimited::{self, CsvPlan};
use super::{Collector, InputError, ListFormat, normalize_url};

/// How a list will be read, decided by [`detect`].
#[derive(Debug)]
pub(super) enum Plan<'a> {
    Text,
    JsonLines,
    /// The array's elements, each with the byte offset where it starts.
    JsonArray(Vec<(usize, &'a str)>),
    Csv(CsvPlan),
}

/// Field names that hold a URL, best first (compared after [`field_key`]).
const URL_FIELD_NAMES: [&str; 12] = [
    "url",
    "phish_url",
    "phishing_url",
    "malicious_url",
    "uri",
    "link",
    "href",
    "website",
    "site",
    "domain",
    "hostname",
    "host",
];

/// Rank given to a field name that merely mentions a URL (`phish_detail_url`, `urlhaus_link`).
const WEAK_RANK: usize = 100;

/// Iterates over physical lines as (1-based number, byte offset, text without `\r\n`).
pub(super) fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .enumerate()
        .map(move |(index, raw)| {
            let start = offset;
            offset += raw.len();
            (index + 1, start, raw.trim_end_matches(['\n', '\r']))
        })
}

/// Whether a line carries no candidate: blank, or a `#` comment.
pub(super) fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// How strongly a field name says "URL": `Some(0)` is best, `None` means not at all.
pub(super) fn url_field_rank(name: &str) -> Option<usize> {
    let key = field_key(name);
    if let Some(rank) = URL_FIELD_NAMES.iter().position(|n| *n == key) {
        return Some(rank);
    }
    let mentions = key.ends_with("url")
        || key
            .split('_')
            .any(|word| ["url", "urls", "uri", "link", "href"].contains(&word));
    mentions.then_some(WEAK_RANK)
}

/// Whether a field name is one of the exact URL names (not merely mentioning a URL).
pub(super) fn is_exact_url_field(name: &str) -> bool {
    url_field_rank(name).is_some_and(|rank| rank < WEAK_RANK)
}

/// A field name folded for comparison: trimmed, unquoted, lowercase, `_` for spaces and dashes.
fn field_key(name: &str) -> String {
    name.trim()
        .trim_matches('"')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// Decides the format from the content.
///
/// Order: a JSON array (first significant line starts with `[`), a CSV whose header names a
/// URL column, JSON lines (first line is a JSON object or string), a headerless CSV recognised
/// by its columns, and finally plain text.
pub(super) fn detect(text: &str) -> Result<Plan<'_>, InputError> {
    let Some((number, offset, first)) = lines(text).find(|(_, _, l)| !is_blank_or_comment(l))
    else {
        return Ok(Plan::Text);
    };
    let first = first.trim();

    if first.starts_with('[') {
        match split_json_array(text, offset) {
            Ok(elements) => return Ok(Plan::JsonArray(elements)),
            // A bracketed IPv6 host is not a JSON array; anything else that fails is broken JSON.
            Err(_) if normalize_url(first).is_ok() => {}
            Err((error_offset, message)) => {
                let line = number + text[offset..error_offset].matches('\n').count();
                return Err(InputError::MalformedJson { line, message });
            }
        }
    }
    if let Some(plan) = delimited::detect_with_header(text) {
        return Ok(Plan::Csv(plan));
    }
    let json_string = first.starts_with('"') && serde_json::from_str::<String>(first).is_ok();
    if first.starts_with('{') || json_string {
        return Ok(Plan::JsonLines);
    }
    Ok(delimited::sniff_headerless(text).map_or(Plan::Text, Plan::Csv))
}

/// Reads the list according to `plan`, feeding every candidate to `sink`.
pub(super) fn read(
    text: &str,
    plan: Plan<'_>,
    sink: &mut Collector,
) -> Result<ListFormat, InputError> {
    match plan {
        Plan::Text => {
            read_text(text, sink)?;
            Ok(ListFormat::Text)
        }
        Plan::JsonLines => {
            read_json_lines(text, sink)?;
            Ok(ListFormat::JsonLines)
        }
        Plan::JsonArray(elements) => {
            read_json_array(text, &elements, sink)?;
            Ok(ListFormat::Json)
        }
        Plan::Csv(plan) => {
            delimited::read_csv(text, &plan, sink)?;
            Ok(ListFormat::Csv)
        }
    }
}

/// One URL per line; blank lines and `#` comments are skipped silently.
fn read_text(text: &str, sink: &mut Collector) -> Result<(), InputError> {
    for (number, _, line) in lines(text) {
        if !is_blank_or_comment(line) {
            sink.candidate(number, line, line)?;
        }
    }
    Ok(())
}

/// One JSON string or object per line. Lines that are not JSON at all are read as plain text,
/// so a list mixing quoted and bare URLs still works; a broken `{…}` line is rejected.
fn read_json_lines(text: &str, sink: &mut Collector) -> Result<(), InputError> {
    for (number, _, line) in lines(text) {
        if is_blank_or_comment(line) {
            continue;
        }
        let trimmed = line.trim();
        match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => match json_candidate(&value) {
                Ok(url) => sink.candidate(number, line, url)?,
                Err(reason) => sink.reject(number, line, reason)?,
            },
            Err(error) if trimmed.starts_with(['{', '[']) => {
                sink.reject(number, line, format!("invalid JSON: {error}"))?
            }
            Err(_) => sink.candidate(number, line, line)?,
        }
    }
    Ok(())
}

/// The elements of a top-level JSON array, each parsed on its own so one bad element is one
/// rejected line.
fn read_json_array(
    text: &str,
    elements: &[(usize, &str)],
    sink: &mut Collector,
) -> Result<(), InputError> {
    let (mut line, mut counted_to) = (1, 0);
    for &(offset, source) in elements {
        line += text[counted_to..offset].matches('\n').count();
        counted_to = offset;
        match serde_json::from_str::<Value>(source) {
            Ok(value) => match json_candidate(&value) {
                Ok(url) => sink.candidate(line, source, url)?,
                Err(reason) => sink.reject(line, source, reason)?,
            },
            Err(error) => sink.reject(line, source, format!("invalid JSON: {error}"))?,
        }
    }
    Ok(())
}

/// The URL text inside one JSON value: the string itself, or an object's URL field.
fn json_candidate(value: &Value) -> Result<&str, String> {
    match value {
        Value::String(text) => Ok(text),
        Value::Object(map) => {
            let best = map
                .iter()
                .filter_map(|(key, value)| url_field_rank(key).map(|rank| (rank, key, value)))
                .min_by_key(|(rank, _, value)| (*rank, !value.is_string()));
            match best {
                Some((_, _, Value::String(text))) => Ok(text),
                Some((_, key, _)) => Err(format!("field `{key}` is not a string")),
                None => Err("object has no URL field".to_string()),
            }
        }
        _ => Err("expected a URL string or an object with a URL field".to_string()),
    }
}

/// Splits a top-level JSON array starting at `start` into element slices with their offsets.
///
/// Only the structure is checked here (brackets, braces, strings); each element is parsed
/// later. Empty elements (a trailing comma) are dropped. Errors carry the byte offset.
fn split_json_array(text: &str, start: usize) -> Result<Vec<(usize, &str)>, (usize, String)> {
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(start);
    if bytes.get(i) != Some(&b'[') {
        return Err((i, "expected `[`".to_string()));
    }
    i += 1;

    let mut elements = Vec::new();
    let mut element_start = skip_ws(i);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    while i < bytes.len() {
        let byte = bytes[i];
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                b',' | b']' if depth == 0 => {
                    let element = text[element_start..i].trim_end();
                    if !element.is_empty() {
                        elements.push((element_start, element));
                    }
                    if byte == b']' {
                        let end = skip_ws(i + 1);
                        return match end == bytes.len() {
                            true => Ok(elements),
                            false => Err((end, "unexpected text after the JSON array".to_string())),
                        };
                    }
                    element_start = skip_ws(i + 1);
                }
                b'}' if depth == 0 => return Err((i, "unbalanced `}`".to_string())),
                _ => {}
            }
        }
        i += 1;
    }
    Err((bytes.len(), "the JSON array is not closed".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ranks_prefer_exact_names_and_ignore_lookalike_words() {
        assert_eq!(url_field_rank("URL"), Some(0));
        assert_eq!(url_field_rank(" \"Phish URL\" "), Some(1));
        assert_eq!(url_field_rank("phish_detail_url"), Some(WEAK_RANK));
        assert_eq!(url_field_rank("urlhaus_link"), Some(WEAK_RANK));
        assert_eq!(url_field_rank("security"), None);
        assert_eq!(url_field_rank("target"), None);
        assert!(is_exact_url_field("url") && !is_exact_url_field("phish_detail_url"));
    }

    #[test]
    fn splits_json_arrays_with_offsets_and_nested_values() {
        let text = "[\n  \"a,]\",\n  {\"url\": \"b\", \"x\": [1, 2]}\n ,\n]";
        let elements = split_json_array(text, 0).unwrap();
        let sources: Vec<&str> = elements.iter().map(|(_, s)| *s).collect();
        assert_eq!(sources, ["\"a,]\"", "{\"url\": \"b\", \"x\": [1, 2]}"]);
        assert_eq!(&text[elements[1].0..elements[1].0 + 1], "{");
    }

    #[test]
    fn reports_where_a_json_array_breaks() {
        assert_eq!(
            split_json_array("[\"a\"", 0).unwrap_err().1,
            "the JSON array is not closed"
        );
        let (offset, message) = split_json_array("[1] x", 0).unwrap_err();
        assert_eq!(
            (offset, message.as_str()),
            (4, "unexpected text after the JSON array")
        );
    }

    #[test]
    fn picks_the_url_field_of_an_object() {
        let value: Value =
            serde_json::from_str(r#"{"id": 3, "urlhaus_link": "l", "url": "u", "host": "h"}"#)
                .unwrap();
        assert_eq!(json_candidate(&value), Ok("u"));
        let value: Value = serde_json::from_str(r#"{"url": 5}"#).unwrap();
        assert_eq!(
            json_candidate(&value),
            Err("field `url` is not a string".to_string())
        );
        let value: Value = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!(
            json_candidate(&value),
            Err("object has no URL field".to_string())
        );
    }
}
