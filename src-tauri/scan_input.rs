//! Reads the sources of a scan (dropped files, pasted text) with the engine's list parser,
//! merges them, and builds the preview.
//!
//! Each source is parsed by `trawl_core::input::parse_list`; URLs are then deduplicated across
//! sources, so a URL in two files is scanned once and its second line shows as a duplicate.
//! A file that cannot be read or parsed fails the whole call with an error naming the path
//! (`file_unreadable`, `list_invalid`); a bad line is only a rejected entry. This module is
//! synchronous: commands run it on the blocking pool.

use std::collections::HashMap;

use trawl_core::input::{InputUrl, parse_list};

use crate::ipc_scan::{PreviewDuplicate, PreviewRejected, PreviewUrl, ScanSources, UrlPreview};
use crate::ipc_types::IpcError;

/// Entries of each kind the preview carries; the counts are always exact.
pub const PREVIEW_ROWS: usize = 500;

/// The source name of pasted text.
pub const PASTED: &str = "pasted text";

/// Every source read and merged: the URLs to scan and what was left out.
#[derive(Debug, Default)]
pub struct MergedLists {
    /// Unique URLs, in source then line order.
    pub urls: Vec<InputUrl>,
    /// The source of each URL in `urls`.
    sources: Vec<String>,
    rejected: Vec<PreviewRejected>,
    duplicates: Vec<PreviewDuplicate>,
}

impl MergedLists {
    /// Reads and merges every file of `sources`, then the pasted text.
    pub fn read(sources: &ScanSources) -> Result<Self, IpcError> {
        let mut merged = MergedLists::default();
        let mut first_seen = HashMap::new();
        for path in &sources.paths {
            let bytes = std::fs::read(path).map_err(|err| {
                IpcError::new("file_unreadable", format!("cannot read {path}: {err}"))
            })?;
            merged.add(path, &bytes, &mut first_seen)?;
        }
        if !sources.text.trim().is_empty() {
            merged.add(PASTED, sources.text.as_bytes(), &mut first_seen)?;
        }
        Ok(merged)
    }

    /// Parses one source and appends its entries; `first_seen` maps a URL to where it was
    /// first accepted.
    fn add(
        &mut self,
        source: &str,
        bytes: &[u8],
        first_seen: &mut HashMap<String, (String, usize)>,
    ) -> Result<(), IpcError> {
        let parsed = parse_list(bytes)
            .map_err(|err| IpcError::new("list_invalid", format!("{source}: {err}")))?;

        self.rejected
            .extend(parsed.rejected.into_iter().map(|r| PreviewRejected {
                source: source.to_string(),
                line: line_number(r.line),
                text: r.text,
                reason: r.reason,
            }));
        self.duplicates
            .extend(parsed.duplicates.into_iter().map(|d| PreviewDuplicate {
                source: source.to_string(),
                line: line_number(d.line),
                first_source: source.to_string(),
                first_line: line_number(d.first_line),
                url: d.url,
            }));

        for url in parsed.accepted {
            let key = url.url.to_string();
            if let Some((first_source, first_line)) = first_seen.get(&key) {
                // Already accepted from an earlier source.
                self.duplicates.push(PreviewDuplicate {
                    source: source.to_string(),
                    line: line_number(url.line),
                    first_source: first_source.clone(),
                    first_line: line_number(*first_line),
                    url: key,
                });
                continue;
            }
            first_seen.insert(key, (source.to_string(), url.line));
            self.sources.push(source.to_string());
            self.urls.push(url);
        }
        Ok(())
    }

    /// The preview: exact counts and the first [`PREVIEW_ROWS`] entries of each kind.
    pub fn preview(&self) -> UrlPreview {
        let accepted = self.urls.iter().zip(&self.sources).take(PREVIEW_ROWS);
        UrlPreview {
            accepted_count: count(self.urls.len()),
            rejected_count: count(self.rejected.len()),
            duplicate_count: count(self.duplicates.len()),
            accepted: accepted
                .map(|(url, source)| PreviewUrl {
                    source: source.clone(),
                    line: line_number(url.line),
                    display: url.display.clone(),
                    url: url.url.to_string(),
                })
                .collect(),
            rejected: self.rejected.iter().take(PREVIEW_ROWS).cloned().collect(),
            duplicates: self.duplicates.iter().take(PREVIEW_ROWS).cloned().collect(),
        }
    }

    /// A short description of the sources, stored with the scan.
    pub fn describe(sources: &ScanSources) -> String {
        let mut names = sources.paths.clone();
        if !sources.text.trim().is_empty() {
            names.push(PASTED.to_string());
        }
        names.join(", ")
    }
}

/// Line numbers and counts fit in u32 (the parser caps a list at a million entries).
fn line_number(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(paths: &[&std::path::Path], text: &str) -> ScanSources {
        ScanSources {
            paths: paths.iter().map(|p| p.display().to_string()).collect(),
            text: text.to_string(),
        }
    }

    #[test]
    fn pasted_text_is_previewed_with_rejects_and_duplicates() {
        let text =
            "https://a.example/login\nnot a url\nhxxps://b[.]example/x\nhttps://a.example/login\n";

        let merged = MergedLists::read(&sources(&[], text)).unwrap();
        let preview = merged.preview();

        assert_eq!((preview.accepted_count, preview.rejected_count), (2, 1));
        assert_eq!(preview.duplicate_count, 1);
        assert_eq!(preview.accepted[1].url, "https://b.example/x");
        assert_eq!(preview.rejected[0].line, 2);
        assert_eq!(preview.rejected[0].source, PASTED);
        assert!(!preview.rejected[0].reason.is_empty());
        assert_eq!(
            (preview.duplicates[0].line, preview.duplicates[0].first_line),
            (4, 1)
        );
    }

    #[test]
    fn a_url_in_two_files_is_kept_once_and_named_as_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.txt");
        let second = dir.path().join("second.txt");
        std::fs::write(&first, "https://a.example/\n").unwrap();
        std::fs::write(&second, "https://c.example/\nhttps://a.example/\n").unwrap();

        let merged = MergedLists::read(&sources(&[&first, &second], "")).unwrap();
        let preview = merged.preview();

        assert_eq!(merged.urls.len(), 2);
        let dup = &preview.duplicates[0];
        assert_eq!(dup.source, second.display().to_string());
        assert_eq!(dup.first_source, first.display().to_string());
        assert_eq!((dup.line, dup.first_line), (2, 1));
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_the_path() {
        let missing = std::path::Path::new("/nonexistent/trawl/list.txt");

        let err = MergedLists::read(&sources(&[missing], "")).unwrap_err();

        assert_eq!(err.code, "file_unreadable");
        assert!(
            err.message.contains("/nonexistent/trawl/list.txt"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_binary_file_is_a_list_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        std::fs::write(&path, [0u8; 64]).unwrap();

        let err = MergedLists::read(&sources(&[&path], "")).unwrap_err();

        assert_eq!(err.code, "list_invalid");
        assert!(
            err.message.starts_with(&path.display().to_string()),
            "{}",
            err.message
        );
    }
}
