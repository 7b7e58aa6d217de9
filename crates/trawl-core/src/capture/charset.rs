//! Deciding a document's character encoding the way browsers do, and decoding it.
//!
//! Order (HTML standard, "encoding sniffing"): a byte-order mark; else the `charset` parameter
//! of the `Content-Type` header; else a `<meta charset>` or `<meta http-equiv=Content-Type
//! content="…charset=…">` found by the prescan of the first 1024 bytes; else windows-1252.
//! Content is never guessed to be UTF-8. Labels are resolved with encoding_rs, so aliases such
//! as `latin1` or `sjis` behave as in browsers; unknown labels are ignored.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes the meta prescan looks at.
const PRESCAN_LEN: usize = 1024;

/// A decoded document and how its encoding was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedDocument {
    /// The text.
    pub text: String,
    /// encoding_rs name of the encoding used (e.g. `UTF-8`, `windows-1252`).
    pub charset: &'static str,
    /// `"bom"`, `"header"`, `"meta"` or `"default"`.
    pub source: &'static str,
}

/// Decides the encoding of `bytes` served with `content_type` and decodes them.
pub fn decode_document(bytes: &[u8], content_type: Option<&str>) -> DecodedDocument {
    let (encoding, source, skip) = decide(bytes, content_type);
    let (text, _) = encoding.decode_without_bom_handling(&bytes[skip..]);
    DecodedDocument {
        text: text.into_owned(),
        charset: encoding.name(),
        source,
    }
}

/// The encoding, where it came from, and how many BOM bytes to skip.
fn decide(bytes: &[u8], content_type: Option<&str>) -> (&'static Encoding, &'static str, usize) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return (encoding, "bom", bom_len);
    }
    if let Some(encoding) = content_type.and_then(header_charset) {
        return (encoding, "header", 0);
    }
    if let Some(encoding) = prescan(&bytes[..bytes.len().min(PRESCAN_LEN)]) {
        return (encoding, "meta", 0);
    }
    (WINDOWS_1252, "default", 0)
}

/// The encoding named by a `Content-Type` value's `charset` parameter.
pub fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        Encoding::for_label(value.as_bytes())
    })
}

/// The HTML standard's prescan for a meta-declared encoding.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.starts_with(b"<!--") {
            pos += find(&rest[4..], b"-->").map_or(rest.len(), |end| end + 4 + 3);
        } else if starts_with_ci(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space(b) || b == b'/')
        {
            let (found, next) = meta_encoding(bytes, pos + 5);
            if found.is_some() {
                return found;
            }
            pos = next;
        } else if rest.len() > 1
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
            && rest[0] == b'<'
        {
            // Another tag: skip its name, then its attributes (values may contain '>').
            let mut p = pos + 1;
            while p < bytes.len() && !is_space(bytes[p]) && bytes[p] != b'>' {
                p += 1;
            }
            while let Some((_, _, next)) = attribute(bytes, p) {
                p = next;
            }
            pos = p + 1;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos += find(rest, b">").map_or(rest.len(), |end| end + 1);
        } else {
            pos += 1;
        }
    }
    None
}

