//! IOCs as CSV for spreadsheets and ticketing tools: a header row, then one row per IOC with
//! every column of the table, RFC 4180 quoting and CRLF line ends.
//!
//! Analysts open these files in spreadsheets, which run a cell starting with `=`, `+`, `-` or
//! `@` as a formula (and some also a tab or carriage return). Such a cell is written with a
//! leading apostrophe, which spreadsheets show as text: a phone `+18005550199` is exported as
//! `'+18005550199`. Tools that read the CSV back must drop that apostrophe.

use std::io::{self, Write};

use super::{Ioc, export_time};

/// The header row.
pub const HEADER: [&str; 9] = [
    "id",
    "kind",
    "value",
    "target_id",
    "url",
    "domain",
    "source",
    "note",
    "created_at",
];

/// `cell` safe to open in a spreadsheet: a leading apostrophe when it starts with a character
/// that makes it a formula.
pub fn guard_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes IOCs as CSV rows, the header first.
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file: writes the header row.
    pub fn new(out: W) -> io::Result<CsvWriter<W>> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(out);
        out.write_record(HEADER)?;
        Ok(CsvWriter { out })
    }

    /// Writes one IOC.
    pub fn push(&mut self, ioc: &Ioc) -> io::Result<()> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            ioc.id.to_string(),
            ioc.kind.clone(),
            ioc.value.clone(),
            ioc.target_id.map(|t| t.to_string()).unwrap_or_default(),
            text(&ioc.url),
            text(&ioc.domain),
            text(&ioc.source),
            text(&ioc.note),
            export_time(&ioc.created_at),
        ];
        self.out
            .write_record(cells.iter().map(|c| guard_formula(c).into_owned()))?;
        Ok(())
    }

    /// Ends the file and flushes it.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn ioc(value: &str, note: Option<&str>) -> Ioc {
        Ioc {
            id: 7,
            kind: "url".into(),
            value: value.into(),
            target_id: None,
            url: Some("http://a.test/x,y".into()),
            domain: Some("a.test".into()),
            source: Some("analyst".into()),
            note: note.map(str::to_string),
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    fn render(iocs: &[Ioc]) -> String {
        let mut buf = Vec::new();
        let mut w = CsvWriter::new(&mut buf).unwrap();
        for i in iocs {
            w.push(i).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formula_cells_get_an_apostrophe() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+18005550199", "'+18005550199"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=b", "a=b"),
            ("", ""),
            ("http://a.test/", "http://a.test/"),
        ] {
            assert_eq!(guard_formula(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn rows_follow_rfc_4180() {
        let text = render(&[ioc("http://a.test/", Some("said \"hi\"\nthen left"))]);
        assert_eq!(
            text,
            "id,kind,value,target_id,url,domain,source,note,created_at\r\n\
             7,url,http://a.test/,,\"http://a.test/x,y\",a.test,analyst,\
             \"said \"\"hi\"\"\nthen left\",2026-01-02T03:04:05.000Z\r\n"
        );
    }

    #[test]
    fn guarded_and_quoted_cells_read_back() {
        let text = render(&[ioc("http://a.test/", Some("=cmd|' /C calc'!A0, \"x\""))]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[7], "'=cmd|' /C calc'!A0, \"x\"");
        assert_eq!(&row[4], "http://a.test/x,y");
        assert_eq!(row.len(), HEADER.len());
    }
}
