//! Simple script redirects in inline scripts, found without running JavaScript.
//!
//! Recognised forms, with a plain string literal as the target (no concatenation, no template
//! substitutions): `location = '…'`, `location.href = "…"`, `location.replace('…')`,
//! `location.assign("…")`, each optionally prefixed by `window.`, `self.`, `top.`, `parent.`,
//! `document.` or chains of them (`window.top.location.href`).
//!
//! A match only counts when it would run as the page loads: at the top level of the script, or
//! inside blocks that run unconditionally soon after (a `setTimeout`/`setInterval` callback, an
//! immediately invoked function, `onload` / `load` / `DOMContentLoaded` / jQuery-ready
//! handlers, `try` blocks). Redirects inside named functions, `if` branches, click handlers
//! and object literals are ignored: a browser might never run them. Obfuscated redirects
//! (sample 13 of the corpus builds its target from char codes) are out of reach here: the fast
//! capturer then runs the inline scripts in `script_sandbox`.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

const QUOTED: &str = r#"(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.)*)`)"#;
const PREFIX: &str = r"(?:^|[^\w$.])(?:(?:window|self|top|parent|document)\s*\.\s*){0,3}location";

static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{PREFIX}\s*(?:\.\s*href\s*)?=\s*{QUOTED}")).expect("static regex")
});
static CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{PREFIX}\s*\.\s*(?:replace|assign)\s*\(\s*{QUOTED}\s*\)"
    ))
    .expect("static regex")
});

/// Openings of blocks that run as the page loads.
static RUNS_ON_LOAD: LazyLock<Regex> = LazyLock::new(|| {
    let func = r"(?:async\s+)?(?:function\s*[\w$]*\s*\([^)]*\)|\([^)]*\)\s*=>|[\w$]+\s*=>)";
    let forms = [
        format!(r"(?:setTimeout|setInterval)\s*\(\s*{func}"),
        format!(r"(?:^|[;{{}}=(,!&|?:\n])\s*[(!]\s*{func}"),
        format!(r"onload\s*=\s*{func}"),
        format!(r#"addEventListener\s*\(\s*['"](?:load|DOMContentLoaded)['"]\s*,\s*{func}"#),
        format!(r"(?:\$|jQuery)\s*\(\s*(?:document\s*\)\s*\.\s*ready\s*\(\s*)?{func}"),
        r"(?:^|[^\w$])(?:try|finally)".to_owned(),
        r"(?:^|[;{}])".to_owned(),
    ];
    Regex::new(&format!(r"(?:{})\s*$", forms.join("|"))).expect("static regex")
});

/// The first simple redirect in the document's inline scripts, resolved against `base`.
pub fn find(document: &Html, base: &Url) -> Option<Url> {
    let selector = Selector::parse("script:not([src])").expect("static selector");
    document
        .select(&selector)
        .filter(|script| is_javascript(script.value().attr("type")))
        .find_map(|script| find_in_script(&script.text().collect::<String>()))
        .and_then(|target| base.join(target.trim()).ok())
}

/// Whether a `<script type>` holds JavaScript a browser runs (no type, module, *script).
pub(super) fn is_javascript(script_type: Option<&str>) -> bool {
    let Some(kind) = script_type.map(|t| t.trim().to_ascii_lowercase()) else {
        return true;
    };
    kind.is_empty()
        || kind == "module"
        || kind.ends_with("javascript")
        || kind.ends_with("ecmascript")
}

/// The target string of the first redirect in `source` that runs on load.
pub fn find_in_script(source: &str) -> Option<String> {
    let scan = scan(source);
    let mut candidates: Vec<(usize, String)> = Vec::new();

    for caps in ASSIGN.captures_iter(source) {
        let whole = caps.get(0).expect("match");
        let after = source[whole.end()..].trim_start();
        if after.starts_with('+') || after.starts_with('.') || after.starts_with('[') {
            continue; // concatenation or a method on the string: not a plain literal
        }
        candidates.push((token_start(&whole), literal(&caps)));
    }
    for caps in CALL.captures_iter(source) {
        candidates.push((token_start(&caps.get(0).expect("match")), literal(&caps)));
    }
    candidates.sort_by_key(|(at, _)| *at);

    candidates
        .into_iter()
        .filter(|(at, _)| !scan.inert.iter().any(|(from, to)| from <= at && at < to))
        .find(|(at, target)| !target.is_empty() && runs_on_load(source, &scan.blocks, *at))
        .map(|(_, target)| target)
}

/// Where the identifier chain of a match starts (the pattern also eats the character before).
fn token_start(whole: &regex::Match<'_>) -> usize {
    whole.start()
        + whole
            .as_str()
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(0)
}

fn literal(caps: &regex::Captures<'_>) -> String {
    let raw = (1..=3).find_map(|i| caps.get(i)).map_or("", |m| m.as_str());
    unescape(raw)
}

/// Whether every block enclosing `at` is one that runs on load.
fn runs_on_load(source: &str, blocks: &[(usize, usize)], at: usize) -> bool {
    blocks
        .iter()
        .filter(|(open, close)| *open < at && at < *close)
        .all(|(open, _)| {
            let start = source[..*open]
                .char_indices()
                .rev()
                .nth(200)
                .map_or(0, |(i, _)| i);
            RUNS_ON_LOAD.is_match(&source[start..*open])
        })
}

/// Byte ranges of a script: `{…}` blocks (unclosed ones extend to the end) and inert text
/// (strings, comments, regex literals).
struct Scan {
    blocks: Vec<(usize, usize)>,
    inert: Vec<(usize, usize)>,
}

fn scan(source: &str) -> Scan {
    let bytes = source.as_bytes();
    let mut blocks = Vec::new();
    let mut inert = Vec::new();
    let mut stack = Vec::new();
    let mut last_significant = b';';
    let mut i = 0;

    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'"' | b'\'' | b'`' => {
                i = skip_quoted(bytes, i, b);
                inert.push((start, i));
                last_significant = b'"';
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |p| i + p);
                inert.push((start, i));
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
                inert.push((start, i));
            }
            b'/' if b"(,=:[!&|?{};+-*%<>~^".contains(&last_significant) => {
                i = skip_regex(bytes, i);
                inert.push((start, i));
                last_significant = b'/';
            }
            b'{' => {
                stack.push(i);
                blocks.push((i, bytes.len()));
                last_significant = b;
                i += 1;
            }
            b'}' => {
                if let Some(open) = stack.pop()
                    && let Some(block) = blocks.iter_mut().rev().find(|(o, _)| *o == open)
                {
                    block.1 = i;
                }
                last_significant = b;
                i += 1;
            }
            _ => {
                if !b.is_ascii_whitespace() {
                    last_significant = b;
                }
                i += 1;
            }
        }
    }
    Scan { blocks, inert }
}

