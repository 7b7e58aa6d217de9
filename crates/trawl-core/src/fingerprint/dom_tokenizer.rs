//! A small HTML tokenizer for the DOM hash: it reports start tags, end tags and whether a run
//! of text is blank, nothing more. It follows the HTML5 tokenization rules that decide where a
//! tag begins and ends (quoted attribute values, comments including `--!>`, bogus comments,
//! doctype, raw-text and RCDATA elements, script-data escapes), which is also what libxml2 2.14
//! (the parser behind Lookyloo's `lxml`) does. Tree building is left to `dom`.

/// One tokenizer event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// `<name ...>`; the name is ASCII-lowercased (kept as written in XML mode).
    Start { name: String, self_closing: bool },
    /// `</name ...>`, name lowercased like start tags.
    End { name: String },
    /// A run of character data; `blank` when it holds only HTML whitespace.
    Text { blank: bool },
}

/// How the content after a start tag is read until its end tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    /// `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`, `<title>`, `<textarea>`:
    /// everything up to the matching end tag is text.
    Text,
    /// `<script>`: like `Text`, with HTML5's `<!--` / `<script>` escape rules.
    Script,
    /// `<plaintext>`: the rest of the document is text.
    Plain,
}

/// What the markup at the cursor turned out to be.
enum Markup {
    Token(Token),
    Skipped,
    Eof,
}

/// A cursor over the document's characters.
pub(crate) struct Tokenizer {
    chars: Vec<char>,
    pos: usize,
    xml: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

impl Tokenizer {
    /// A tokenizer over `text`; `xml` keeps name case and treats CDATA sections as text.
    pub(crate) fn new(text: &str, xml: bool) -> Self {
        Tokenizer {
            chars: text.chars().collect(),
            pos: 0,
            xml,
        }
    }

    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn starts_with_ignore_case(&self, at: usize, word: &str) -> bool {
        let mut i = at;
        for w in word.chars() {
            match self.chars.get(i) {
                Some(c) if c.eq_ignore_ascii_case(&w) => i += 1,
                _ => return false,
            }
        }
        true
    }

    /// The next token, or `None` at the end of the input.
    pub(crate) fn next_token(&mut self) -> Option<Token> {
        loop {
            let start = self.pos;
            let mut blank = true;
            while self.pos < self.chars.len() {
                if self.chars[self.pos] == '<' && self.opens_markup() {
                    break;
                }
                blank &= is_space(self.chars[self.pos]);
                self.pos += 1;
            }
            if self.pos > start {
                return Some(Token::Text { blank });
            }
            if self.pos >= self.chars.len() {
                return None;
            }
            match self.markup() {
                Markup::Token(token) => return Some(token),
                Markup::Skipped => {}
                Markup::Eof => return None,
            }
        }
    }

    /// Whether the `<` at the cursor starts a tag, comment or declaration (else it is text).
    fn opens_markup(&self) -> bool {
        match self.peek(1) {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some('!') | Some('?') => true,
            Some('/') => self.peek(2).is_some(),
            _ => false,
        }
    }

    /// Reads the markup at the cursor: a tag, or a comment or declaration that yields nothing.
    fn markup(&mut self) -> Markup {
        match self.peek(1) {
            Some('!') => self.declaration(),
            Some('?') => self.skip_to_gt(self.pos + 2),
            Some('/') => match self.peek(2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    self.pos += 2;
                    return match self.tag_body() {
                        Some((name, _)) => Markup::Token(Token::End { name }),
                        None => Markup::Eof,
                    };
                }
                Some('>') => self.pos += 3,
                _ => self.skip_to_gt(self.pos + 2),
            },
            _ => {
                self.pos += 1;
                return match self.tag_body() {
                    Some((name, self_closing)) => {
                        Markup::Token(Token::Start { name, self_closing })
                    }
                    None => Markup::Eof,
                };
            }
        }
        Markup::Skipped
    }

    /// `<!--...-->`, `<!DOCTYPE ...>`, `<![CDATA[...]]>` (XML only) or a bogus comment.
    fn declaration(&mut self) {
        let after = self.pos + 2;
        if self.chars.get(after) == Some(&'-') && self.chars.get(after + 1) == Some(&'-') {
            self.comment(after + 2);
        } else if self.xml && self.starts_with_ignore_case(after, "[CDATA[") {
            self.pos = self
                .find(after + 7, "]]>")
                .map_or(self.chars.len(), |at| at + 3);
        } else {
            // DOCTYPE and anything else end at the first `>`.
            self.skip_to_gt(after);
        }
    }

