//! Where Trawl keeps its files: the data directory and the fixed layout inside it.
//!
//! The data directory holds the embedded Postgres cluster, the content-addressed blob store
//! and the rolling log files. It comes from `--data-dir`, else `TRAWL_DATA_DIR`, else the
//! platform's data folder (`~/.local/share/trawl` on Linux). Nothing here creates folders;
//! the modules that write into them do.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the default data directory.
pub const DATA_DIR_ENV: &str = "TRAWL_DATA_DIR";

/// The data directory to use when none is given on the command line.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from(".").join(".local/share"))
        .join("trawl")
}

/// The fixed layout under one data directory.
#[derive(Debug, Clone)]
pub struct DataLayout {
    root: PathBuf,
}

impl DataLayout {
    /// A layout rooted at `root` (not created here).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Everything that belongs to the embedded Postgres server.
    pub fn postgres(&self) -> PathBuf {
        self.root.join("postgres")
    }

    /// Content-addressed store of captured bodies and screenshots.
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// Rolling log files.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}
