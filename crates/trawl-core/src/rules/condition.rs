//! Sigma `condition` expressions: `and`, `or`, `not`, parentheses, selection names,
//! `1 of name*`, `all of name*`, `1 of them` and `all of them`.
//!
//! Parsing resolves `of` patterns against the rule's selection names, so evaluation only
//! looks selections up by index. An unknown name or a malformed expression is an error
//! naming the token.

/// A parsed condition over selections numbered by their position in the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The selection with this index matched.
    Selection(usize),
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// At least one of these selections matched (`1 of …`).
    AnyOf(Vec<usize>),
    /// Every one of these selections matched (`all of …`).
    AllOf(Vec<usize>),
}

impl Condition {
    /// Evaluate with `matched[i]` telling whether selection `i` matched.
    pub fn eval(&self, matched: &[bool]) -> bool {
        match self {
            Condition::Selection(i) => matched[*i],
            Condition::And(a, b) => a.eval(matched) && b.eval(matched),
            Condition::Or(a, b) => a.eval(matched) || b.eval(matched),
            Condition::Not(a) => !a.eval(matched),
            Condition::AnyOf(ids) => ids.iter().any(|i| matched[*i]),
            Condition::AllOf(ids) => ids.iter().all(|i| matched[*i]),
        }
    }

    /// Selections that count in the rule's favour (not under a `not`).
    pub fn positive(&self, out: &mut Vec<usize>) {
        match self {
            Condition::Selection(i) => out.push(*i),
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.positive(out);
                b.positive(out);
            }
            Condition::Not(_) => {}
            Condition::AnyOf(ids) | Condition::AllOf(ids) => out.extend(ids),
        }
    }
}

/// Parse `text` with `names` the rule's selection names (index = position).
pub fn parse(text: &str, names: &[String]) -> Result<Condition, String> {
    let tokens: Vec<String> = text
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut parser = Parser {
        tokens,
        at: 0,
        names,
    };
    let condition = parser.or()?;
    match parser.peek() {
        None => Ok(condition),
        Some(t) => Err(format!("unexpected `{t}` in condition")),
    }
}

struct Parser<'a> {
    tokens: Vec<String>,
    at: usize,
    names: &'a [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.at += 1;
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut left = self.not()?;
        while self.peek() == Some("and") {
            self.at += 1;
            left = Condition::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Condition, String> {
        if self.peek() == Some("not") {
            self.at += 1;
            return Ok(Condition::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, String> {
        let token = self.next().ok_or("condition ends early")?;
        if token == "(" {
            let inner = self.or()?;
            return match self.next().as_deref() {
                Some(")") => Ok(inner),
                _ => Err("missing `)` in condition".into()),
            };
        }
        if self.peek() == Some("of") {
            self.at += 1;
            let pattern = self.next().ok_or("`of` needs a name pattern or `them`")?;
            let ids = self.resolve(&pattern)?;
            return match token.as_str() {
                "1" | "any" => Ok(Condition::AnyOf(ids)),
                "all" => Ok(Condition::AllOf(ids)),
                other => Err(format!("unsupported quantifier `{other} of`")),
            };
        }
        self.names
            .iter()
            .position(|n| *n == token)
            .map(Condition::Selection)
            .ok_or_else(|| format!("unknown selection `{token}` in condition"))
    }

    /// Selection indexes named by `them`, an exact name or a `prefix*` pattern.
    fn resolve(&self, pattern: &str) -> Result<Vec<usize>, String> {
        let matches = |name: &str| match pattern {
            "them" => true,
            p if p.ends_with('*') => name.starts_with(&p[..p.len() - 1]),
            p => name == p,
        };
        let ids: Vec<usize> = (0..self.names.len())
            .filter(|i| matches(&self.names[*i]))
            .collect();
        match ids.is_empty() {
            true => Err(format!("`{pattern}` names no selection")),
            false => Ok(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let n = names(&["a", "b", "c"]);
        let c = parse("a or b and not c", &n).unwrap();
        assert!(c.eval(&[true, false, true]));
        assert!(!c.eval(&[false, true, true]));
        assert!(c.eval(&[false, true, false]));

        let grouped = parse("(a or b) and not c", &n).unwrap();
        assert!(!grouped.eval(&[true, false, true]));
    }

    #[test]
    fn of_patterns_resolve_against_selection_names() {
        let n = names(&["notfound", "phpHeader", "phpCookie"]);
        let c = parse("notfound and (1 of php*)", &n).unwrap();
        assert!(c.eval(&[true, false, true]));
        assert!(!c.eval(&[true, false, false]));

        let all = parse("all of them", &n).unwrap();
        assert!(all.eval(&[true, true, true]));
        assert!(!all.eval(&[true, true, false]));
    }

    #[test]
    fn unknown_names_and_dangling_tokens_are_errors() {
        let n = names(&["a"]);
        assert!(parse("a and b", &n).unwrap_err().contains("`b`"));
        assert!(parse("a )", &n).is_err());
        assert!(parse("(a", &n).is_err());
        assert!(parse("1 of x*", &n).unwrap_err().contains("x*"));
    }
}
