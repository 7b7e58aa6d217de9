//! Deciding what a response is when its declared type is missing or unhelpful.
//!
//! A short form of the WHATWG MIME sniffing rules: a declared HTML type is HTML; a missing or
//! "unknown" type is HTML when the body starts with one of the standard's HTML signatures;
//! anything else keeps its declared type. Text-like types are decoded to text even when they
//! are not HTML.

fn mime(content_type: Option<&str>) -> Option<String> {
    content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// HTML by its declared type, or by a look at the bytes when no useful type was declared.
pub(crate) fn is_html_like(content_type: Option<&str>, bytes: &[u8]) -> bool {
    match mime(content_type).as_deref() {
        Some("text/html" | "application/xhtml+xml") => true,
        None | Some("" | "unknown/unknown" | "application/unknown" | "*/*") => sniff_html(bytes),
        _ => false,
    }
}

pub(crate) fn is_text_like(content_type: Option<&str>, html_like: bool) -> bool {
    html_like
        || mime(content_type).is_some_and(|m| {
            m.starts_with("text/")
                || m.ends_with("+xml")
                || m.ends_with("/xml")
                || m.contains("javascript")
                || m.contains("json")
        })
}

/// The WHATWG MIME sniffing patterns for HTML, in short.
fn sniff_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = head[start..].to_ascii_lowercase();
    [
        "<!doctype html",
        "<html",
        "<head",
        "<script",
        "<iframe",
        "<h1",
        "<div",
        "<font",
        "<table",
        "<a",
        "<style",
        "<title",
        "<b",
        "<body",
        "<br",
        "<p",
        "<!--",
    ]
    .iter()
    .any(|tag| {
        head.starts_with(tag.as_bytes())
            && head
                .get(tag.len())
                .is_none_or(|&b| b == b' ' || b == b'>' || tag == &"<!--")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_win_and_missing_types_are_sniffed() {
        assert!(is_html_like(
            Some("text/html; charset=utf-8"),
            b"plain words"
        ));
        assert!(!is_html_like(Some("text/plain"), b"<html>"));
        assert!(is_html_like(None, b"  \n<!DOCTYPE html><p>"));
        assert!(is_html_like(Some("unknown/unknown"), b"<SCRIPT>x</SCRIPT>"));
        assert!(!is_html_like(None, b"<htmlish>"));
        assert!(!is_html_like(None, b"PK\x03\x04"));
    }

    #[test]
    fn text_like_types_are_decoded() {
        assert!(is_text_like(Some("application/json"), false));
        assert!(is_text_like(Some("image/svg+xml"), false));
        assert!(!is_text_like(Some("application/zip"), false));
        assert!(!is_text_like(None, false));
    }
}
