//! Finding the PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) for embedded mode.
//!
//! Search order: an explicit setting (`TRAWL_PG_BIN`, which is then the only place looked
//! at), a `postgres/bin` folder bundled next to the executable, `pg_config --bindir`, `PATH`,
//! and the usual folders of Linux distributions and Homebrew. The first folder that holds all
//! three programs wins; a miss says every place that was looked at and what to install.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::DbError;

/// The three programs embedded mode runs.
const PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// A folder holding the PostgreSQL server programs.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    dir: PathBuf,
}

impl PgBinaries {
    /// Locate the programs; `explicit` (from the setting) is the only candidate when given.
    pub fn locate(explicit: Option<&Path>) -> Result<PgBinaries, DbError> {
        let candidates = match explicit {
            Some(dir) => vec![dir.to_path_buf()],
            None => candidate_dirs(),
        };
        for dir in &candidates {
            if PROGRAMS.iter().all(|p| is_executable(&dir.join(p))) {
                return Ok(PgBinaries { dir: dir.clone() });
            }
        }
        let searched = candidates
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Err(DbError::BinariesMissing {
            searched: if searched.is_empty() {
                "(no candidate folders)".into()
            } else {
                searched
            },
            explicit: explicit.is_some(),
        })
    }

    /// The folder the programs are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of one program in this folder.
    pub fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();

    // A folder bundled next to the executable (desktop packages may ship one).
    if let Ok(exe) = std::env::current_exe()
        && let Some(parent) = exe.parent()
    {
        dirs.push(parent.join("postgres/bin"));
        dirs.push(parent.join("../lib/trawl/postgres/bin"));
    }

    if let Some(dir) = pg_config_bindir() {
        dirs.push(dir);
    }

    // PATH entries that hold pg_ctl; symlinks are followed to the real folder.
    if let Some(path) = std::env::var_os("PATH") {
        for entry in std::env::split_paths(&path) {
            let pg_ctl = entry.join("pg_ctl");
            if is_executable(&pg_ctl) {
                dirs.push(entry.clone());
                if let Ok(real) = std::fs::canonicalize(&pg_ctl)
                    && let Some(parent) = real.parent()
                {
                    dirs.push(parent.to_path_buf());
                }
            }
        }
    }

    dirs.extend(versioned_dirs("/usr/lib/postgresql", "bin"));
    dirs.extend(versioned_dirs("/usr/pgsql-", "bin"));
    dirs.push(PathBuf::from("/usr/local/pgsql/bin"));
    dirs.push(PathBuf::from("/opt/homebrew/bin"));
    dirs.dedup();
    dirs
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(dir.trim()))
}

/// Folders like `/usr/lib/postgresql/<version>/bin`, newest version first.
/// `prefix` is either a parent folder or a name prefix (`/usr/pgsql-`).
fn versioned_dirs(prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let (parent, name_prefix) = if prefix.ends_with('-') {
        let p = Path::new(prefix);
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (p.parent().map(Path::to_path_buf).unwrap_or_default(), name)
    } else {
        (PathBuf::from(prefix), String::new())
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix(&name_prefix)?;
            let major: u32 = version.split('.').next()?.parse().ok()?;
            Some((major, e.path().join(suffix)))
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, p)| p).collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_folder_without_programs_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = PgBinaries::locate(Some(dir.path())).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not found"), "{msg}");
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(msg.contains("apt-get install postgresql"), "{msg}");
    }

    #[test]
    fn versioned_dirs_sort_newest_first() {
        let root = tempfile::tempdir().unwrap();
        for v in ["9.6", "15", "13"] {
            std::fs::create_dir_all(root.path().join(v).join("bin")).unwrap();
        }
        let found = versioned_dirs(root.path().to_str().unwrap(), "bin");
        let names: Vec<_> = found
            .iter()
            .map(|p| {
                p.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["15", "13", "9.6"]);
    }
}
