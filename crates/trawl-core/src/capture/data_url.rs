//! Decoding `data:` URLs (redirect targets and inline icons) as the Fetch standard's data URL
//! processor does: media type before the comma, percent-decoded payload, forgiving base64
//! when the media type ends in `;base64`.

use base64::Engine;
use url::Url;

/// A decoded `data:` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUrl {
    /// The media type as written (`text/plain;charset=US-ASCII` when empty).
    pub media_type: String,
    /// The payload.
    pub bytes: Vec<u8>,
}

/// Decodes `url`, or explains why it is not a usable `data:` URL.
pub fn decode(url: &Url) -> Result<DataUrl, String> {
    if url.scheme() != "data" {
        return Err(format!("{} is not a data: URL", url.scheme()));
    }
    let mut without_fragment = url.clone();
    without_fragment.set_fragment(None);
    let input = &without_fragment.as_str()["data:".len()..];
    let (media_type, payload) = input
        .split_once(',')
        .ok_or_else(|| "data: URL without a comma".to_owned())?;

    let media_type = media_type.trim();
    let raw: Vec<u8> = percent_encoding::percent_decode(payload.as_bytes()).collect();
    let (media_type, bytes) = match strip_base64_suffix(media_type) {
        Some(rest) => {
            let cleaned: Vec<u8> = raw
                .into_iter()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let decoded = forgiving_base64(&cleaned).ok_or("data: URL with invalid base64")?;
            (rest.to_owned(), decoded)
        }
        None => (media_type.to_owned(), raw),
    };
    let media_type = if media_type.is_empty() || media_type.starts_with(';') {
        format!(
            "text/plain{}",
            if media_type.is_empty() {
                ";charset=US-ASCII"
            } else {
                &media_type
            }
        )
    } else {
        media_type
    };
    Ok(DataUrl { media_type, bytes })
}

fn strip_base64_suffix(media_type: &str) -> Option<&str> {
    let (rest, last) = media_type.rsplit_once(';')?;
    last.trim()
        .eq_ignore_ascii_case("base64")
        .then_some(rest.trim_end())
}

/// Base64 with optional padding (the standard drops `=` padding and checks the length).
fn forgiving_base64(data: &[u8]) -> Option<Vec<u8>> {
    let trimmed = match data.len() % 4 {
        0 => data
            .strip_suffix(b"==")
            .or_else(|| data.strip_suffix(b"="))
            .unwrap_or(data),
        _ => data,
    };
    if trimmed.len() % 4 == 1 {
        return None;
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()
}

/// A short form of a long `data:` URL for display and hop records.
pub fn abbreviate(url: &str, max: usize) -> String {
    if url.len() <= max {
        return url.to_owned();
    }
    let mut end = max;
    while !url.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} characters)", &url[..end], url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(s: &str) -> Result<DataUrl, String> {
        decode(&Url::parse(s).unwrap())
    }

    #[test]
    fn base64_payloads_decode() {
        let decoded = data("data:text/html;base64,PGgxPmhpPC9oMT4=").unwrap();
        assert_eq!(decoded.media_type, "text/html");
        assert_eq!(decoded.bytes, b"<h1>hi</h1>");

        let unpadded = data("data:image/png;BASE64,iVBORw0KGgo").unwrap();
        assert_eq!(unpadded.bytes, b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn plain_payloads_are_percent_decoded() {
        let decoded = data("data:,Hello%2C%20World%21#ignored").unwrap();
        assert_eq!(decoded.media_type, "text/plain;charset=US-ASCII");
        assert_eq!(decoded.bytes, b"Hello, World!");
    }

    #[test]
    fn broken_data_urls_are_explained() {
        assert!(data("data:text/html;base64,@@@").is_err());
        assert!(data("data:no-comma").is_err());
    }

    #[test]
    fn long_urls_are_abbreviated_on_a_char_boundary() {
        assert_eq!(abbreviate("data:,short", 64), "data:,short");
        let long = format!("data:,{}", "é".repeat(100));
        let short = abbreviate(&long, 9);
        assert!(
            short.starts_with("data:,é") && short.ends_with("(206 characters)"),
            "{short}"
        );
    }
}
