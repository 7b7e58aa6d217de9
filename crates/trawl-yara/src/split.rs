//! Splitting a YARA source file into one chunk per rule, so that a broken rule can be
//! reported and left out while the others of the same file are kept.
//!
//! The splitter is lexical: it skips comments and quoted strings and finds rule headers
//! (`rule NAME`, optionally `private` / `global`) at the start of a line, and `import`
//! statements. Every chunk after the first gets the file's imports prepended, so each chunk
//! compiles on its own; [`RuleChunk::file_position`] maps a position in a chunk back to the
//! file. Text the splitter cannot place stays in a chunk, so the compiler still sees (and
//! reports) it.

/// One rule's source text, ready to compile alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChunk {
    /// The first rule name declared in the chunk (empty when none was found).
    pub name: String,
    /// Every rule name declared in the chunk.
    pub names: Vec<String>,
    /// Source text: the file's imports (for chunks after the first), then the rule.
    pub text: String,
    /// 1-based file line of the chunk's own first line.
    pub first_line: usize,
    /// Lines of imports prepended before the chunk's own text.
    pub prefix_lines: usize,
}

impl RuleChunk {
    /// The file position (1-based line and column) of 1-based `line`/`column` in [`Self::text`].
    pub fn file_position(&self, line: usize, column: usize) -> (usize, usize) {
        match line.checked_sub(self.prefix_lines) {
            Some(own) if own >= 1 => (self.first_line + own - 1, column),
            _ => (self.first_line, 1),
        }
    }
}

/// A rule header or import found at the start of a line.
#[derive(Debug)]
enum Statement {
    Rule { line_start: usize, name: String },
    Import { line_start: usize, line_end: usize },
}

/// Split `text` into rule chunks, in file order. A file without any rule header is returned
/// as one chunk, so its errors are still reported.
pub fn split_rules(text: &str) -> Vec<RuleChunk> {
    let statements = scan(text);
    let imports: Vec<&str> = statements
        .iter()
        .filter_map(|s| match s {
            Statement::Import {
                line_start,
                line_end,
            } => Some(text[*line_start..*line_end].trim_end()),
            _ => None,
        })
        .collect();
    let starts: Vec<(usize, &str)> = statements
        .iter()
        .filter_map(|s| match s {
            Statement::Rule { line_start, name } => Some((*line_start, name.as_str())),
            _ => None,
        })
        .collect();
    if starts.is_empty() {
        return vec![RuleChunk {
            name: String::new(),
            names: Vec::new(),
            text: text.to_string(),
            first_line: 1,
            prefix_lines: 0,
        }];
    }

    // Chunk boundaries: the first chunk keeps the preamble; later ones start at their header,
    // pulled back over the comment and blank lines just above it.
    let mut bounds: Vec<usize> = vec![0];
    bounds.extend(
        starts
            .iter()
            .skip(1)
            .map(|(at, _)| leading_comments(text, *at)),
    );
    bounds.push(text.len());
    let prefix = imports.join("\n");
    let mut chunks = Vec::new();
    for (i, (_, name)) in starts.iter().enumerate() {
        let own = &text[bounds[i]..bounds[i + 1]];
        let (body, prefix_lines) = if i == 0 || imports.is_empty() {
            (own.to_string(), 0)
        } else {
            (format!("{prefix}\n{own}"), imports.len())
        };
        chunks.push(RuleChunk {
            name: name.to_string(),
            names: vec![name.to_string()],
            text: body,
            first_line: line_of(text, bounds[i]),
            prefix_lines,
        });
    }
    chunks
}

/// 1-based line number of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The start of the run of comment-only and blank lines directly above `line_start`.
fn leading_comments(text: &str, line_start: usize) -> usize {
    let mut start = line_start;
    while start > 0 {
        let prev_start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[prev_start..start - 1].trim();
        if !(line.is_empty() || line.starts_with("//")) {
            break;
        }
        start = prev_start;
    }
    start
}

/// Find rule headers and imports outside comments and strings.
fn scan(text: &str) -> Vec<Statement> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    let mut current_line = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line_start = true;
                current_line = i + 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                line_start = false;
            }
            b'"' => {
                i = string_end(bytes, i);
                line_start = false;
            }
            _ if line_start && b.is_ascii_alphabetic() => {
                if let Some(statement) = statement_at(text, i, current_line) {
                    found.push(statement);
                }
                line_start = false;
                i += word_len(&bytes[i..]).max(1);
            }
            _ => {
                line_start = false;
                i += 1;
            }
        }
    }
    found
}

/// The index just past the string literal opening at `open`.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn word_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count()
}

/// A rule header or import starting at `at` (the first word of a line).
fn statement_at(text: &str, at: usize, line_start: usize) -> Option<Statement> {
    let mut rest = &text[at..];
    let first = &rest[..word_len(rest.as_bytes())];
    if first == "import" {
        let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        return Some(Statement::Import {
            line_start,
            line_end,
        });
    }
    loop {
        let word = &rest[..word_len(rest.as_bytes())];
        rest = rest[word.len()..].trim_start();
        match word {
            "private" | "global" => continue,
            "rule" => break,
            _ => return None,
        }
    }
    let name = &rest[..word_len(rest.as_bytes())];
    (!name.is_empty()).then(|| Statement::Rule {
        line_start,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "import \"hash\"\n\
        // first\n\
        rule a { condition: true }\n\
        \n\
        // the second rule\n\
        private rule b : tag {\n  strings: $s = \"rule c {\" \n  condition: $s and a\n}\n\
        /* rule d { condition: true } */\n\
        global rule e { condition: true }\n";

    #[test]
    fn rules_are_split_at_headers_with_their_comments_and_the_imports() {
        let chunks = split_rules(FILE);
        let names: Vec<&str> = chunks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "e"]);
        assert!(
            chunks[0]
                .text
                .starts_with("import \"hash\"\n// first\nrule a")
        );
        assert_eq!(chunks[0].prefix_lines, 0);
        assert!(
            chunks[1]
                .text
                .starts_with("import \"hash\"\n\n// the second rule\nprivate rule b"),
            "{}",
            chunks[1].text
        );
        assert!(
            chunks[1]
                .text
                .ends_with("/* rule d { condition: true } */\n")
        );
        assert_eq!(chunks[1].first_line, 4);
        assert_eq!(chunks[2].first_line, 11);
    }

    #[test]
    fn chunk_positions_map_back_to_file_lines() {
        let chunks = split_rules(FILE);
        // Line 3 of chunk b's text is "// the second rule", file line 5.
        assert_eq!(chunks[1].file_position(3, 4), (5, 4));
        assert_eq!(chunks[1].file_position(1, 9), (4, 1));
        assert_eq!(chunks[0].file_position(3, 2), (3, 2));
    }

    #[test]
    fn text_without_rules_is_one_chunk() {
        let chunks = split_rules("this is not yara\n");
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].name, "");
    }
}
