//! CSV (and TSV / semicolon-separated) URL lists: header detection, URL column choice, reading.
//!
//! This module owns finding the URL column, by header name first (`url`, `phish_url`, …; see
//! [`url_field_rank`]) and otherwise by content (the column whose cells look like URLs). A
//! header may sit in a `#` comment, as in URLhaus dumps (`# id,dateadded,url,…`); other `#`
//! lines are banners and are skipped. Records are read with the `csv` crate, so quoted fields
//! with commas and line breaks work; a record's line number is the line where it starts.
//! Per-record problems (missing or empty URL field) become rejected lines.

use csv::{ReaderBuilder, StringRecord};

use super::formats::{is_blank_or_comment, is_exact_url_field, lines, url_field_rank};
use super::{Collector, InputError, normalize_url, refang};

/// Delimiters tried, in order of preference.
const DELIMITERS: [u8; 3] = [b',', b'\t', b';'];

/// Delimiter used to read a one-column CSV: the ASCII unit separator, which never occurs in a
/// URL list, so every line is one field (only quoting is interpreted).
const NO_DELIMITER: u8 = 0x1f;

/// Records examined to choose a column or recognise a headerless CSV.
const SAMPLE_RECORDS: usize = 50;

/// How to read a CSV list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CsvPlan {
    pub delimiter: u8,
    /// Zero-based index of the URL column.
    pub column: usize,
    /// The first record is the header and carries no URL.
    pub skip_first: bool,
    /// The header, from the first record or a `#` comment; records equal to it are skipped.
    pub header: Option<StringRecord>,
}

/// A CSV reader over `text` with Trawl's settings: no header handling, ragged rows allowed,
/// `#` lines skipped.
fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes())
}

/// Up to `limit` records of `text`, stopping at the first malformed one.
fn sample(text: &str, delimiter: u8, limit: usize) -> Vec<StringRecord> {
    reader(text, delimiter)
        .records()
        .take(limit)
        .map_while(Result::ok)
        .collect()
}

/// How much a cell looks like a URL: 2 with an explicit web scheme, 1 for a bare host that
/// normalises, 0 otherwise.
fn url_likeness(cell: &str) -> u32 {
    if normalize_url(cell).is_err() {
        return 0;
    }
    let refanged = refang(cell.trim().trim_start_matches(['"', '\'', '<']));
    match refanged.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("http") => 2,
        _ => 1,
    }
}

/// Recognises a CSV whose header (first record or `#` comment) names a URL column.
pub(super) fn detect_with_header(text: &str) -> Option<CsvPlan> {
    if let Some((delimiter, header)) = comment_header(text) {
        let column = choose_column(&header, &sample(text, delimiter, SAMPLE_RECORDS));
        return Some(CsvPlan {
            delimiter,
            column,
            skip_first: false,
            header: Some(header),
        });
    }

    for delimiter in DELIMITERS {
        let records = sample(text, delimiter, SAMPLE_RECORDS + 1);
        let Some(first) = records.first() else {
            continue;
        };
        let names_url = first.iter().any(|f| url_field_rank(f).is_some());
        let has_url_cell = first.iter().any(|f| url_likeness(f) > 0);
        if first.len() >= 2 && names_url && !has_url_cell {
            let column = choose_column(first, &records[1..]);
            let header = Some(first.clone());
            return Some(CsvPlan {
                delimiter,
                column,
                skip_first: true,
                header,
            });
        }
    }

    // A single column titled exactly `url` (or another exact URL field name).
    let (_, _, first) = lines(text).find(|(_, _, l)| !is_blank_or_comment(l))?;
    is_exact_url_field(first).then(|| CsvPlan {
        delimiter: NO_DELIMITER,
        column: 0,
        skip_first: true,
        header: Some(StringRecord::from(vec![first.trim()])),
    })
}

