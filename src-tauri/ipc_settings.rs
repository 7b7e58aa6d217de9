//! IPC types of the Settings view: settings with masked secrets, where the master key comes
//! from, and the database choice for the next start.
//!
//! Secret values never cross in clear: `SettingView.value` is masked by the engine's rule.

use serde::Serialize;
use trawl_core::settings::SettingValue;
use trawl_core::settings::database_file::{DatabaseFile, DatabaseMode};
use ts_rs::TS;

/// One setting as the Settings view shows it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct SettingView {
    /// Dotted name, e.g. `capture.concurrency`.
    pub name: String,
    /// `string`, `secret`, `int`, `float`, `bool` or `enum`.
    pub kind: String,
    /// The allowed words of an `enum` setting (empty otherwise).
    pub choices: Vec<String>,
    pub description: String,
    /// The value in force (masked for secrets); `null` when unset without a default.
    pub value: Option<String>,
    /// Whether the value is the default (nothing stored).
    pub is_default: bool,
    /// The default value, if any.
    pub default: Option<String>,
}

/// Where the master key of the encrypted settings comes from.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct KeyStatusView {
    /// `env` (APP_SECRET_KEY), `keyring`, `generated` (made on this run, stored in the
    /// keyring) or `unavailable` (settings cannot be opened; `detail` says why).
    pub source: String,
    /// Whether the OS keyring answered a write/read/delete self-test.
    pub keyring_available: bool,
    /// One sentence for people.
    pub detail: String,
}

/// The database choice for the next start.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DatabaseConfigView {
    /// `embedded` or `remote`.
    pub mode: String,
    /// The remote URL with its password hidden.
    pub url_redacted: Option<String>,
    /// The data directory (embedded cluster, blobs, logs, this choice's file).
    pub data_dir: String,
    /// Whether `TRAWL_DATABASE_URL` is set, which overrides this choice.
    pub env_override: bool,
}

impl From<&SettingValue> for SettingView {
    fn from(v: &SettingValue) -> Self {
        let choices = match v.def.kind {
            trawl_core::settings::Kind::Enum(words) => {
                words.iter().map(|w| w.to_string()).collect()
            }
            _ => Vec::new(),
        };
        Self {
            name: v.def.name.to_string(),
            kind: v.def.kind.name().to_string(),
            choices,
            description: v.def.description.to_string(),
            value: v.value.as_deref().map(|value| v.def.display(value)),
            is_default: !v.is_set,
            default: v.def.default.map(String::from),
        }
    }
}

impl DatabaseConfigView {
    /// The view of `file` in `data_dir`.
    pub fn new(file: &DatabaseFile, data_dir: &std::path::Path, env_override: bool) -> Self {
        Self {
            mode: match file.mode {
                DatabaseMode::Embedded => "embedded",
                DatabaseMode::Remote => "remote",
            }
            .into(),
            url_redacted: file.url_redacted(),
            data_dir: data_dir.display().to_string(),
            env_override,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trawl_core::settings::schema::find;

    #[test]
    fn secrets_cross_masked() {
        let value = SettingValue {
            def: find("fofa.api_key").unwrap(),
            value: Some("0123456789abcdefWXYZ".into()),
            is_set: true,
        };

        let view = SettingView::from(&value);

        assert_eq!(view.value.as_deref(), Some("****WXYZ"));
        assert_eq!(view.kind, "secret");
        assert!(!view.is_default);
    }

    #[test]
    fn enum_settings_list_their_choices() {
        let value = SettingValue {
            def: find("capture.mode").unwrap(),
            value: Some("fast".into()),
            is_set: false,
        };

        let view = SettingView::from(&value);

        assert_eq!(view.choices, ["fast", "full"]);
        assert_eq!(view.default.as_deref(), Some("fast"));
        assert!(view.is_default);
    }
}
