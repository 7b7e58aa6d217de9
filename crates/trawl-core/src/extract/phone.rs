//! Phone numbers written in pages, normalised to E.164 when the country is clear.
//!
//! The finder cuts the text into *runs* (digit groups joined by spaces, dashes, dots, slashes or
//! parentheses), then tries the longest prefix of groups that reads as a phone number. Accepted:
//! - `+CC …` with an assigned country code and an E.164 length (NANP rules for `+1`);
//! - NANP layouts with separators (`1-888-555-0100`, `(800) 555-0199`, `212.555.0100`), which are
//!   taken as `+1`;
//! - national numbers with a trunk `0` and separators (`0800 111 4567`), kept as digits unless a
//!   country hint converts them;
//! - anything of 7..=15 digits right after a label (`Tel:`, `call us on`) or in a `tel:` link.
//!
//! Rejected: version strings, IP addresses and other dotted numbers that are not NANP, dates,
//! prices, numbers glued to letters or ids, single-digit groups, unformatted digit runs without a
//! `+`, a label or a `tel:` link. In script source only `+` numbers written with separators (and
//! `tel:` strings) count, because scripts are full of other digit runs.

use std::sync::LazyLock;

use regex::Regex;

use super::Found;
use super::dialing::{self, Region};

/// Where the scanned text comes from, which decides how strict the rules are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneMode {
    /// Visible text and form attributes.
    Text,
    /// Inline script source.
    Script,
    /// The target of a `tel:` link: every run is meant to be a number.
    Tel,
}

/// A label right before a number that says it is one.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i-u)\b(?:tel(?:ephone)?|phone|ph|call(?:\s+us)?(?:\s+(?:on|at|now|free))?|dial",
        r"|whatsapp|mobile|cell|hotline|helpline|fax|toll[- ]free(?:\s+number)?)\b[\s:.#(-]*$",
    ))
    .expect("valid label regex")
});

/// The most digit groups one number is written in (`+1 (800) 555 01 99` has five); bounds the
/// work on long runs of numbers such as tables.
const MAX_GROUPS: usize = 8;

/// One maximal digit group inside a run (byte range into the scanned text).
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    paren: bool,
}

/// Digit groups joined by separators; `seps[i]` lies between `groups[i]` and `groups[i + 1]`.
#[derive(Debug)]
struct Run {
    start: usize,
    end: usize,
    plus: bool,
    groups: Vec<Group>,
    seps: Vec<(usize, usize)>,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '-' | '\u{2010}'
            ..='\u{2013}' | '.' | '(' | ')' | '/'
    )
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2013}')
}

/// Whether a separator stretch is an acceptable join inside one number.
fn valid_separator(sep: &str) -> bool {
    let chars: Vec<char> = sep.chars().collect();
    let punct = chars
        .iter()
        .filter(|&&c| is_dash(c) || c == '.' || c == '/')
        .count();
    let dot_spaced = chars
        .windows(2)
        .any(|w| w.contains(&'.') && w.iter().any(|c| c.is_whitespace()));
    let open_last = chars
        .iter()
        .position(|&c| c == '(')
        .is_none_or(|p| p == chars.len() - 1);
    let close_first = chars.iter().position(|&c| c == ')').is_none_or(|p| p == 0);
    chars.len() <= 3 && punct <= 1 && !dot_spaced && open_last && close_first
}

/// A separator that ends one number and may start another (whitespace, parentheses).
fn soft_separator(sep: &str) -> bool {
    sep.chars()
        .all(|c| c.is_whitespace() || c == '(' || c == ')')
        && sep.contains(char::is_whitespace)
}

/// Scans one run starting at byte `start` (a digit, or `+`/`(` before a digit).
fn scan_run(text: &str, start: usize) -> Run {
    let bytes = text.as_bytes();
    let plus = bytes[start] == b'+';
    let mut pos = if plus || bytes[start] == b'(' {
        start + 1
    } else {
        start
    };
    let mut groups = Vec::new();
    let mut seps = Vec::new();
    loop {
        let digits_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let paren =
            digits_start > 0 && bytes[digits_start - 1] == b'(' && bytes.get(pos) == Some(&b')');
        groups.push(Group {
            start: digits_start,
            end: pos,
            paren,
        });

        // Separator stretch, then another group or the end of the run.
        let sep_len: usize = text[pos..]
            .chars()
            .take_while(|&c| is_separator(c))
            .take(4)
            .map(char::len_utf8)
            .sum();
        let next = pos + sep_len;
        let continues = sep_len > 0
            && bytes.get(next).is_some_and(u8::is_ascii_digit)
            && valid_separator(&text[pos..next]);
        if !continues {
            return Run {
                start,
                end: pos,
                plus,
                groups,
                seps,
            };
        }
        seps.push((pos, next));
        pos = next;
    }
}

