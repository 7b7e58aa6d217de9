//! Finding the next hop of a navigation in a response: HTTP `Location`, `<meta refresh>`, and
//! simple script redirects.
//!
//! Decisions, matching what Chromium (scripts enabled) does where the fast capturer can tell:
//! - A 3xx `Location` without a fragment inherits the current URL's fragment (Fetch standard);
//!   meta refresh and script navigations start fresh and do not.
//! - Only the first `<meta http-equiv=refresh>` counts; its `content` is parsed with the HTML
//!   standard's algorithm (`0;url=x`, `0; URL='x'`, `5;URL="x"`, `0;x`, any case). A refresh
//!   with no URL reloads the same page and is not a redirect. Any delay is followed.
//! - A meta refresh inside `<noscript>` is ignored: with scripting on, browsers parse
//!   `<noscript>` content as text, and the full capturer (Chromium) will do the same.
//! - A script redirect (see `script_redirect`) wins over a meta refresh, because scripts run
//!   while the page is parsed and the refresh only fires after it has loaded.

use scraper::{Html, Selector};
use url::Url;

use super::model::HopKind;
use super::script_redirect;

/// A navigation found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    /// Where to.
    pub url: Url,
    /// Meta refresh or script.
    pub kind: HopKind,
}

/// The target of a 3xx `Location`, resolved against `current`, fragment carried over.
pub fn location_target(current: &Url, location: &str) -> Result<Url, String> {
    let mut next = current
        .join(location.trim())
        .map_err(|e| format!("bad Location {location:?}: {e}"))?;
    if next.fragment().is_none() && next.scheme() != "data" {
        next.set_fragment(current.fragment());
    }
    Ok(next)
}

/// The navigation a parsed document performs by itself, if any. `base` is the document's
/// base URL (its `<base href>` already applied).
pub fn document_redirect(document: &Html, base: &Url) -> Option<NextHop> {
    if let Some(url) = script_redirect::find(document, base) {
        return Some(NextHop {
            url,
            kind: HopKind::Script,
        });
    }
    meta_refresh(document, base).map(|url| NextHop {
        url,
        kind: HopKind::MetaRefresh,
    })
}

/// The document's base URL: the first `<base href>` resolved against the document URL.
pub fn base_url(document: &Html, document_url: &Url) -> Url {
    let selector = Selector::parse("base[href]").expect("static selector");
    document
        .select(&selector)
        .next()
        .and_then(|base| base.value().attr("href"))
        .and_then(|href| document_url.join(href.trim()).ok())
        .filter(|url| !matches!(url.scheme(), "data" | "javascript"))
        .unwrap_or_else(|| document_url.clone())
}

fn meta_refresh(document: &Html, base: &Url) -> Option<Url> {
    let selector = Selector::parse("meta[http-equiv]").expect("static selector");
    let content = document
        .select(&selector)
        .filter(|meta| {
            meta.value()
                .attr("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
        })
        .find_map(|meta| meta.value().attr("content").and_then(parse_refresh))?;
    let target = content.1?;
    base.join(&target).ok()
}

/// The HTML standard's "shared declarative refresh steps": `(seconds, url)`; `None` when the
/// content is not a valid refresh, a `None` url when it refreshes the same page.
pub fn parse_refresh(content: &str) -> Option<(u64, Option<String>)> {
    let input = content.trim_start_matches(is_space);
    let digits_end = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    if digits_end == 0 && !input.starts_with('.') {
        return None;
    }
    let seconds = input[..digits_end].parse::<u64>().unwrap_or(0);
    let rest = input[digits_end..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if rest.is_empty() {
        return Some((seconds, None));
    }
    if !rest.starts_with([';', ',']) && !rest.starts_with(is_space) {
        return None;
    }

    let rest = rest.trim_start_matches(is_space);
    let rest = rest
        .strip_prefix([';', ','])
        .unwrap_or(rest)
        .trim_start_matches(is_space);
    if rest.is_empty() {
        return Some((seconds, None));
    }

    // `url =` is optional; without the `=`, the whole remainder is the URL.
    let url_string = match rest.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("url") => {
            let after = rest[3..].trim_start_matches(is_space);
            match after.strip_prefix('=') {
                Some(value) => value.trim_start_matches(is_space),
                None => rest,
            }
        }
        _ => rest,
    };
    let url = match url_string.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = &url_string[1..];
            inner.split(quote).next().unwrap_or(inner)
        }
        _ => url_string,
    };
    Some((seconds, Some(url.to_owned())))
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn refresh_content_variants() {
        let cases = [
            ("0;url=next.html", Some((0, Some("next.html")))),
            ("0; URL='next.html'", Some((0, Some("next.html")))),
            ("5;URL=\"next.html\"", Some((5, Some("next.html")))),
            ("  3 ,  url = next.html", Some((3, Some("next.html")))),
            ("0;next.html", Some((0, Some("next.html")))),
            ("0; Url='a b.html' trailing", Some((0, Some("a b.html")))),
            (
                "0;data:text/html;base64,AAAA",
                Some((0, Some("data:text/html;base64,AAAA"))),
            ),
            ("1.5; url=x", Some((1, Some("x")))),
            ("10", Some((10, None))),
            ("0;", Some((0, None))),
            ("url=x", None),
            ("0x; url=y", None),
        ];
        for (content, expected) in cases {
            let parsed = parse_refresh(content);
            let expected = expected.map(|(s, u)| (s, u.map(str::to_owned)));
            assert_eq!(parsed, expected, "{content:?}");
        }
    }

    #[test]
    fn meta_refresh_is_found_case_insensitively_against_the_base() {
        let html = Html::parse_document(
            "<html><head><base href='/sub/'><META HTTP-EQUIV='Refresh' CONTENT='0; URL=next'>",
        );
        let doc_url = url("http://a.test/dir/page.html");
        let base = base_url(&html, &doc_url);
        let hop = document_redirect(&html, &base).unwrap();
        assert_eq!(hop.url.as_str(), "http://a.test/sub/next");
        assert_eq!(hop.kind, HopKind::MetaRefresh);
    }

    #[test]
    fn refresh_inside_noscript_is_ignored() {
        let html = Html::parse_document(
            "<head><noscript><meta http-equiv=refresh content='0;url=/nojs'></noscript></head>",
        );
        assert_eq!(document_redirect(&html, &url("http://a.test/")), None);
    }

    #[test]
    fn only_the_first_refresh_counts_and_self_refresh_is_no_redirect() {
        let html = Html::parse_document(
            "<meta http-equiv=refresh content=30><meta http-equiv=refresh content='0;url=/x'>",
        );
        assert_eq!(document_redirect(&html, &url("http://a.test/")), None);
    }

    #[test]
    fn location_inherits_the_fragment_only_when_it_has_none() {
        let current = url("http://a.test/start#frag");
        assert_eq!(
            location_target(&current, "/next").unwrap().as_str(),
            "http://a.test/next#frag"
        );
        assert_eq!(
            location_target(&current, "http://b.test/#own")
                .unwrap()
                .fragment(),
            Some("own")
        );
        assert_eq!(
            location_target(&current, "data:,x").unwrap().fragment(),
            None
        );
        assert!(location_target(&current, "http://[::1").is_err());
    }
}
