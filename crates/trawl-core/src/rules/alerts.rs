//! Alert rules: an analyst's regular expression on `html`, `headers` or `url` that raises an
//! alert on every target it matches. Alerts are stored once per target and rule (see
//! [`super::store::store_results`]), so a rescan or a retro-hunt never repeats one. A rule
//! whose pattern does not compile is skipped and reported by [`compile`].

use regex::{Regex, RegexBuilder};

use super::matcher::MatchInput;
use super::signature::Field;
use super::store::AlertRuleRow;

/// A compiled alert rule.
#[derive(Debug, Clone)]
pub struct AlertRule {
    /// `alert_rules.id`.
    pub id: i64,
    /// Its name.
    pub name: String,
    field: Field,
    pattern: Regex,
}

impl AlertRule {
    /// The field it reads and its first match there with some context, when it matches.
    pub fn find(&self, input: &MatchInput) -> Option<(Field, String)> {
        let texts = input.texts(self.field);
        let excerpt = texts.iter().find_map(|t| {
            self.pattern
                .find(t)
                .map(|m| super::signature::excerpt(t, m))
        })?;
        Some((self.field, excerpt))
    }
}

/// Compile the enabled rules; the errors name the rules that failed.
pub fn compile(rows: &[AlertRuleRow]) -> (Vec<AlertRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for row in rows.iter().filter(|r| r.enabled) {
        let field = match row.target_field.as_str() {
            "html" => Field::Html,
            "headers" => Field::Headers,
            _ => Field::Url,
        };
        match RegexBuilder::new(&row.pattern).size_limit(2 << 20).build() {
            Ok(pattern) => rules.push(AlertRule {
                id: row.id,
                name: row.name.clone(),
                field,
                pattern,
            }),
            Err(e) => errors.push(format!("alert rule {}: {e}", row.name)),
        }
    }
    (rules, errors)
}

/// The alerts `rules` raise on `input`: (rule id, message).
pub fn run(rules: &[AlertRule], input: &MatchInput) -> Vec<(i64, String)> {
    rules
        .iter()
        .filter_map(|rule| {
            let texts = input.texts(rule.field);
            let found = texts.iter().find_map(|t| rule.pattern.find(t))?;
            let shown: String = found.as_str().chars().take(120).collect();
            Some((
                rule.id,
                format!("{} matched {:?}: {shown}", rule.name, rule.field),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, field: &str, pattern: &str) -> AlertRuleRow {
        AlertRuleRow {
            id,
            name: format!("r{id}"),
            pattern: pattern.into(),
            target_field: field.into(),
            enabled: true,
        }
    }

    #[test]
    fn rules_fire_on_their_own_field_only() {
        let (rules, errors) = compile(&[row(1, "url", "login"), row(2, "headers", "nginx")]);
        assert!(errors.is_empty());
        let input = MatchInput {
            html: "nginx login".into(),
            urls: vec!["http://a.test/login".into()],
            ..MatchInput::default()
        };
        let alerts = run(&rules, &input);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].0, 1);
        assert!(
            alerts[0].1.starts_with("r1 matched Url: login"),
            "{}",
            alerts[0].1
        );
    }

    #[test]
    fn a_broken_pattern_is_reported_and_the_others_still_compile() {
        let (rules, errors) = compile(&[row(1, "html", "(x"), row(2, "html", "y")]);
        assert_eq!(rules.len(), 1);
        assert!(errors[0].starts_with("alert rule r1"), "{errors:?}");
    }
}