/// The last `#` comment before the first record that reads as a CSV header naming a URL
/// column, with its delimiter.
fn comment_header(text: &str) -> Option<(u8, StringRecord)> {
    // Width of the first data record per delimiter, computed once: a header must match it,
    // or it is just prose.
    let data_widths = DELIMITERS.map(|d| sample(text, d, 1).first().map_or(0, StringRecord::len));
    let mut found = None;
    for (_, _, line) in lines(text) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let Some(body) = trimmed.strip_prefix('#') else {
            break;
        };
        let body = body.trim_start_matches('#').trim();
        for (delimiter, data_width) in DELIMITERS.into_iter().zip(data_widths) {
            let Some(record) = sample(body, delimiter, 1).pop() else {
                continue;
            };
            let identifiers = record.iter().all(|f| {
                let f = f.trim();
                !f.is_empty()
                    && f.len() <= 64
                    && f.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '-'))
            });
            let names_url = record.iter().any(|f| url_field_rank(f).is_some());
            if record.len() >= 2 && identifiers && names_url && data_width == record.len() {
                found = Some((delimiter, record));
                break;
            }
        }
    }
    found
}

/// The URL column given a header: the best-ranked name; among equals, the one whose sampled
/// cells look most like URLs; then the leftmost.
fn choose_column(header: &StringRecord, data: &[StringRecord]) -> usize {
    let ranked: Vec<(usize, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(index, name)| url_field_rank(name).map(|rank| (rank, index)))
        .collect();
    let Some(best_rank) = ranked.iter().map(|(rank, _)| *rank).min() else {
        return best_column_by_content(data, header.len()).unwrap_or(0);
    };
    let tied = ranked
        .iter()
        .filter(|(rank, _)| *rank == best_rank)
        .map(|(_, index)| *index);
    let score = |index: usize| -> u32 { data.iter().map(|r| url_likeness(cell(r, index))).sum() };
    // `max_by_key` keeps the last maximum; reverse so ties go to the leftmost column.
    tied.rev().max_by_key(|&index| score(index)).unwrap_or(0)
}

/// The column whose cells look most like URLs, if at least half of the rows have one there.
fn best_column_by_content(data: &[StringRecord], width: usize) -> Option<usize> {
    let mut best: Option<(u32, usize)> = None;
    for index in 0..width {
        let scores: Vec<u32> = data.iter().map(|r| url_likeness(cell(r, index))).collect();
        let hits = scores.iter().filter(|s| **s > 0).count();
        let total: u32 = scores.iter().sum();
        if hits * 2 >= data.len() && total > 0 && best.is_none_or(|(b, _)| total > b) {
            best = Some((total, index));
        }
    }
    best.map(|(_, index)| index)
}

/// A record's field, or `""` past its end.
fn cell(record: &StringRecord, index: usize) -> &str {
    record.get(index).unwrap_or("")
}

/// Recognises a CSV without a URL-naming header: at least two sampled records, all with the
/// same number (≥ 2) of fields, and a column of URL-looking cells. A first record with no
/// URL-looking cell in that column is taken as a header.
///
/// A list whose sampled lines are each, whole, a URL with an explicit web scheme is plain text
/// even when every URL holds a comma: cutting URLs at commas would silently change them,
/// while the opposite mistake (a headerless CSV read as text) shows in the accepted URLs.
pub(super) fn sniff_headerless(text: &str) -> Option<CsvPlan> {
    let mut sampled = lines(text)
        .filter(|(_, _, l)| !is_blank_or_comment(l))
        .take(SAMPLE_RECORDS);
    if sampled.all(|(_, _, l)| !l.trim_start().starts_with('"') && url_likeness(l) == 2) {
        return None;
    }
    for delimiter in DELIMITERS {
        let records = sample(text, delimiter, SAMPLE_RECORDS);
        let width = records.first().map_or(0, StringRecord::len);
        if records.len() < 2 || width < 2 || records.iter().any(|r| r.len() != width) {
            continue;
        }
        let Some(column) = best_column_by_content(&records[1..], width) else {
            continue;
        };
        let skip_first = url_likeness(cell(&records[0], column)) == 0;
        let header = skip_first.then(|| records[0].clone());
        return Some(CsvPlan {
            delimiter,
            column,
            skip_first,
            header,
        });
    }
    None
}