/// Reads one `<meta>`'s attributes from `start`; returns the encoding it declares, if any,
/// and where scanning continues.
fn meta_encoding(bytes: &[u8], start: usize) -> (Option<&'static Encoding>, usize) {
    let mut seen: Vec<String> = Vec::new();
    let (mut got_pragma, mut need_pragma, mut charset) = (false, None, None);
    let mut pos = start;

    while let Some((name, value, next)) = attribute(bytes, pos) {
        pos = next;
        if seen.contains(&name) {
            continue;
        }
        match name.as_str() {
            "http-equiv" if value.eq_ignore_ascii_case("content-type") => got_pragma = true,
            "content" if charset.is_none() => {
                if let Some(found) = charset_from_content(&value) {
                    charset = Encoding::for_label(found.as_bytes());
                    need_pragma = Some(true);
                }
            }
            "charset" => {
                charset = Encoding::for_label(value.as_bytes());
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }

    let declared = match (need_pragma, charset) {
        (Some(true), Some(_)) if !got_pragma => None,
        (Some(_), Some(encoding)) => Some(encoding),
        _ => None,
    };
    // A document that reached the byte decoder cannot really be UTF-16.
    let declared = declared.map(|encoding| match encoding {
        e if e == UTF_16BE || e == UTF_16LE => UTF_8,
        e if e == X_USER_DEFINED => WINDOWS_1252,
        e => e,
    });
    (declared, pos + 1)
}

/// The standard's "get an attribute" step: `(lower-case name, value, next position)`.
fn attribute(bytes: &[u8], mut pos: usize) -> Option<(String, String, usize)> {
    while pos < bytes.len() && (is_space(bytes[pos]) || bytes[pos] == b'/') {
        pos += 1;
    }
    if pos >= bytes.len() || bytes[pos] == b'>' {
        return None;
    }

    let mut name = Vec::new();
    while pos < bytes.len() {
        let b = bytes[pos];
        if (b == b'=' && !name.is_empty()) || is_space(b) || b == b'/' || b == b'>' {
            break;
        }
        name.push(b.to_ascii_lowercase());
        pos += 1;
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    while pos < bytes.len() && is_space(bytes[pos]) {
        pos += 1;
    }
    if bytes.get(pos) != Some(&b'=') {
        return Some((name, String::new(), pos));
    }
    pos += 1;
    while pos < bytes.len() && is_space(bytes[pos]) {
        pos += 1;
    }

    let mut value = Vec::new();
    match bytes.get(pos) {
        Some(&quote) if quote == b'"' || quote == b'\'' => {
            pos += 1;
            while pos < bytes.len() && bytes[pos] != quote {
                value.push(bytes[pos].to_ascii_lowercase());
                pos += 1;
            }
            pos += 1;
        }
        _ => {
            while pos < bytes.len() && !is_space(bytes[pos]) && bytes[pos] != b'>' {
                value.push(bytes[pos].to_ascii_lowercase());
                pos += 1;
            }
        }
    }
    Some((name, String::from_utf8_lossy(&value).into_owned(), pos))
}

/// The standard's "extract a character encoding from a meta element" on a `content` value.
fn charset_from_content(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let at = lower[from..].find("charset")? + from + "charset".len();
        let after = lower[at..].trim_start();
        let Some(value) = after.strip_prefix('=') else {
            from = at;
            continue;
        };
        let value = value.trim_start();
        return match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].find(q).map(|end| value[1..1 + end].to_owned()),
            Some(_) => Some(
                value
                    .split(|c: char| c == ';' || c.is_ascii_whitespace())
                    .next()?
                    .to_owned(),
            ),
            None => None,
        };
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn starts_with_ci(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(bytes: &[u8], content_type: Option<&str>) -> (&'static str, &'static str) {
        let doc = decode_document(bytes, content_type);
        (doc.charset, doc.source)
    }

    #[test]
    fn bom_beats_header_and_meta() {
        let bytes = b"\xef\xbb\xbf<meta charset=shift_jis>caf\xc3\xa9";
        let doc = decode_document(bytes, Some("text/html; charset=iso-8859-2"));
        assert_eq!((doc.charset, doc.source), ("UTF-8", "bom"));
        assert!(doc.text.starts_with("<meta") && doc.text.ends_with("café"));

        let utf16 = b"\xff\xfe<\x00p\x00>\x00";
        assert_eq!(decode_document(utf16, None).text, "<p>");
    }

    #[test]
    fn header_charset_beats_meta() {
        let bytes = b"<meta charset=utf-8><p>\xe9</p>";
        let doc = decode_document(bytes, Some("text/html; Charset=\"ISO-8859-1\""));
        assert_eq!((doc.charset, doc.source), ("windows-1252", "header"));
        assert!(doc.text.contains('é'));
    }

    #[test]
    fn unknown_header_labels_fall_through_to_meta() {
        let bytes = b"<meta charset=\"koi8-r\">";
        assert_eq!(
            decided(bytes, Some("text/html; charset=nonsense")),
            ("KOI8-R", "meta")
        );
    }

    #[test]
    fn meta_charset_and_http_equiv_are_found() {
        let meta = b"<!doctype html><html><head><META CHARSET='Shift_JIS'>";
        assert_eq!(decided(meta, Some("text/html")), ("Shift_JIS", "meta"));

        let equiv =
            b"<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">";
        assert_eq!(decided(equiv, None), ("GBK", "meta"));

        let reversed = b"<meta content='text/html;charset = \"euc-kr\"' http-equiv=content-type>";
        assert_eq!(decided(reversed, None), ("EUC-KR", "meta"));
    }

    #[test]
    fn content_charset_without_the_pragma_is_ignored() {
        let bytes = b"<meta name=x content=\"charset=utf-8\">";
        assert_eq!(decided(bytes, None), ("windows-1252", "default"));
    }

    #[test]
    fn prescan_skips_comments_and_attribute_values() {
        let commented = b"<!-- <meta charset=utf-8> --><p>";
        assert_eq!(decided(commented, None), ("windows-1252", "default"));

        let tricky = b"<div title='<meta charset=utf-8>'></div><meta charset=iso-8859-7>";
        assert_eq!(decided(tricky, None), ("ISO-8859-7", "meta"));
    }

    #[test]
    fn prescan_stops_after_1024_bytes() {
        let mut bytes = vec![b' '; 1100];
        bytes.extend_from_slice(b"<meta charset=utf-8>");
        assert_eq!(decided(&bytes, None), ("windows-1252", "default"));
    }

    #[test]
    fn meta_utf16_means_utf8() {
        assert_eq!(decided(b"<meta charset=utf-16le>", None), ("UTF-8", "meta"));
    }

    #[test]
    fn default_is_windows_1252_never_a_utf8_guess() {
        let doc = decode_document("<p>café</p>".as_bytes(), Some("text/html"));
        assert_eq!((doc.charset, doc.source), ("windows-1252", "default"));
        assert_eq!(doc.text, "<p>cafÃ©</p>");
    }
}
