//! The one table of settings: every key with its type, default and description.
//!
//! Values are parsed and checked here (never in the store or the UI), so a setting's type is
//! decided in one place. Secrets have no default and are shown masked by [`mask`].

/// The type of a setting's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text.
    String,
    /// A whole number within `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A finite number within `min..=max`.
    Float {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// Text that is never shown in clear unless asked for.
    Secret,
}

impl Kind {
    /// A short name for listings.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Int { .. } => "int",
            Kind::Float { .. } => "float",
            Kind::Bool => "bool",
            Kind::Enum(_) => "enum",
            Kind::Secret => "secret",
        }
    }
}

/// One setting's definition.
#[derive(Debug, Clone, Copy)]
pub struct SettingDef {
    /// Dotted name, e.g. `capture.concurrency`.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// The value used when none is stored (`None`: unset).
    pub default: Option<&'static str>,
    /// One line for people.
    pub description: &'static str,
}

impl SettingDef {
    /// Whether the value is a secret.
    pub fn is_secret(&self) -> bool {
        matches!(self.kind, Kind::Secret)
    }

    /// Check and normalise `raw` for this setting (e.g. `TRUE` → `true`, ` 8 ` → `8`).
    pub fn parse(&self, raw: &str) -> Result<String, String> {
        let trimmed = raw.trim();
        match self.kind {
            Kind::String => Ok(raw.to_string()),
            Kind::Secret if trimmed.is_empty() => Err("a secret cannot be empty".into()),
            Kind::Secret => Ok(trimmed.to_string()),
            Kind::Int { min, max } => match trimmed.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                _ => Err(format!("expected a whole number from {min} to {max}")),
            },
            Kind::Float { min, max } => match trimmed.parse::<f64>() {
                Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(x.to_string()),
                _ => Err(format!("expected a number from {min} to {max}")),
            },
            Kind::Bool => match trimmed.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok("true".into()),
                "false" | "no" | "off" | "0" => Ok("false".into()),
                _ => Err("expected true or false".into()),
            },
            Kind::Enum(words) => words
                .iter()
                .find(|w| w.eq_ignore_ascii_case(trimmed))
                .map(|w| w.to_string())
                .ok_or_else(|| format!("expected one of: {}", words.join(", "))),
        }
    }

    /// `value` as it may be shown: masked for secrets, as is otherwise.
    pub fn display(&self, value: &str) -> String {
        if self.is_secret() {
            mask(value)
        } else {
            value.to_string()
        }
    }
}

/// A secret as it may be shown: `****` plus its last four characters when it is long enough
/// that they give nothing useful away (16+ characters), else `****` alone.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 16 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("****{tail}")
    } else {
        "****".into()
    }
}

/// The definition of `name`, if it is a setting.
pub fn find(name: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.name == name)
}

const fn def(
    name: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    description: &'static str,
) -> SettingDef {
    SettingDef {
        name,
        kind,
        default,
        description,
    }
}

const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

/// Every setting, in display order.
pub static SETTINGS: &[SettingDef] = &[
    def("fofa.api_key", Kind::Secret, None, "FOFA API key"),
    def("urlscan.api_key", Kind::Secret, None, "urlscan.io API key"),
    def(
        "search.provider",
        Kind::Enum(&["brave", "bing", "google"]),
        Some("brave"),
        "Search engine used for hunting queries",
    ),
    def(
        "search.api_key",
        Kind::Secret,
        None,
        "API key of the search engine",
    ),
    def(
        "capture.mode",
        Kind::Enum(&["fast", "full"]),
        Some("fast"),
        "Default capture mode: fast (HTTP only) or full (headless Chromium)",
    ),
    def(
        "capture.concurrency",
        int(1, 256),
        Some("8"),
        "Targets captured at once",
    ),
    def(
        "capture.timeout_secs",
        Kind::Float {
            min: 1.0,
            max: 3600.0,
        },
        Some("30"),
        "Time limit per target in seconds",
    ),
    def(
        "capture.navigation_timeout_secs",
        Kind::Float {
            min: 1.0,
            max: 600.0,
        },
        Some("20"),
        "Time limit for one page load in seconds",
    ),
    def(
        "capture.max_redirects",
        int(0, 100),
        Some("10"),
        "Largest number of redirect hops",
    ),
    def(
        "capture.max_body_bytes",
        int(1024, 1 << 30),
        Some("5242880"),
        "Largest response body kept per request, in bytes",
    ),
    def(
        "capture.max_assets",
        int(0, 10_000),
        Some("200"),
        "Largest number of assets per page",
    ),
    def(
        "capture.viewport_width",
        int(320, 7680),
        Some("1366"),
        "Browser viewport width",
    ),
    def(
        "capture.viewport_height",
        int(240, 4320),
        Some("768"),
        "Browser viewport height",
    ),
    def(
        "guard.allow_private_targets",
        Kind::Bool,
        Some("false"),
        "Allow private and loopback targets (lab use only)",
    ),
    def(
        "database.mode",
        Kind::Enum(&["embedded", "remote"]),
        Some("embedded"),
        "Embedded Postgres in the data directory, or a remote server",
    ),
    def(
        "database.url",
        Kind::Secret,
        None,
        "Remote database URL (may contain a password)",
    ),
    def(
        "logs.retention_days",
        int(1, 3650),
        Some("30"),
        "Days of log rows and files kept",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_defaults_parse() {
        let mut names: Vec<_> = SETTINGS.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SETTINGS.len());
        for d in SETTINGS {
            assert!(!d.description.is_empty(), "{}", d.name);
            if let Some(default) = d.default {
                assert_eq!(d.parse(default).as_deref(), Ok(default), "{}", d.name);
            }
            if d.is_secret() {
                assert!(d.default.is_none(), "secret {} has a default", d.name);
            }
        }
    }

    #[test]
    fn values_are_checked_and_normalised() {
        let conc = find("capture.concurrency").unwrap();
        assert_eq!(conc.parse(" 12 ").unwrap(), "12");
        assert!(conc.parse("0").is_err());
        assert!(conc.parse("many").is_err());
        let guard = find("guard.allow_private_targets").unwrap();
        assert_eq!(guard.parse("YES").unwrap(), "true");
        assert!(guard.parse("maybe").is_err());
        let mode = find("capture.mode").unwrap();
        assert_eq!(mode.parse("Full").unwrap(), "full");
        assert!(mode.parse("slow").is_err());
        let timeout = find("capture.timeout_secs").unwrap();
        assert_eq!(timeout.parse("2.5").unwrap(), "2.5");
        assert!(timeout.parse("NaN").is_err());
        assert!(find("fofa.api_key").unwrap().parse("  ").is_err());
        assert!(find("no.such.key").is_none());
    }

    #[test]
    fn secrets_are_masked() {
        let fofa = find("fofa.api_key").unwrap();
        let shown = fofa.display("0123456789abcdefWXYZ");
        assert_eq!(shown, "****WXYZ");
        assert_eq!(fofa.display("short-key"), "****");
        assert_eq!(find("capture.mode").unwrap().display("full"), "full");
    }
}
