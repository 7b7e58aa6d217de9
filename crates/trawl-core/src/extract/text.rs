//! Turns a captured HTML page into the pieces indicators are searched in: the visible text (one
//! segment, with line breaks at block elements), inline scripts, comments, and attribute values
//! tagged by role (`mailto:`/`tel:` link targets, form `value`/`placeholder`, phone `<meta>`).
//!
//! `<style>` content and `style` attributes are dropped; `<noscript>` content, which the parser
//! keeps as raw markup, is parsed again as a fragment. Parsing never fails: malformed HTML gives
//! whatever the HTML5 parser recovers.

use scraper::{Html, Node};

/// What a segment of the page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentKind {
    /// Text a visitor can read.
    Text,
    /// Inline `<script>` source.
    Script,
    /// An HTML comment.
    Comment,
    /// An attribute value, by role.
    Attribute(AttrRole),
}

/// Why an attribute value is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrRole {
    /// The address of a `mailto:` link (scheme removed, percent-decoded).
    Mailto,
    /// The number of a `tel:`/`callto:` link (scheme removed, percent-decoded).
    Tel,
    /// A `value` attribute: what a form is prefilled with.
    FormValue,
    /// A `placeholder` attribute: an example of what to type.
    FormPlaceholder,
    /// `<meta content>` whose name, property or itemprop mentions a phone.
    PhoneMeta,
    /// Any other attribute (percent-decoded when it contains escapes).
    Other,
}

/// One piece of the page, with a label for attribute values (`input[placeholder]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub kind: SegmentKind,
    pub text: String,
    pub label: Option<String>,
}

/// Elements that start a new line in rendered text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "button",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "select",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// How deep `<noscript>` re-parsing may nest.
const MAX_NOSCRIPT_DEPTH: usize = 2;

/// Splits a page into segments: visible text first, then attributes, scripts and comments, each
/// in document order.
pub(crate) fn segments(html: &str) -> Vec<Segment> {
    let mut parts = Parts::default();
    collect(&Html::parse_document(html), &mut parts, 0);

    let mut out = vec![Segment {
        kind: SegmentKind::Text,
        text: parts.visible,
        label: None,
    }];
    out.extend(parts.attributes);
    out.extend(parts.scripts);
    out.extend(parts.comments);
    out
}

#[derive(Default)]
struct Parts {
    visible: String,
    attributes: Vec<Segment>,
    scripts: Vec<Segment>,
    comments: Vec<Segment>,
}

/// Walks the tree without recursion (pages can nest deeply), filling `parts`.
fn collect(doc: &Html, parts: &mut Parts, depth: usize) {
    let mut stack = vec![(doc.tree.root(), false)];
    while let Some((node, closing)) = stack.pop() {
        match node.value() {
            Node::Element(el) => {
                let block = BLOCK_TAGS.contains(&el.name());
                if block {
                    parts.visible.push('\n');
                }
                if closing {
                    continue;
                }
                attribute_segments(el, &mut parts.attributes);
                if el.name() == "style" {
                    continue;
                }
                stack.push((node, true));
                stack.extend(node.children().rev().map(|child| (child, false)));
            }
            Node::Text(text) => {
                let parent = node
                    .parent()
                    .and_then(|p| p.value().as_element().map(|e| e.name()));
                match parent {
                    Some("script") => parts.scripts.push(Segment {
                        kind: SegmentKind::Script,
                        text: text.to_string(),
                        label: None,
                    }),
                    Some("noscript") if depth < MAX_NOSCRIPT_DEPTH => {
                        collect(&Html::parse_fragment(text), parts, depth + 1);
                    }
                    _ => parts.visible.push_str(text),
                }
            }
            Node::Comment(comment) => parts.comments.push(Segment {
                kind: SegmentKind::Comment,
                text: comment.to_string(),
                label: None,
            }),
            _ => stack.extend(node.children().rev().map(|child| (child, false))),
        }
    }
}

