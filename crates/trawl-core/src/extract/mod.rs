//! Indicator extraction: the e-mail addresses, phone numbers and cryptocurrency wallets a
//! captured page shows or carries, each with a short context snippet for the analyst.
//!
//! The module owns finding and normalising values in one page. Where they are searched (the
//! `text` submodule splits the page): e-mails and wallets in the visible text, attribute values,
//! inline scripts and comments; phones in the visible text, form values and placeholders, phone
//! `<meta>` tags and `tel:` links, and in scripts only when written as `+CC` with separators or
//! after `tel:` (the call-back number of a tech-support kit often lives only in its script).
//! Values are deduplicated per page by kind and normalised value; the first occurrence gives the
//! context, visible text first. Storing indicators and linking pages that share one are left to
//! the storage and linking stages.
//!
//! Extraction never fails: a page that does not parse cleanly yields what the HTML5 parser
//! recovers, and a candidate that does not validate is dropped silently.

mod base58;
mod bech32;
mod dialing;
mod email;
mod phone;
mod text;
mod wallet;

#[cfg(test)]
mod corpus_tests;

use std::collections::HashMap;

use serde::Serialize;

use self::email::EmailScope;
use self::phone::PhoneMode;
use self::text::{AttrRole, Segment, SegmentKind};

/// The kind of an indicator; the serialised names are the database values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A cryptocurrency wallet address.
    Wallet,
}

impl IndicatorKind {
    /// The database value (`email`, `phone`, `wallet`).
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Email => "email",
            IndicatorKind::Phone => "phone",
            IndicatorKind::Wallet => "wallet",
        }
    }
}

/// One indicator found in a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// What the value is.
    pub kind: IndicatorKind,
    /// Normalised value: e-mail in lower case, phone in E.164 (`+…`) or national digits, wallet
    /// address as written.
    pub value: String,
    /// Phone: `e164` or `national`; wallet: the chain (`btc`, `eth`, `ltc`, `doge`, `trx`, `xmr`,
    /// `sol`); e-mail: none.
    pub detail: Option<String>,
    /// The value only illustrates a format (`someone@example.com`, a `placeholder` attribute, a
    /// number from a range reserved for fiction) and is not an indicator of its own.
    pub placeholder: bool,
    /// About 40 characters either side of the first occurrence, whitespace collapsed; attribute
    /// values are prefixed with where they were found (`input[placeholder]: …`).
    pub context: String,
}

/// Optional knowledge that changes normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractOptions {
    /// ISO 3166-1 alpha-2 country of the page (for example from its TLD or language), used to
    /// convert national phone numbers with a trunk `0` to E.164. Unknown codes are ignored; the
    /// supported ones are US, CA, GB, IE, DE, AT, CH, FR, NL, BE, SE, AU, NZ, IN, ZA and JP.
    pub country_hint: Option<String>,
}

/// A value found in a segment, with its byte range there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub value: String,
    pub detail: Option<String>,
    pub placeholder: bool,
}

/// How many characters of context to keep on each side of a value.
const CONTEXT_CHARS: usize = 40;

/// Extracts the indicators of an HTML page.
pub fn extract_indicators(html: &str) -> Vec<Indicator> {
    extract_indicators_with(html, &ExtractOptions::default())
}

/// Extracts the indicators of an HTML page, with options.
pub fn extract_indicators_with(html: &str, options: &ExtractOptions) -> Vec<Indicator> {
    let region = options.country_hint.as_deref().and_then(dialing::region);
    let mut indicators = Indicators::default();
    for segment in text::segments(html) {
        indicators.add(&segment, region);
    }
    indicators.list
}

/// Extracts the indicators of plain text (treated like a page's visible text).
pub fn extract_from_text(text: &str) -> Vec<Indicator> {
    extract_from_text_with(text, &ExtractOptions::default())
}

/// Extracts the indicators of plain text, with options.
pub fn extract_from_text_with(text: &str, options: &ExtractOptions) -> Vec<Indicator> {
    let region = options.country_hint.as_deref().and_then(dialing::region);
    let segment = Segment {
        kind: SegmentKind::Text,
        text: text.to_string(),
        label: None,
    };
    let mut indicators = Indicators::default();
    indicators.add(&segment, region);
    indicators.list
}

/// Indicators of one page, deduplicated by kind and value.
#[derive(Default)]
struct Indicators {
    list: Vec<Indicator>,
    index: HashMap<(IndicatorKind, String), usize>,
}