/// Reads every record, handing the URL column to `sink`.
pub(super) fn read_csv(text: &str, plan: &CsvPlan, sink: &mut Collector) -> Result<(), InputError> {
    let mut reader = reader(text, plan.delimiter);
    let mut record = StringRecord::new();
    let mut first = true;
    // Line numbers are counted here: the csv crate's positions include skipped comments.
    let (mut line, mut counted_to) = (1, 0);
    loop {
        let start = reader.position().clone();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(error) => {
                // The csv crate only fails on I/O and encoding here, neither possible on a
                // `&str`; report the spot rather than guess how to resume.
                let line = error.position().map_or(start.line(), |p| p.line()) as usize;
                let rest = text.get(start.byte() as usize..).unwrap_or("");
                return sink.reject(line, rest, format!("unreadable CSV: {error}"));
            }
        }

        let reported = record.position().map_or(start.byte(), |p| p.byte()) as usize;
        let begin = skip_to_record(text, reported);
        let end = (reader.position().byte() as usize).max(begin);
        line += text[counted_to..begin].matches('\n').count();
        counted_to = begin;
        let source = text
            .get(begin..end)
            .unwrap_or("")
            .trim_end_matches(['\r', '\n']);

        let is_header = std::mem::take(&mut first) && plan.skip_first;
        let is_blank = record.iter().all(|f| f.trim().is_empty());
        if is_header || is_blank || plan.header.as_ref() == Some(&record) {
            continue;
        }
        match record.get(plan.column) {
            Some(url) if !url.trim().is_empty() => sink.candidate(line, source, url)?,
            Some(_) => sink.reject(line, source, "empty URL field".to_string())?,
            None => sink.reject(
                line,
                source,
                format!("no URL field (column {} missing)", plan.column + 1),
            )?,
        }
    }
}

/// The byte where a record really starts: the csv crate reports the position before the line
/// ends and `#` comment lines it skipped.
fn skip_to_record(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        match bytes[at] {
            b'\r' | b'\n' => at += 1,
            b'#' => at = text[at..].find('\n').map_or(bytes.len(), |n| at + n + 1),
            _ => break,
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> Option<CsvPlan> {
        detect_with_header(text).or_else(|| sniff_headerless(text))
    }

    #[test]
    fn finds_the_url_column_by_exact_name_before_weak_names() {
        let text = "id,phish_detail_url,url,target\n1,http://d.example/1,http://a.example/,X\n";
        let plan = plan_of(text).unwrap();
        assert_eq!(
            (plan.delimiter, plan.column, plan.skip_first),
            (b',', 2, true)
        );
    }

    #[test]
    fn finds_a_header_in_a_comment_after_banners() {
        let text = "#####\n# Feed dump (CSV) https://x.example/ #\n#\n\
                    # id,dateadded,url,tags\n\"1\",\"2025\",\"http://a.example/\",\"a,b\"\n";
        let plan = plan_of(text).unwrap();
        assert_eq!((plan.column, plan.skip_first), (2, false));
        assert_eq!(plan.header.unwrap().get(2), Some("url"));
    }

    #[test]
    fn finds_tab_separated_headers() {
        let plan = plan_of("id\tURL\n1\thttp://a.example/\n").unwrap();
        assert_eq!((plan.delimiter, plan.column), (b'\t', 1));
    }

    #[test]
    fn finds_the_column_by_content_without_a_url_header() {
        let text = "when,what,where\n2019-05-15,PayPal,hxxp://a[.]example/x\n\
                    2019-05-16,Other,http://b.example/\n";
        let plan = plan_of(text).unwrap();
        assert_eq!((plan.column, plan.skip_first), (2, true));

        let headerless = "1,http://a.example/,yes\n2,http://b.example/,no\n";
        let plan = plan_of(headerless).unwrap();
        assert_eq!((plan.column, plan.skip_first), (1, false));
    }

    #[test]
    fn treats_a_single_url_title_as_a_one_column_csv() {
        let plan = plan_of("URL\n\"http://a.example/?x=1,2\"\n").unwrap();
        assert_eq!(
            (plan.delimiter, plan.column, plan.skip_first),
            (NO_DELIMITER, 0, true)
        );
    }

    #[test]
    fn does_not_mistake_plain_url_lists_for_csv() {
        assert_eq!(
            plan_of("http://a.example/\nhttp://b.example/?x=1,2\n"),
            None
        );
        assert_eq!(
            plan_of("http://a.example/?x=1,2\nhxxp://b[.]example/p,q\n"),
            None
        );
        assert_eq!(
            plan_of("# urls, collected by hand\nhttp://a.example/\n"),
            None
        );
    }
}