/// Whether a number may start at `start`: not glued to a word, an id, a price or a dotted value.
fn left_boundary_ok(text: &str, start: usize) -> bool {
    let mut before = text[..start].chars().rev();
    let Some(prev) = before.next() else {
        return true;
    };
    let prev2 = before.next();
    if prev.is_alphanumeric() || matches!(prev, '_' | '#' | '$' | '€' | '£' | '¥' | '₹' | '&')
    {
        return false;
    }
    if text[start..].starts_with('+') {
        // "to help.+1-888-…": only words and closing brackets glue to a `+`.
        return !matches!(prev, ')' | ']');
    }
    let glued = matches!(prev, '.' | '-' | '/' | '+') && prev2.is_some_and(char::is_alphanumeric);
    let after_number = matches!(prev, ',' | ':') && prev2.is_some_and(|c| c.is_ascii_digit());
    !glued && !after_number
}

/// Whether a number may end at `end`: not followed by letters, units, `%` or more digits.
fn right_boundary_ok(text: &str, end: usize) -> bool {
    let mut after = text[end..].chars();
    let Some(next) = after.next() else {
        return true;
    };
    let next2 = after.next();
    if next.is_alphanumeric() || matches!(next, '_' | '%' | '@' | '€' | '$') {
        return false;
    }
    let continued =
        matches!(next, '.' | ',' | ':' | '-' | '/') && next2.is_some_and(char::is_alphanumeric);
    !continued
}

/// Whether the text right before `start` labels a phone number (`Tel:`, `call us on`).
fn labelled(text: &str, start: usize) -> bool {
    let from = text[..start]
        .char_indices()
        .rev()
        .take(40)
        .last()
        .map_or(start, |(i, _)| i);
    let before = &text[from..start];
    LABEL.is_match(before)
}

/// Whether `tel:` is written right before `start`.
fn after_tel_scheme(text: &str, start: usize) -> bool {
    text.get(start.saturating_sub(4)..start)
        .is_some_and(|p| p.eq_ignore_ascii_case("tel:"))
}

/// Finds phone numbers in `text`.
pub(crate) fn find_phones(text: &str, mode: PhoneMode, hint: Option<Region>) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let opens = matches!(c, b'+' | b'(') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(c.is_ascii_digit() || opens) {
            i += 1;
            continue;
        }
        let run = scan_run(text, i);
        i = run.end.max(i + 1);
        found.extend(numbers_in_run(text, &run, mode, hint));
    }
    found
}

/// Picks the numbers inside one run, longest valid prefix first.
fn numbers_in_run(text: &str, run: &Run, mode: PhoneMode, hint: Option<Region>) -> Vec<Found> {
    let mut found = Vec::new();
    let mut first = 0;
    while first < run.groups.len() {
        let at_run_start = first == 0;
        let span_start = if at_run_start {
            run.start
        } else {
            run.groups[first].start
        };
        let tel = mode == PhoneMode::Tel || after_tel_scheme(text, span_start);
        let may_start = if at_run_start {
            tel || left_boundary_ok(text, run.start)
        } else {
            soft_separator(&text[run.seps[first - 1].0..run.seps[first - 1].1])
        };

        let mut next_first = first + 1;
        if may_start {
            // Inside a run the text before is digits, never a label.
            let has_label =
                tel || (mode == PhoneMode::Text && at_run_start && labelled(text, span_start));
            let mut ctx = Context {
                plus: at_run_start && run.plus,
                labelled: false,
                mode: if tel { PhoneMode::Tel } else { mode },
                whole_run: false,
            };
            // Layouts that are phones on their own win over what a label alone would allow, so
            // "Call 1-800-123-4567 24 hours" stops before the 24.
            let mut picked = longest_number(text, run, first, &ctx, hint);
            if picked.is_none() && has_label {
                ctx.labelled = true;
                picked = longest_number(text, run, first, &ctx, hint);
            }
            if let Some((last, found_one)) = picked {
                found.push(Found {
                    start: span_start,
                    ..found_one
                });
                next_first = last + 1;
            }
        }
        first = next_first;
    }
    found
}

