//! The database choice of the desktop app: embedded or a remote URL, kept in a small JSON file
//! in the data directory (`database.json`), since the URL of the database cannot live in it.
//!
//! The file is read at startup; a change takes effect at the next start. `TRAWL_DATABASE_URL`
//! still wins over the file. The URL may hold a password: the file is written owner-only
//! (0600) through a temporary file and a rename, and the URL is only ever shown redacted.
//! A missing file means embedded mode; an unreadable or malformed one is an error that names
//! the file, never silently embedded.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::db::{DbConfig, redact_url};

/// Name of the file inside the data directory.
pub const FILE_NAME: &str = "database.json";

/// Where the app's database lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseMode {
    /// A Postgres cluster Trawl runs itself in the data directory.
    #[default]
    Embedded,
    /// A server at a URL.
    Remote,
}

/// The contents of `database.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DatabaseFile {
    /// Embedded or remote.
    pub mode: DatabaseMode,
    /// The remote server's URL (remote mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Why the database file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseFileError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid JSON of the expected shape.
    #[error("{path} is not a valid database file: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The choice itself is unusable.
    #[error("{0}")]
    Invalid(String),
}

/// The path of the database file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

impl DatabaseFile {
    /// A checked choice: remote needs a `postgres://` or `postgresql://` URL, embedded takes
    /// none.
    pub fn new(mode: DatabaseMode, url: Option<&str>) -> Result<DatabaseFile, DatabaseFileError> {
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        match (&mode, url) {
            (DatabaseMode::Embedded, None) => Ok(DatabaseFile { mode, url: None }),
            (DatabaseMode::Embedded, Some(_)) => Err(DatabaseFileError::Invalid(
                "embedded mode takes no URL".into(),
            )),
            (DatabaseMode::Remote, None) => Err(DatabaseFileError::Invalid(
                "remote mode needs a database URL".into(),
            )),
            (DatabaseMode::Remote, Some(u)) => {
                let scheme_ok = u.starts_with("postgres://") || u.starts_with("postgresql://");
                if !scheme_ok || url::Url::parse(u).is_err() {
                    return Err(DatabaseFileError::Invalid(
                        "the URL must look like postgres://user:password@host:5432/db".into(),
                    ));
                }
                Ok(DatabaseFile {
                    mode,
                    url: Some(u.to_string()),
                })
            }
        }
    }

    /// The file in `data_dir`; embedded mode when there is none.
    pub fn load(data_dir: &Path) -> Result<DatabaseFile, DatabaseFileError> {
        let path = path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DatabaseFile::default());
            }
            Err(source) => return Err(DatabaseFileError::Io { path, source }),
        };
        let file: DatabaseFile =
            serde_json::from_str(&text).map_err(|e| DatabaseFileError::Malformed {
                path: path.clone(),
                message: e.to_string(),
            })?;
        // Re-check what another program may have written.
        DatabaseFile::new(file.mode, file.url.as_deref()).map_err(|e| {
            DatabaseFileError::Malformed {
                path,
                message: e.to_string(),
            }
        })
    }

    /// Writes the file into `data_dir` (created if needed), owner-only.
    pub fn save(&self, data_dir: &Path) -> Result<(), DatabaseFileError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;

        let path = path(data_dir);
        let io = |source| DatabaseFileError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let tmp = data_dir.join(format!(".{FILE_NAME}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        let json = serde_json::to_string_pretty(self).expect("a database file serialises");
        file.write_all(json.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// The URL with its password hidden, for display.
    pub fn url_redacted(&self) -> Option<String> {
        self.url.as_deref().map(redact_url)
    }

    /// Applies the choice to `cfg` unless `TRAWL_DATABASE_URL` already chose a server.
    pub fn apply(&self, cfg: &mut DbConfig) {
        if cfg.database_url.is_none() && self.mode == DatabaseMode::Remote {
            cfg.database_url = self.url.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_means_embedded() {
        let dir = tempfile::tempdir().unwrap();

        assert_eq!(
            DatabaseFile::load(dir.path()).unwrap(),
            DatabaseFile::default()
        );
    }

    #[test]
    fn a_saved_remote_choice_loads_back_owner_only_and_applies() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let url = "postgres://u:secret@127.0.0.1:5433/trawl";
        let file = DatabaseFile::new(DatabaseMode::Remote, Some(url)).unwrap();

        file.save(dir.path()).unwrap();
        let back = DatabaseFile::load(dir.path()).unwrap();
        let mut cfg = DbConfig::from_env(dir.path().to_path_buf());
        cfg.database_url = None;
        back.apply(&mut cfg);

        assert_eq!(back, file);
        assert_eq!(cfg.database_url.as_deref(), Some(url));
        assert!(!back.url_redacted().unwrap().contains("secret"));
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn unusable_choices_are_refused() {
        assert!(DatabaseFile::new(DatabaseMode::Remote, None).is_err());
        assert!(DatabaseFile::new(DatabaseMode::Remote, Some("mysql://x/y")).is_err());
        assert!(DatabaseFile::new(DatabaseMode::Embedded, Some("postgres://h/db")).is_err());
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(path(dir.path()), "{\"mode\": \"cloud\"}").unwrap();

        let err = DatabaseFile::load(dir.path()).unwrap_err();

        assert!(err.to_string().contains(FILE_NAME), "{err}");
    }
}
