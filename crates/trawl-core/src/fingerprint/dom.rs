//! Lookyloo's `domhash`: a structural hash of a rendered page (element names, text ignored).
//!
//! Definition, from Lookyloo's capture-tree library `har2tree` (`har2tree/nodes.py`,
//! `URLNode._compute_domhash`, used by Lookyloo's DOM-hash index): parse the rendered HTML with
//! `make_soup` (BeautifulSoup with the `lxml` parser, or `lxml-xml` when the text starts with
//! `<?xml`), take `soup.find_all()` (every element in document order), join their `.name` with
//! `|`, SHA-256 the UTF-8 text and keep the first 32 hex characters.
//!
//! The names therefore come from libxml2's HTML parser, not from an HTML5 tree builder, and
//! the two differ on real pages: libxml2 parses `<noscript>` content as elements, never adds
//! `<tbody>`, never moves misnested elements, lowercases SVG names (`lineargradient`) and
//! implies only `html`, `head` and `body`. So this module does not use an HTML5 parser: the
//! `scraper` crate's tree gave Lookyloo's value on only 46 of 55 Chromium-rendered corpus
//! pages. It tokenizes per HTML5, which is what libxml2 2.14 does, and replays libxml2's tree
//! rules that decide which elements exist: implied `html`/`head`/`body`, discarded duplicate
//! `html`/`head`/`body` tags, its auto-close table and end-tag priorities. Since libxml2 only
//! ever appends to the current node, document order is the order in which elements are
//! created, so no tree is built. The rules were checked against BeautifulSoup 4 + lxml 6.0
//! (libxml2 2.14) on 126 edge cases and on the corpus pages (raw and Chromium-rendered).
//!
//! Decoding bytes to text (Lookyloo uses `charset_normalizer`) is the caller's job. The XML
//! path is approximate: element names in order, case kept, namespace prefix dropped.

use super::digest::sha256_hex;
use super::dom_tokenizer::{RawKind, Token, Tokenizer};

/// Lookyloo's domhash of `html`: the first 32 hex characters of SHA-256 over the element names
/// (as BeautifulSoup + lxml name them, in document order) joined by `|`.
pub fn dom_hash(html: &str) -> String {
    let names = element_names(html);
    let mut digest = sha256_hex(names.join("|").as_bytes());
    digest.truncate(32);
    digest
}

/// The element names BeautifulSoup + lxml would list for `html`, in document order.
pub(crate) fn element_names(html: &str) -> Vec<String> {
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    if html.starts_with("<?xml") {
        return xml_element_names(html);
    }
    let mut tokens = Tokenizer::new(html, false);
    let mut tree = Libxml2Tree::default();
    while let Some(token) = tokens.next_token() {
        match token {
            Token::Start { name, self_closing } => {
                let raw = raw_kind(&name).filter(|_| !self_closing);
                tree.start(name.clone(), self_closing);
                if let Some(kind) = raw {
                    tokens.skip_raw(&name, kind);
                }
            }
            Token::End { name } => tree.end(&name),
            Token::Text { blank } => {
                if !blank {
                    tree.text();
                }
            }
        }
    }
    tree.names
}

/// XML documents: every start tag in order, case kept, prefix dropped.
fn xml_element_names(xml: &str) -> Vec<String> {
    let mut tokens = Tokenizer::new(xml, true);
    let mut names = Vec::new();
    while let Some(token) = tokens.next_token() {
        if let Token::Start { name, .. } = token {
            names.push(name.rsplit(':').next().unwrap_or_default().to_string());
        }
    }
    names
}

/// Elements whose content libxml2 2.14 reads as text up to the matching end tag.
fn raw_kind(name: &str) -> Option<RawKind> {
    match name {
        "script" => Some(RawKind::Script),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "title" | "textarea" => {
            Some(RawKind::Text)
        }
        "plaintext" => Some(RawKind::Plain),
        _ => None,
    }
}

/// libxml2's empty (void) elements: popped as soon as they are opened.
#[rustfmt::skip]
const VOID: &[&str] = &[
    "area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex", "link",
    "meta", "param",
];

/// Start tags that imply `<head>` when nothing but `<html>` is open.
const HEAD_CONTENT: &[&str] = &["script", "style", "meta", "link", "title", "base"];

/// Start tags that close an open `<head>` (libxml2's start-close table, row `head`).
#[rustfmt::skip]
const CLOSES_HEAD: &[&str] = &[
    "a", "abbr", "acronym", "address", "b", "bdo", "big", "blockquote", "body", "br", "center",
    "cite", "code", "dd", "dfn", "dir", "div", "dl", "dt", "em", "fieldset", "font", "form",
    "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "kbd", "li",
    "listing", "map", "menu", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tt", "u", "ul", "var", "xmp",
];