impl Indicators {
    /// Scans one segment with the rules its kind calls for.
    fn add(&mut self, segment: &Segment, region: Option<dialing::Region>) {
        use IndicatorKind::{Email, Phone, Wallet};

        let text = segment.text.as_str();
        let (email_scope, phone_mode, wallets) = match segment.kind {
            SegmentKind::Text => (Some(EmailScope::Text), Some(PhoneMode::Text), true),
            SegmentKind::Script => (Some(EmailScope::Code), Some(PhoneMode::Script), true),
            SegmentKind::Comment => (Some(EmailScope::Code), None, true),
            SegmentKind::Attribute(role) => match role {
                AttrRole::Mailto => (Some(EmailScope::Text), None, false),
                AttrRole::Tel => (None, Some(PhoneMode::Tel), false),
                AttrRole::FormValue | AttrRole::FormPlaceholder | AttrRole::PhoneMeta => {
                    (Some(EmailScope::Text), Some(PhoneMode::Text), true)
                }
                AttrRole::Other => (Some(EmailScope::Text), None, true),
            },
        };
        let placeholder_attr = segment.kind == SegmentKind::Attribute(AttrRole::FormPlaceholder);

        let mut found: Vec<(IndicatorKind, Found)> = Vec::new();
        if let Some(scope) = email_scope {
            found.extend(
                email::find_emails(text, scope)
                    .into_iter()
                    .map(|f| (Email, f)),
            );
        }
        if let Some(mode) = phone_mode {
            found.extend(
                phone::find_phones(text, mode, region)
                    .into_iter()
                    .map(|f| (Phone, f)),
            );
        }
        if wallets {
            found.extend(wallet::find_wallets(text).into_iter().map(|f| (Wallet, f)));
        }

        for (kind, f) in found {
            let placeholder = f.placeholder || placeholder_attr;
            let key = (kind, f.value.clone());
            if let Some(&i) = self.index.get(&key) {
                // A value shown anywhere as an example stays an example.
                self.list[i].placeholder |= placeholder;
                continue;
            }
            self.index.insert(key, self.list.len());
            self.list.push(Indicator {
                kind,
                context: context(segment, f.start, f.end),
                value: f.value,
                detail: f.detail,
                placeholder,
            });
        }
    }
}

/// Byte offsets of up to `radius` characters before `start` and after `end`.
pub(crate) fn window(text: &str, start: usize, end: usize, radius: usize) -> (usize, usize) {
    let from = text[..start]
        .char_indices()
        .rev()
        .take(radius)
        .last()
        .map_or(start, |(i, _)| i);
    let to = text[end..]
        .char_indices()
        .nth(radius)
        .map_or(text.len(), |(i, _)| end + i);
    (from, to)
}

/// The context snippet of a value, whitespace collapsed, labelled for attributes.
fn context(segment: &Segment, start: usize, end: usize) -> String {
    let (from, to) = window(&segment.text, start, end, CONTEXT_CHARS);
    let snippet = segment.text[from..to]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match &segment.label {
        Some(label) => format!("{label}: {snippet}"),
        None => snippet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(found: &[Indicator]) -> Vec<(IndicatorKind, &str, bool)> {
        found
            .iter()
            .map(|i| (i.kind, i.value.as_str(), i.placeholder))
            .collect()
    }

    #[test]
    fn extracts_each_kind_from_a_page() {
        let html = r#"<html><head><script>var w = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
            var n = 18005550199; var drop = 'kit.owner@yandex.ru';</script></head>
            <body><p>Call   us on <b>1-833-292-1232</b> or mail
            <a href="mailto:Help@Scam.example.net">us</a>.</p>
            <input type="email" placeholder="you@company.org" value="victim@gmail.com">
            <img src="logo@2x.png"></body></html>"#;
        let found = extract_indicators(html);
        assert_eq!(
            summary(&found),
            [
                (IndicatorKind::Phone, "+18332921232", false),
                (IndicatorKind::Email, "help@scam.example.net", true),
                (IndicatorKind::Email, "you@company.org", true),
                (IndicatorKind::Email, "victim@gmail.com", false),
                (IndicatorKind::Email, "kit.owner@yandex.ru", false),
                (
                    IndicatorKind::Wallet,
                    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                    false
                ),
            ]
        );
        assert_eq!(found[0].context, "Call us on 1-833-292-1232 or mail us.");
        assert_eq!(found[0].detail.as_deref(), Some("e164"));
        assert_eq!(found[2].context, "input[placeholder]: you@company.org");
        assert_eq!(found[5].detail.as_deref(), Some("btc"));
    }

    #[test]
    fn dedupes_per_page_and_keeps_placeholder_marks() {
        let text = "someone@example.com, SOMEONE@example.com, +1 800 555 0199 or 1-800-555-0199";
        let found = extract_from_text(text);
        assert_eq!(
            summary(&found),
            [
                (IndicatorKind::Email, "someone@example.com", true),
                (IndicatorKind::Phone, "+18005550199", true),
            ]
        );
    }

    #[test]
    fn context_is_bounded_and_collapsed() {
        let text = format!("{}\n\n a@b.co \t{}", "x".repeat(100), "y".repeat(100));
        let found = extract_from_text(&text);
        assert_eq!(
            found[0].context,
            format!("{} a@b.co {}", "x".repeat(37), "y".repeat(38))
        );
    }

    #[test]
    fn country_hint_is_applied() {
        let options = ExtractOptions {
            country_hint: Some("gb".into()),
        };
        let found = extract_from_text_with("call 0800 111 4567", &options);
        assert_eq!(found[0].value, "+448001114567");
        assert_eq!(
            extract_from_text("call 0800 111 4567")[0].value,
            "08001114567"
        );
    }

    #[test]
    fn kinds_serialise_as_database_values() {
        assert_eq!(
            serde_json::to_string(&IndicatorKind::Wallet).unwrap(),
            "\"wallet\""
        );
        assert_eq!(IndicatorKind::Phone.as_str(), "phone");
    }
}