/// The longest run of groups starting at `first` that classifies as a number, with the index of
/// its last group.
fn longest_number(
    text: &str,
    run: &Run,
    first: usize,
    ctx: &Context,
    hint: Option<Region>,
) -> Option<(usize, Found)> {
    let limit = run.groups.len().min(first + MAX_GROUPS);
    for last in (first..limit).rev() {
        let end_ok = if last + 1 == run.groups.len() {
            right_boundary_ok(text, run.end)
        } else {
            let (s, e) = run.seps[last];
            soft_separator(&text[s..e])
        };
        if !end_ok {
            continue;
        }
        let groups = &run.groups[first..=last];
        if !plausible(text, groups, ctx) {
            continue;
        }
        let seps = &run.seps[first..last];
        let whole_run = first == 0 && last + 1 == run.groups.len();
        if let Some(found) = classify(text, groups, seps, &Context { whole_run, ..*ctx }, hint) {
            let end = groups[groups.len() - 1].end;
            return Some((last, Found { end, ..found }));
        }
    }
    None
}

/// Cheap shape test before [`classify`]: the digit count fits, and without `+`, label or `tel:`
/// the layout is NANP-like or starts with a trunk `0` (bounds the work on long runs of numbers).
fn plausible(text: &str, groups: &[Group], ctx: &Context) -> bool {
    let lens = || groups.iter().map(|g| g.end - g.start);
    if !(7..=15).contains(&lens().sum::<usize>()) {
        return false;
    }
    if ctx.plus || ctx.labelled || ctx.mode == PhoneMode::Tel {
        return true;
    }
    let nanp_like = lens().eq([3, 3, 4]) || lens().eq([1, 3, 3, 4]);
    ctx.mode == PhoneMode::Text && (nanp_like || text.as_bytes()[groups[0].start] == b'0')
}

/// What is known about a candidate besides its digits.
#[derive(Debug, Clone, Copy)]
struct Context {
    plus: bool,
    labelled: bool,
    mode: PhoneMode,
    /// The candidate is its whole run (no digit groups joined to it on either side).
    whole_run: bool,
}

/// Decides whether the groups form a phone number and normalises it.
fn classify(
    text: &str,
    groups: &[Group],
    seps: &[(usize, usize)],
    ctx: &Context,
    hint: Option<Region>,
) -> Option<Found> {
    let mut parts: Vec<&str> = groups.iter().map(|g| &text[g.start..g.end]).collect();
    let sep_text: String = seps.iter().map(|&(s, e)| &text[s..e]).collect();
    let has_slash = sep_text.contains('/');
    let has_dot = sep_text.contains('.');

    if !consistent_separators(text, seps, ctx.plus) {
        return None;
    }
    if ctx.plus {
        // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
        if parts.len() > 2 && parts[1] == "0" && groups[1].paren {
            parts.remove(1);
        }
        if has_slash || (ctx.mode == PhoneMode::Script && parts.len() == 1) {
            return None;
        }
        return international(&parts.concat()).map(e164_found);
    }
    if ctx.mode == PhoneMode::Script {
        return None;
    }

    let digits = parts.concat();
    let n = digits.len();
    let single_digit_group = parts.iter().skip(1).any(|p| p.len() == 1);
    let same_digit = digits.bytes().all(|b| b == digits.as_bytes()[0]);
    if !(7..=15).contains(&n)
        || single_digit_group
        || same_digit
        || looks_like_date(&parts, &sep_text)
    {
        return None;
    }
    if has_slash && ctx.mode != PhoneMode::Tel {
        return None;
    }
    if let Some(ten) = nanp_layout(&parts, groups) {
        return Some(e164_found(format!("+1{ten}")));
    }
    if has_dot || (parts.len() == 1 && !ctx.labelled) {
        return None;
    }

    // Unformatted 1-8xx with a label is as clear as a formatted one.
    let toll_free_nanp = n == 11
        && digits.starts_with('1')
        && dialing::is_nanp(&digits[1..])
        && dialing::is_nanp_toll_free(&digits[1..]);
    if ctx.labelled && toll_free_nanp {
        return Some(e164_found(format!("+{digits}")));
    }

    // A space-grouped national number cut out of a longer space-grouped run is more likely part
    // of an IBAN, card or reference number ("DE89 3704 0044 0532 0130 00").
    let spaced = seps
        .iter()
        .all(|&(s, e)| text[s..e].chars().all(char::is_whitespace));
    let trunk_national = digits.starts_with('0')
        && (9..=13).contains(&n)
        && parts[0].len() >= 2
        && (ctx.whole_run || !spaced);
    if !(trunk_national || ctx.labelled) {
        return None;
    }
    if let Some(e164) = hint.and_then(|region| dialing::national_to_e164(&digits, region)) {
        return Some(e164_found(e164));
    }
    let placeholder = digits.contains("123456789") || digits.contains("987654321");
    Some(Found {
        start: 0,
        end: 0,
        value: digits,
        detail: Some("national".to_string()),
        placeholder,
    })
}