/// Adds the attribute values of one element worth scanning.
fn attribute_segments(el: &scraper::node::Element, out: &mut Vec<Segment>) {
    let phone_meta = el.name() == "meta"
        && ["name", "property", "itemprop"]
            .iter()
            .filter_map(|a| el.attr(a))
            .any(|v| v.to_ascii_lowercase().contains("phone"));

    for (name, value) in el.attrs() {
        if name == "style" || value.trim().is_empty() {
            continue;
        }
        let lower = value.trim_start().to_ascii_lowercase();
        let (role, text) = if lower.starts_with("mailto:") {
            (
                AttrRole::Mailto,
                percent_decode(&value.trim_start()["mailto:".len()..]),
            )
        } else if let Some(scheme) = ["tel:", "callto:"].iter().find(|s| lower.starts_with(**s)) {
            (
                AttrRole::Tel,
                percent_decode(&value.trim_start()[scheme.len()..]),
            )
        } else {
            let role = match name {
                "value" => AttrRole::FormValue,
                "placeholder" => AttrRole::FormPlaceholder,
                "content" if phone_meta => AttrRole::PhoneMeta,
                _ => AttrRole::Other,
            };
            (role, percent_decode(value))
        };
        out.push(Segment {
            kind: SegmentKind::Attribute(role),
            text,
            label: Some(format!("{}[{name}]", el.name())),
        });
    }
}

/// Decodes `%XX` escapes (invalid escapes kept, invalid UTF-8 replaced).
fn percent_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of_kind(segments: &[Segment], kind: SegmentKind) -> Vec<String> {
        segments
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.text.clone())
            .collect()
    }

    #[test]
    fn separates_text_scripts_styles_and_comments() {
        let html = "<html><head><title>T</title><style>.a{color:red}</style>\
                    <script>var x = 'a@b.ru';</script></head><body><p>Hello <b>you</b></p>\
                    <div>next</div><!-- kit by x@y.ru --></body></html>";
        let segments = segments(html);
        let visible = &of_kind(&segments, SegmentKind::Text)[0];
        assert!(visible.contains("Hello you") && visible.contains("\nnext"));
        assert!(!visible.contains("color") && !visible.contains("var x"));
        assert_eq!(
            of_kind(&segments, SegmentKind::Script),
            ["var x = 'a@b.ru';"]
        );
        assert_eq!(
            of_kind(&segments, SegmentKind::Comment),
            [" kit by x@y.ru "]
        );
    }

    #[test]
    fn labels_attribute_roles() {
        let html = r#"<a href="MAILTO:a%40b.com">m</a><a href="tel:+1%20800">t</a>
                      <input value="v@x.com" placeholder="p@x.com" style="color:red">
                      <meta itemprop="telephone" content="+1 800"><img alt="hi">"#;
        let segments = segments(html);
        let mut roles: Vec<(AttrRole, &str, &str)> = segments
            .iter()
            .filter_map(|s| match s.kind {
                SegmentKind::Attribute(role) => {
                    Some((role, s.text.as_str(), s.label.as_deref().unwrap_or("")))
                }
                _ => None,
            })
            .filter(|(role, _, _)| *role != AttrRole::Other)
            .collect();
        // The parser does not keep attribute order within an element.
        roles.sort_by_key(|(_, text, label)| (*label, *text));
        assert_eq!(
            roles,
            [
                (AttrRole::Tel, "+1 800", "a[href]"),
                (AttrRole::Mailto, "a@b.com", "a[href]"),
                (AttrRole::FormPlaceholder, "p@x.com", "input[placeholder]"),
                (AttrRole::FormValue, "v@x.com", "input[value]"),
                (AttrRole::PhoneMeta, "+1 800", "meta[content]"),
            ]
        );
    }

    #[test]
    fn reads_noscript_content_as_markup() {
        let segments = segments("<noscript><p>Call <b>0800 111 4567</b></p></noscript>");
        let visible = &of_kind(&segments, SegmentKind::Text)[0];
        assert!(visible.contains("Call 0800 111 4567"), "{visible:?}");
        assert!(!visible.contains("<b>"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b.com%2"), "a@b.com%2");
        assert_eq!(percent_decode("plain"), "plain");
    }
}
