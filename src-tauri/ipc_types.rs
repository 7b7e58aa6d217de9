//! Types that cross the IPC boundary to the web UI, and their TypeScript bindings.
//!
//! Each type here mirrors an engine type (trawl-core stays free of ts-rs) and converts from it
//! with `From`. `ts-rs` writes one `.ts` file per type into `ui/src/bindings/` when the tests of
//! this crate run (`cargo test -p trawl-app export_bindings`); those files are committed and CI
//! fails when regenerating them changes anything (`.ci/check-bindings.sh`).

use serde::Serialize;
use trawl_core::db::{DbError, DbStatus, TableCount};
use ts_rs::TS;

/// Where the database lives and what it holds, as the status screen shows it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DbStatusView {
    /// `embedded` (a server Trawl runs itself) or `remote` (`TRAWL_DATABASE_URL`).
    pub mode: String,
    /// The embedded cluster's folder, or the remote URL with its password redacted.
    pub location: String,
    /// The server's own version string.
    pub server_version: String,
    /// The highest migration applied.
    pub schema_version: i32,
    /// Row counts per table, in the engine's order.
    pub tables: Vec<TableCountView>,
}

/// The number of rows in one table.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TableCountView {
    /// Table name.
    pub name: String,
    /// Row count; a JSON number (counts stay far below 2^53).
    #[ts(type = "number")]
    pub rows: i64,
}

/// An error as the UI receives it: a stable `code` to branch on and a `message` for people.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct IpcError {
    /// Stable snake_case code; the UI never matches on `message`.
    pub code: String,
    /// Human-readable explanation, including the cause chain.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

impl From<&DbError> for IpcError {
    fn from(err: &DbError) -> Self {
        Self::new(err.code(), error_chain(err))
    }
}

impl From<DbError> for IpcError {
    fn from(err: DbError) -> Self {
        Self::from(&err)
    }
}

impl From<TableCount> for TableCountView {
    fn from(table: TableCount) -> Self {
        Self {
            name: table.name,
            rows: table.rows,
        }
    }
}

impl From<DbStatus> for DbStatusView {
    fn from(status: DbStatus) -> Self {
        Self {
            mode: status.mode,
            location: status.location,
            server_version: status.server_version,
            schema_version: status.schema_version,
            tables: status.tables.into_iter().map(Into::into).collect(),
        }
    }
}

/// The error's message followed by each `source`'s, joined with ": ".
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Some errors already repeat their source in their own message.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn error_chain_joins_sources_and_skips_repeats() {
        let inner = Layer("connection refused", None);
        let mid = Layer(
            "connecting to 127.0.0.1:5432: connection refused",
            Some(Box::new(inner)),
        );
        let outer = Layer("could not open the database", Some(Box::new(mid)));

        assert_eq!(
            error_chain(&outer),
            "could not open the database: connecting to 127.0.0.1:5432: connection refused"
        );
    }

    #[test]
    fn status_converts_field_by_field() {
        let status = DbStatus {
            mode: "remote".into(),
            location: "db.example:5432/trawl".into(),
            server_version: "15.14".into(),
            schema_version: 3,
            tables: vec![TableCount {
                name: "captures".into(),
                rows: 12,
            }],
        };

        let view = DbStatusView::from(status);

        assert_eq!(view.mode, "remote");
        assert_eq!(view.schema_version, 3);
        assert_eq!(
            view.tables,
            vec![TableCountView {
                name: "captures".into(),
                rows: 12
            }]
        );
    }

    #[test]
    fn ipc_error_serialises_as_an_object() {
        let json = serde_json::to_value(IpcError::new("db_starting", "still starting")).unwrap();

        assert_eq!(
            json,
            serde_json::json!({"code": "db_starting", "message": "still starting"})
        );
    }
}