fn e164_found(e164: String) -> Found {
    let placeholder = dialing::is_fictional(&e164);
    Found {
        start: 0,
        end: 0,
        value: e164,
        detail: Some("e164".to_string()),
        placeholder,
    }
}

/// Validates the digits written after `+` and returns the E.164 form.
fn international(digits: &str) -> Option<String> {
    let cc = dialing::country_code_len(digits)?;
    let nsn = &digits[cc..];
    let same_digit = nsn.bytes().all(|b| Some(&b) == nsn.as_bytes().first());
    let ok = if cc == 1 {
        dialing::is_nanp(nsn)
    } else {
        (8..=15).contains(&digits.len())
            && dialing::nsn_len_ok(&digits[..cc], nsn.len())
            && !same_digit
    };
    ok.then(|| format!("+{digits}"))
}

/// Whether one number is written with one kind of separator (space, dash, dot or slash).
/// Separators next to parentheses and, after `+`, the one following the country code may differ:
/// `(800) 555-0199`, `+1 800-555-0199`. "1-800-223-4567 24" is two things, not one number.
fn consistent_separators(text: &str, seps: &[(usize, usize)], plus: bool) -> bool {
    let kind = |sep: &str| {
        let punct = sep.chars().find(|&c| is_dash(c) || c == '.' || c == '/');
        punct
            .map(|c| if is_dash(c) { '-' } else { c })
            .unwrap_or(' ')
    };
    let mut kinds = seps
        .iter()
        .skip(usize::from(plus))
        .map(|&(s, e)| &text[s..e])
        .filter(|sep| !sep.contains(['(', ')']))
        .map(kind);
    let first = kinds.next();
    kinds.all(|k| Some(k) == first)
}

/// The ten NANP digits when the groups are laid out as `[1] NPA NXX xxxx`.
fn nanp_layout(parts: &[&str], groups: &[Group]) -> Option<String> {
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let skip = match lens.as_slice() {
        [3, 3, 4] => 0,
        [1, 3, 3, 4] if parts[0] == "1" => 1,
        _ => return None,
    };
    // A parenthesised group can only be the area code.
    let paren_elsewhere = groups.iter().enumerate().any(|(i, g)| g.paren && i != skip);
    let ten = parts[skip..].concat();
    (!paren_elsewhere && dialing::is_nanp(&ten)).then_some(ten)
}

/// Dates written with one kind of separator: `2023-01-15`, `15.01.2023`, `1/2/2023`.
fn looks_like_date(parts: &[&str], sep_text: &str) -> bool {
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let year_first = matches!(lens.as_slice(), [4, 1 | 2, 1 | 2, ..]);
    let year_last = matches!(lens.as_slice(), [1 | 2, 1 | 2, 4, ..]);
    let dated_sep = sep_text.chars().any(|c| is_dash(c) || c == '.' || c == '/');
    dated_sep && (year_first || year_last)
}

#[cfg(test)]
#[path = "phone_tests.rs"]
mod tests;
