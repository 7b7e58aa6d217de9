//! Re-fanging: undoing the "defanging" analysts apply to URLs so nobody clicks them by accident.
//!
//! This module owns the text rewrites only (`hxxp` → `http`, `evil[.]com` → `evil.com`, …). It
//! does not parse or validate anything: [`super::normalize`] calls it before handing the text to
//! the URL parser, and rejects whatever is still not a URL. It never fails.
//!
//! Which forms are rewritten where:
//! - the scheme at the very start: `hxxp`, `hxxps` in any letter case (`hXXp`, `HXXPS`);
//! - the scheme separator: `[://]`, `[:]//`, `(://)`;
//! - bracketed dots `[.]`, `(.)`, `{.}` anywhere (they are never meaningful in a real URL);
//! - in the authority only (the part before the first `/`, `?` or `#`): `[dot]`, `(dot)`,
//!   `{dot}`, `[:]` (a port separator), `[at]`, `(at)` and `[@]`. Outside the host these words
//!   can be legitimate text, so they are left alone there.

/// Rewrites of the scheme separator, tried right after the scheme.
const SEPARATORS: [&str; 4] = ["[://]", "(://)", "[:]//", "[:]"];

/// Bracketed dots, rewritten anywhere in the text.
const DOTS: [&str; 3] = ["[.]", "(.)", "{.}"];

/// Defanged words, rewritten in the authority only, with their replacement.
const AUTHORITY_WORDS: [(&str, &str); 7] = [
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[:]", ":"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("[@]", "@"),
];

/// Undoes common defanging of one URL candidate and returns the result.
///
/// The input is treated as a single URL (not free text): only a scheme at its start is
/// rewritten. Text that is not defanged comes back unchanged.
pub fn refang(raw: &str) -> String {
    let (scheme, rest) = split_scheme(raw);
    let rest = replace_all_ci(rest, &DOTS.map(|d| (d, ".")));

    // The authority runs up to the first path, query or fragment delimiter.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = replace_all_ci(&rest[..end], &AUTHORITY_WORDS);
    format!("{scheme}{authority}{}", &rest[end..])
}

/// Splits off a (possibly defanged) scheme and separator, returning them re-fanged.
///
/// Returns an empty scheme when the text does not start with one; the remainder is then the
/// whole input.
fn split_scheme(raw: &str) -> (String, &str) {
    let lower = raw.get(..5).unwrap_or(raw).to_ascii_lowercase();
    let (scheme, after) = if lower.starts_with("hxxps") || lower.starts_with("https") {
        ("https", &raw[5..])
    } else if lower.starts_with("hxxp") || lower.starts_with("http") {
        ("http", &raw[4..])
    } else {
        return (String::new(), raw);
    };

    if let Some(rest) = strip_prefix_ci(after, "://") {
        return (format!("{scheme}://"), rest);
    }
    for separator in SEPARATORS {
        if let Some(rest) = strip_prefix_ci(after, separator) {
            // `[:]` alone is followed by the slashes, which stay in the remainder.
            let slashes = if separator == "[:]" { ":" } else { "://" };
            return (format!("{scheme}{slashes}"), rest);
        }
    }
    if lower.starts_with("hxxp") {
        // `hxxp` followed by something unexpected: still re-fang the word itself.
        return (scheme.to_string(), after);
    }
    (String::new(), raw)
}

/// `text.strip_prefix(prefix)`, ignoring ASCII case.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Replaces every occurrence of each pattern (ASCII case-insensitive) in one left-to-right pass.
///
/// Every pattern starts with an opening bracket, so only those positions are examined.
fn replace_all_ci(text: &str, patterns: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['[', '(', '{']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let hit = patterns.iter().find_map(|(pattern, replacement)| {
            Some((strip_prefix_ci(rest, pattern)?, *replacement))
        });
        match hit {
            Some((after, replacement)) => {
                out.push_str(replacement);
                rest = after;
            }
            None => {
                // Keep the bracket itself (one byte, ASCII) and look further.
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{AUTHORITY_WORDS, DOTS, refang};

    #[test]
    fn rewrites_defanged_schemes_in_any_case() {
        assert_eq!(refang("hxxp://evil.com/"), "http://evil.com/");
        assert_eq!(refang("hxxps://evil.com/"), "https://evil.com/");
        assert_eq!(refang("hXXp://evil.com/"), "http://evil.com/");
        assert_eq!(refang("HXXPS://evil.com/"), "https://evil.com/");
    }

    #[test]
    fn rewrites_defanged_separators() {
        assert_eq!(refang("https[:]//x.com"), "https://x.com");
        assert_eq!(refang("hxxps[://]x.com/a"), "https://x.com/a");
        assert_eq!(refang("http(://)x.com"), "http://x.com");
        assert_eq!(refang("hxxp[:]//x[.]com"), "http://x.com");
    }

    #[test]
    fn rewrites_bracketed_dots() {
        assert_eq!(refang("hxxps://evil[.]com/login"), "https://evil.com/login");
        assert_eq!(refang("evil(.)com"), "evil.com");
        assert_eq!(refang("evil{.}com"), "evil.com");
        assert_eq!(refang("hxxp://1.2.3[.]4"), "http://1.2.3.4");
        assert_eq!(refang("a[.]b[.]c/x[.]php"), "a.b.c/x.php");
    }

    #[test]
    fn rewrites_words_only_in_the_authority() {
        assert_eq!(refang("evil[dot]com/a[dot]b"), "evil.com/a[dot]b");
        assert_eq!(refang("EVIL[DOT]com"), "EVIL.com");
        assert_eq!(
            refang("http://user[at]evil.com/?q=[at]"),
            "http://user@evil.com/?q=[at]"
        );
        assert_eq!(refang("1.2.3.4[:]8080/x"), "1.2.3.4:8080/x");
    }

    #[test]
    fn every_pattern_starts_with_an_opening_bracket() {
        // `replace_all_ci` only looks at bracket positions.
        let starts = DOTS.iter().chain(AUTHORITY_WORDS.iter().map(|(p, _)| p));
        assert!(starts.into_iter().all(|p| p.starts_with(['[', '(', '{'])));
    }

    #[test]
    fn leaves_plain_urls_and_non_web_text_alone() {
        let plain = "https://example.com/a?b=c#d";
        assert_eq!(refang(plain), plain);
        assert_eq!(refang("ftp://x.com"), "ftp://x.com");
        assert_eq!(refang("http://[::1]:8080/"), "http://[::1]:8080/");
        assert_eq!(refang("bücher.example"), "bücher.example");
        assert_eq!(refang(""), "");
    }
}
