//! What every command needs: where the data lives and how to open the database.

use std::future::Future;
use std::path::PathBuf;

use anyhow::Result;
use trawl_core::db::{Database, DbConfig};

/// Global options shared by the commands.
pub struct Context {
    /// The data directory.
    pub data_dir: PathBuf,
    /// A remote database URL, if given.
    pub database_url: Option<String>,
}

impl Context {
    /// Open (and migrate) the database, starting the embedded server when needed.
    pub async fn open_db(&self) -> Result<Database> {
        let mut cfg = DbConfig::from_env(self.data_dir.clone());
        cfg.database_url = self.database_url.clone();
        let db = Database::open(&cfg).await?;
        db.attach_logs(trawl_core::logging::retention_days());
        Ok(db)
    }

    /// Open the database, run `work`, and close the database whatever happens — also when
    /// Ctrl-C interrupts a command that does not handle it itself.
    pub async fn with_db<F, Fut, T>(&self, work: F) -> Result<T>
    where
        F: FnOnce(Database) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let db = self.open_db().await?;
        let result = tokio::select! {
            r = work(db.clone()) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        };
        db.close().await;
        result
    }
}
