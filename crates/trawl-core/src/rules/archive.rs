//! Member names of zip archives (phishing kits are shipped as zips), read without
//! decompressing anything, so rules can match a kit by the files it contains.
//!
//! The central directory is read when the end-of-central-directory record is found and
//! consistent; otherwise the local file headers are walked from the start. Both stop at
//! [`ArchiveLimits`]: at most `max_members` names and `max_name_bytes` bytes of names. A
//! damaged archive gives the names read so far, never an error.

/// Bounds on reading an archive's names.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Most member names read.
    pub max_members: usize,
    /// Most bytes of names read in total.
    pub max_name_bytes: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_members: 10_000,
            max_name_bytes: 1 << 20,
        }
    }
}

/// The member names of an archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberNames {
    /// Names in archive order (lossy UTF-8).
    pub names: Vec<String>,
    /// Whether a limit stopped the listing.
    pub truncated: bool,
}

impl MemberNames {
    /// The names one per line, the text rules scan.
    pub fn listing(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for name in &self.names {
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        out
    }

    fn push(&mut self, raw: &[u8], limits: ArchiveLimits, used: &mut usize) -> bool {
        if self.names.len() >= limits.max_members || *used + raw.len() > limits.max_name_bytes {
            self.truncated = true;
            return false;
        }
        *used += raw.len();
        self.names.push(String::from_utf8_lossy(raw).into_owned());
        true
    }
}

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;

/// Whether `data` starts like a zip archive.
pub fn is_zip(data: &[u8]) -> bool {
    u32_at(data, 0) == Some(LOCAL_HEADER)
        || (data.len() >= 22 && u32_at(data, 0) == Some(END_OF_DIRECTORY))
}

/// The member names of the zip archive `data`, or `None` when it is not a zip.
pub fn zip_member_names(data: &[u8], limits: ArchiveLimits) -> Option<MemberNames> {
    if !is_zip(data) {
        return None;
    }
    Some(central_directory(data, limits).unwrap_or_else(|| local_headers(data, limits)))
}

fn u16_at(data: &[u8], at: usize) -> Option<usize> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]) as usize)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Names from the central directory, `None` when it cannot be found or read.
fn central_directory(data: &[u8], limits: ArchiveLimits) -> Option<MemberNames> {
    // The end record is 22 bytes plus a comment of up to 64 KiB at the very end.
    let search_from = data.len().saturating_sub(22 + 0xffff);
    let end = (search_from..=data.len().checked_sub(22)?)
        .rev()
        .find(|&i| u32_at(data, i) == Some(END_OF_DIRECTORY))?;
    let entries = u16_at(data, end + 10)?;
    let mut at = u32_at(data, end + 16)? as usize;
    let mut names = MemberNames::default();
    let mut used = 0;
    for _ in 0..entries {
        if u32_at(data, at)? != CENTRAL_HEADER {
            return None;
        }
        let name_len = u16_at(data, at + 28)?;
        let extra_len = u16_at(data, at + 30)?;
        let comment_len = u16_at(data, at + 32)?;
        let name = data.get(at + 46..at + 46 + name_len)?;
        if !names.push(name, limits, &mut used) {
            break;
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// Names from the local file headers, walked from the start until one does not parse.
fn local_headers(data: &[u8], limits: ArchiveLimits) -> MemberNames {
    let mut names = MemberNames::default();
    let mut used = 0;
    let mut at = 0;
    while u32_at(data, at) == Some(LOCAL_HEADER) {
        let (Some(flags), Some(size), Some(name_len), Some(extra_len)) = (
            u16_at(data, at + 6),
            u32_at(data, at + 18),
            u16_at(data, at + 26),
            u16_at(data, at + 28),
        ) else {
            break;
        };
        let Some(name) = data.get(at + 30..at + 30 + name_len) else {
            break;
        };
        if !names.push(name, limits, &mut used) {
            break;
        }
        // With a trailing data descriptor the size is unknown here: stop walking.
        if flags & 0x08 != 0 && size == 0 {
            break;
        }
        at += 30 + name_len + extra_len + size as usize;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored (uncompressed) zip of `files`, with a central directory when `directory`.
    fn zip(files: &[(&str, &[u8])], directory: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, body) in files {
            let offset = out.len() as u32;
            let header = |sig: u32, buf: &mut Vec<u8>, central: bool| {
                buf.extend(sig.to_le_bytes());
                if central {
                    buf.extend([20, 0]);
                }
                buf.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                buf.extend((body.len() as u32).to_le_bytes());
                buf.extend((body.len() as u32).to_le_bytes());
                buf.extend((name.len() as u16).to_le_bytes());
                buf.extend([0, 0]);
                if central {
                    buf.extend([0; 6]);
                    buf.extend([0, 0, 0, 0]);
                    buf.extend(offset.to_le_bytes());
                }
                buf.extend(name.as_bytes());
            };
            header(LOCAL_HEADER, &mut out, false);
            out.extend(*body);
            header(CENTRAL_HEADER, &mut central, true);
        }
        if directory {
            let start = out.len() as u32;
            out.extend(&central);
            out.extend(END_OF_DIRECTORY.to_le_bytes());
            out.extend([0, 0, 0, 0]);
            out.extend((files.len() as u16).to_le_bytes());
            out.extend((files.len() as u16).to_le_bytes());
            out.extend((central.len() as u32).to_le_bytes());
            out.extend(start.to_le_bytes());
            out.extend([0, 0]);
        }
        out
    }

    #[test]
    fn names_come_from_the_central_directory_or_the_local_headers() {
        let files: &[(&str, &[u8])] = &[("kit/", b""), ("kit/next.php", b"<?php"), ("a.js", b"x")];
        let want = vec!["kit/", "kit/next.php", "a.js"];
        let full = zip(files, true);
        let names = zip_member_names(&full, ArchiveLimits::default()).unwrap();
        assert_eq!(names.names, want);
        assert_eq!(names.listing(), b"kit/\nkit/next.php\na.js\n");

        let cut = zip(files, false);
        assert_eq!(
            zip_member_names(&cut, ArchiveLimits::default())
                .unwrap()
                .names,
            want
        );
    }

    #[test]
    fn limits_stop_the_listing() {
        let files: &[(&str, &[u8])] = &[("one", b""), ("two", b""), ("three", b"")];
        let data = zip(files, true);
        let by_count = ArchiveLimits {
            max_members: 2,
            ..ArchiveLimits::default()
        };
        let names = zip_member_names(&data, by_count).unwrap();
        assert_eq!((names.names.len(), names.truncated), (2, true));
        let by_bytes = ArchiveLimits {
            max_name_bytes: 6,
            ..ArchiveLimits::default()
        };
        assert_eq!(
            zip_member_names(&data, by_bytes).unwrap().names,
            vec!["one", "two"]
        );
    }

    #[test]
    fn non_zips_and_damaged_zips_do_not_fail() {
        assert_eq!(zip_member_names(b"<html>", ArchiveLimits::default()), None);
        let mut data = zip(&[("a", b"1"), ("b", b"2")], true);
        data.truncate(40);
        let names = zip_member_names(&data, ArchiveLimits::default()).unwrap();
        assert_eq!(names.names, vec!["a"]);
    }
}