/// The rest of libxml2's start-close table: an open element (first) is closed when one of the
/// listed start tags arrives while it is the current node.
#[rustfmt::skip]
const START_CLOSE: &[(&str, &[&str])] = &[
    ("a", &["a", "fieldset", "table", "td", "th"]),
    ("address", &["dd", "dl", "dt", "form", "li", "ul"]),
    ("b", &["center", "p", "td", "th"]),
    ("big", &["p"]),
    ("caption", &["col", "colgroup", "tbody", "tfoot", "thead", "tr"]),
    ("colgroup", &["colgroup", "tbody", "tfoot", "thead", "tr"]),
    ("dd", &["dt"]),
    ("dir", &["dd", "dl", "dt", "form", "ul"]),
    ("dl", &["form", "li"]),
    ("dt", &["dd", "dl"]),
    ("font", &["center", "td", "th"]),
    ("form", &["form"]),
    ("h1", &["fieldset", "form", "li", "p", "table"]),
    ("h2", &["fieldset", "form", "li", "p", "table"]),
    ("h3", &["fieldset", "form", "li", "p", "table"]),
    ("h4", &["fieldset", "form", "li", "p", "table"]),
    ("h5", &["fieldset", "form", "li", "p", "table"]),
    ("h6", &["fieldset", "form", "li", "p", "table"]),
    ("i", &["center", "p", "td", "th"]),
    ("legend", &["fieldset"]),
    ("li", &["li"]),
    ("listing", &["dd", "dl", "dt", "fieldset", "form", "li", "table", "ul"]),
    ("menu", &["dd", "dl", "dt", "form", "ul"]),
    ("ol", &["form"]),
    ("option", &["optgroup", "option"]),
    (
        "p",
        &[
            "address", "blockquote", "caption", "center", "col", "colgroup", "dd", "dir", "div",
            "dl", "dt", "fieldset", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
            "li", "listing", "menu", "ol", "p", "pre", "table", "tbody", "td", "tfoot", "th",
            "title", "tr", "ul", "xmp",
        ],
    ),
    ("pre", &["dd", "dl", "dt", "fieldset", "form", "li", "table", "ul"]),
    ("s", &["p"]),
    ("small", &["p"]),
    ("span", &["td", "th"]),
    ("strike", &["p"]),
    ("tbody", &["tbody", "tfoot"]),
    ("td", &["tbody", "td", "tfoot", "th", "tr"]),
    ("tfoot", &["tbody"]),
    ("th", &["tbody", "td", "tfoot", "th", "tr"]),
    ("thead", &["tbody", "tfoot"]),
    ("tr", &["tbody", "tfoot", "tr"]),
    ("tt", &["p"]),
    ("u", &["p", "td", "th"]),
    ("ul", &["address", "form", "menu", "pre"]),
];

fn closes(open: &str, new: &str) -> bool {
    if open == "head" {
        return CLOSES_HEAD.contains(&new);
    }
    START_CLOSE
        .iter()
        .any(|(old, closers)| *old == open && closers.contains(&new))
}

/// libxml2's end-tag priority: an end tag cannot close past an element of higher priority.
fn end_priority(name: &str) -> u8 {
    match name {
        "div" => 150,
        "td" | "th" => 160,
        "tr" => 170,
        "thead" | "tbody" | "tfoot" => 180,
        "table" => 190,
        "head" | "body" => 200,
        "html" => 220,
        _ => 100,
    }
}

/// The parts of libxml2's HTML tree construction that decide which elements are created.
#[derive(Default)]
struct Libxml2Tree {
    /// Names of the open elements, outermost first.
    stack: Vec<String>,
    /// Created elements, in creation (= document) order.
    names: Vec<String>,
    /// A `<head>` was created at some point (libxml2's `ctxt->html >= 3`).
    seen_head: bool,
    /// A `<body>` was created at some point (`ctxt->html >= 10`).
    seen_body: bool,
    /// Discarded `html`/`head`/`body` start tags whose end tags must be ignored.
    discarded: usize,
}

impl Libxml2Tree {
    fn current(&self) -> Option<&str> {
        self.stack.last().map(String::as_str)
    }

    fn open(&self, name: &str) -> bool {
        self.stack.iter().any(|n| n == name)
    }

    fn push(&mut self, name: &str) {
        self.seen_head |= name == "head";
        self.seen_body |= name == "body";
        self.names.push(name.to_string());
        self.stack.push(name.to_string());
    }

    fn start(&mut self, name: String, self_closing: bool) {
        if name == "html" && !self.stack.is_empty() {
            self.discarded += 1;
            return;
        }
        while self.current().is_some_and(|open| closes(open, &name)) {
            self.stack.pop();
        }
        self.imply(&name);
        let misplaced = match name.as_str() {
            "head" => self.stack.len() != 1,
            "body" => self.open("body"),
            _ => false,
        };
        if misplaced {
            self.discarded += 1;
            return;
        }
        self.push(&name);
        if self_closing || VOID.contains(&name.as_str()) {
            self.stack.pop();
        }
    }

    /// libxml2's `htmlCheckImplied` for a start tag `name`.
    fn imply(&mut self, name: &str) {
        if name == "html" {
            return;
        }
        if self.stack.is_empty() {
            self.push("html");
        }
        if name == "head" || name == "body" {
            return;
        }
        if self.stack.len() <= 1 && HEAD_CONTENT.contains(&name) {
            // libxml2 tests `ctxt->html >= 3`, which a created body also satisfies.
            if !self.seen_head && !self.seen_body {
                self.push("head");
            }
        } else if !matches!(name, "noframes" | "frame" | "frameset") {
            self.imply_body();
        }
    }

    fn imply_body(&mut self) {
        if !self.seen_body && !self.open("body") && !self.open("head") {
            self.push("body");
        }
    }

    /// Non-blank character data: outside any element or directly in `html`/`head` it implies
    /// `html` and closes `head`, then implies `body`.
    fn text(&mut self) {
        if self.stack.is_empty() {
            self.push("html");
        }
        match self.current() {
            Some("head") => {
                self.stack.pop();
                self.imply_body();
            }
            Some("html") => self.imply_body(),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        if self.discarded > 0 && matches!(name, "html" | "body" | "head") {
            self.discarded -= 1;
            return;
        }
        let Some(at) = self.stack.iter().rposition(|n| n == name) else {
            return;
        };
        let priority = end_priority(name);
        if self.stack[at + 1..]
            .iter()
            .any(|open| end_priority(open) > priority)
        {
            return;
        }
        self.stack.truncate(at);
    }
}

#[cfg(test)]
#[path = "dom_tests.rs"]
mod tests;