fn skip_quoted(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            b'\n' if quote != b'`' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_regex(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut in_class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => return i + 1,
            b'\n' => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Undoes the common string escapes (`\/`, `\'`, `\"`, `\\`, `\xHH`, `\uHHHH`).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('x') => push_hex(&mut out, &mut chars, 2),
            Some('u') => push_hex(&mut out, &mut chars, 4),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn push_hex(out: &mut String, chars: &mut std::str::Chars<'_>, len: usize) {
    let digits: String = chars.by_ref().take(len).collect();
    match u32::from_str_radix(&digits, 16)
        .ok()
        .and_then(char::from_u32)
    {
        Some(c) => out.push(c),
        None => out.push_str(&digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_simple_form_is_found() {
        let cases = [
            ("location = '/a';", "/a"),
            ("location.href = \"/b\"", "/b"),
            ("location.replace('/c')", "/c"),
            ("location.assign(\"/d\");", "/d"),
            ("window.location = '/e'", "/e"),
            ("window.location.href='/f'", "/f"),
            ("window.top.location.href = '/g'", "/g"),
            ("document.location.href = `/h`", "/h"),
            ("self.location = '/i'", "/i"),
            (
                "top.location.replace('http:\\/\\/x.test\\/j')",
                "http://x.test/j",
            ),
        ];
        for (script, expected) in cases {
            assert_eq!(
                find_in_script(script).as_deref(),
                Some(expected),
                "{script}"
            );
        }
    }

    #[test]
    fn non_literal_or_non_navigating_forms_are_ignored() {
        for script in [
            "window.location = 'go.php?' + data;",
            "location = url;",
            "if (location == '/x') {}",
            "var l = obj.location = '/x';",
            "location.hash = '/x'",
            "location.href.replace('a', 'b')",
            "document.location = `/s/${q}`",
            "// location = '/commented'",
            "var s = \"location = '/in-a-string'\";",
        ] {
            assert_eq!(find_in_script(script), None, "{script}");
        }
    }

    #[test]
    fn only_redirects_that_run_on_load_count() {
        let runs = [
            "setTimeout(function() { window.location.href = '/t'; }, 2000);",
            "setTimeout(() => { location.replace('/t') }, 10)",
            "(function(){ location = '/t' })();",
            "window.onload = function () { location.href = '/t'; };",
            "document.addEventListener('DOMContentLoaded', () => { location = '/t' });",
            "$(document).ready(function(){ location.href = '/t' });",
            "try { top.location = '/t' } catch (e) {}",
        ];
        for script in runs {
            assert_eq!(find_in_script(script).as_deref(), Some("/t"), "{script}");
        }
        let never = [
            "function go() { location.href = '/n'; }",
            "if (navigator.webdriver) { location.href = '/n' }",
            "btn.onclick = function() { location.href = '/n' };",
            "var cfg = { f: function() { location = '/n' } };",
            "foo(function(){ location = '/n' });",
        ];
        for script in never {
            assert_eq!(find_in_script(script), None, "{script}");
        }
    }

    #[test]
    fn the_first_running_redirect_in_source_order_wins() {
        let script =
            "function x(){ location='/no' }\nlocation.replace('/second');\nlocation='/third'";
        assert_eq!(find_in_script(script).as_deref(), Some("/second"));
    }

    #[test]
    fn data_and_non_js_scripts_are_skipped() {
        let html = Html::parse_document(
            "<script type='application/ld+json'>{\"x\": \"location = '/no'\"}</script>\
             <script type='text/javascript'>location.href='/yes'</script>",
        );
        let found = find(&html, &Url::parse("http://a.test/dir/").unwrap()).unwrap();
        assert_eq!(found.as_str(), "http://a.test/yes");
    }
}