    /// HTML5 comment: `<!-->` and `<!--->` close at once, else `-->` or `--!>` ends it.
    fn comment(&mut self, body: usize) {
        if self.chars.get(body) == Some(&'>') {
            self.pos = body + 1;
            return;
        }
        if self.chars.get(body) == Some(&'-') && self.chars.get(body + 1) == Some(&'>') {
            self.pos = body + 2;
            return;
        }
        let mut i = body;
        while i < self.chars.len() {
            if self.chars[i] == '-' && self.chars.get(i + 1) == Some(&'-') {
                match self.chars.get(i + 2) {
                    Some('>') => {
                        self.pos = i + 3;
                        return;
                    }
                    Some('!') if self.chars.get(i + 3) == Some(&'>') => {
                        self.pos = i + 4;
                        return;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        self.pos = self.chars.len();
    }

    fn skip_to_gt(&mut self, from: usize) {
        self.pos = self.chars[from.min(self.chars.len())..]
            .iter()
            .position(|&c| c == '>')
            .map_or(self.chars.len(), |at| from + at + 1);
    }

    fn find(&self, from: usize, needle: &str) -> Option<usize> {
        let needle: Vec<char> = needle.chars().collect();
        (from..self.chars.len()).find(|&i| self.chars[i..].starts_with(&needle))
    }

    /// Tag name and attributes up to `>`, cursor on the first name character. `None` when the
    /// input ends inside the tag (HTML5 drops such a tag).
    fn tag_body(&mut self) -> Option<(String, bool)> {
        let mut name = String::new();
        while let Some(c) = self.peek(0) {
            if is_space(c) || c == '/' || c == '>' {
                break;
            }
            name.push(match c {
                '\0' => '\u{fffd}',
                c if self.xml => c,
                c => c.to_ascii_lowercase(),
            });
            self.pos += 1;
        }
        let self_closing = self.attributes()?;
        Some((name, self_closing))
    }

    /// Skips attributes per HTML5 (quotes protect `>`; `/` only self-closes right before `>`)
    /// and consumes the closing `>`. Returns the self-closing flag.
    fn attributes(&mut self) -> Option<bool> {
        loop {
            let c = self.peek(0)?;
            self.pos += 1;
            match c {
                '>' => return Some(false),
                '/' if self.peek(0) == Some('>') => {
                    self.pos += 1;
                    return Some(true);
                }
                c if is_space(c) || c == '/' => {}
                _ => self.attribute()?,
            }
        }
    }

    /// One attribute whose first name character was consumed (an `=` there belongs to the
    /// name); stops before the character that ends it.
    fn attribute(&mut self) -> Option<()> {
        while let Some(c) = self.peek(0) {
            if is_space(c) || c == '/' || c == '>' || c == '=' {
                break;
            }
            self.pos += 1;
        }
        // Optional `= value`.
        let mut i = self.pos;
        while self.chars.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        if self.chars.get(i) != Some(&'=') {
            return Some(());
        }
        self.pos = i + 1;
        while self.peek(0).is_some_and(is_space) {
            self.pos += 1;
        }
        match self.peek(0)? {
            quote @ ('"' | '\'') => {
                let close = self.chars[self.pos + 1..]
                    .iter()
                    .position(|&c| c == quote)?;
                self.pos += close + 2;
            }
            '>' => {}
            _ => {
                while let Some(c) = self.peek(0) {
                    if is_space(c) || c == '>' {
                        break;
                    }
                    self.pos += 1;
                }
            }
        }
        Some(())
    }

    /// Skips the content of a raw element named `name`, leaving the cursor on its end tag.
    pub(crate) fn skip_raw(&mut self, name: &str, kind: RawKind) {
        match kind {
            RawKind::Plain => self.pos = self.chars.len(),
            RawKind::Text => {
                self.pos = self
                    .end_tag_from(self.pos, name)
                    .unwrap_or(self.chars.len())
            }
            RawKind::Script => self.pos = self.script_end().unwrap_or(self.chars.len()),
        }
    }

    /// Whether `</name` followed by whitespace, `/` or `>` starts at `at`.
    fn is_end_tag(&self, at: usize, name: &str) -> bool {
        self.chars.get(at) == Some(&'<')
            && self.chars.get(at + 1) == Some(&'/')
            && self.starts_with_ignore_case(at + 2, name)
            && self
                .chars
                .get(at + 2 + name.chars().count())
                .is_some_and(|&c| is_space(c) || c == '/' || c == '>')
    }

    fn end_tag_from(&self, from: usize, name: &str) -> Option<usize> {
        (from..self.chars.len()).find(|&i| self.is_end_tag(i, name))
    }

    /// HTML5 script data with its escaped and double-escaped states: the position of the
    /// `</script>` that really ends the element.
    fn script_end(&self) -> Option<usize> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            Data,
            Escaped,
            DoubleEscaped,
        }
        let mut state = State::Data;
        let mut dashes = 0usize;
        let mut i = self.pos;
        while i < self.chars.len() {
            let c = self.chars[i];
            match state {
                State::Data => {
                    if self.is_end_tag(i, "script") {
                        return Some(i);
                    }
                    if c == '<' && self.chars[i + 1..].starts_with(&['!', '-', '-']) {
                        state = State::Escaped;
                        // `<!--` leaves us right after two dashes: `<!-->` closes again.
                        dashes = 2;
                        i += 4;
                        continue;
                    }
                }
                State::Escaped | State::DoubleEscaped => {
                    if c == '>' && dashes >= 2 {
                        state = State::Data;
                    } else if state == State::Escaped && self.is_end_tag(i, "script") {
                        return Some(i);
                    } else if c == '<' {
                        let slash = self.chars.get(i + 1) == Some(&'/');
                        let word = i + 1 + usize::from(slash);
                        if self.script_word_at(word) && slash == (state == State::DoubleEscaped) {
                            state = if slash {
                                State::Escaped
                            } else {
                                State::DoubleEscaped
                            };
                            i = word + 6;
                            dashes = 0;
                            continue;
                        }
                    }
                }
            }
            dashes = if c == '-' { dashes + 1 } else { 0 };
            i += 1;
        }
        None
    }

    /// `script` (any case) at `at`, followed by whitespace, `/` or `>`.
    fn script_word_at(&self, at: usize) -> bool {
        self.starts_with_ignore_case(at, "script")
            && self
                .chars
                .get(at + 6)
                .is_some_and(|&c| is_space(c) || c == '/' || c == '>')
    }
}
