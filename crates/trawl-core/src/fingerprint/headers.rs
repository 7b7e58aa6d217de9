//! CIRCL's HTTP Headers Hash (HHHash, version 1) of a response's header names.
//!
//! Definition (CIRCL / Alexandre Dulaunoy, `adulau/HHHash` README and `hhhash/create.py`):
//! take the header *names* in the order the server sent them, join them with `:`, hash the
//! UTF-8 text with SHA-256 and write `hhh:1:` followed by the lowercase hex digest.
//!
//! Case: names are hashed **exactly as sent**, never lowercased. The reference Python library
//! iterates `requests`' `r.headers.keys()`, which keeps the server's spelling, and the curl
//! one-liner in the README cuts the raw header lines. The R port's author states it too: the
//! case and the order must be kept for the hash to be useful. Known vector (the R package's
//! test and CIRCL's README, www.circl.lu):
//! `Date:Server:Strict-Transport-Security:Last-Modified:ETag:Accept-Ranges:Content-Length:
//! Content-Security-Policy:X-Content-Type-Options:X-Frame-Options:X-XSS-Protection:Content-Type`
//! gives `hhh:1:78f7ef0651bac1a5ea42ed9d22242ed8725f07815091032a34ab4e30d3c3cefc`; the same names
//! lowercased give a different value. Over HTTP/2 the names arrive lowercase on the wire, so the
//! value differs from the HTTP/1.1 one of the same server (Lookyloo marks those `hhh:2:`; this
//! function always writes `hhh:1:` and leaves that choice to the caller).
//!
//! Duplicates are kept: a header sent twice appears twice. Collecting names in server order is
//! the capture layer's job.

use super::digest::sha256_hex;

/// HHHash v1: `"hhh:1:"` + hex SHA-256 of the header names, in server order and case, joined
/// by `:`. An empty list hashes the empty string.
pub fn hhhash<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let joined = names.into_iter().collect::<Vec<_>>().join(":");
    format!("hhh:1:{}", sha256_hex(joined.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIRCL_NAMES: [&str; 12] = [
        "Date",
        "Server",
        "Strict-Transport-Security",
        "Last-Modified",
        "ETag",
        "Accept-Ranges",
        "Content-Length",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "X-XSS-Protection",
        "Content-Type",
    ];

    #[test]
    fn circl_published_vector() {
        assert_eq!(
            hhhash(CIRCL_NAMES),
            "hhh:1:78f7ef0651bac1a5ea42ed9d22242ed8725f07815091032a34ab4e30d3c3cefc"
        );
    }

    #[test]
    fn case_is_kept_not_folded() {
        let lower: Vec<String> = CIRCL_NAMES.iter().map(|n| n.to_ascii_lowercase()).collect();
        let lowered = hhhash(lower.iter().map(String::as_str));
        assert_eq!(
            lowered,
            "hhh:1:9c7c02272c47e6302cae8b890bc258e7c583217cc648f1bde6478d5280452119"
        );
        assert_ne!(lowered, hhhash(CIRCL_NAMES));
    }

    #[test]
    fn order_matters() {
        assert_ne!(hhhash(["Date", "Server"]), hhhash(["Server", "Date"]));
    }

    #[test]
    fn single_name_has_no_separator() {
        assert_eq!(
            hhhash(["Server"]),
            "hhh:1:aef7de28d52977f1b5cd0fecfdc151717610adf41e0aa33b4d9f7522a43337ef"
        );
    }
}
