//! The app's shared state: where database startup stands, the handle once it is open, the
//! in-process capture workers, the change announcers, and the settings store once opened.
//!
//! Startup runs in the background (see `startup.rs`) and records its outcome here exactly once;
//! commands read it without waiting. Shutdown waits for a startup still in progress so an
//! embedded server that is half started is still stopped, and drains the workers before it
//! closes the database. The settings store is opened on first use (finding the master key may
//! touch the OS keyring) and kept; a failed open is not kept, so the next use tries again.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use trawl_core::db::Database;
use trawl_core::settings::{KeyOptions, SettingsStore};

use crate::events::Changes;
use crate::ipc_types::IpcError;
use crate::workers::InProcessWorkers;

/// Error code for "startup has not finished yet"; the UI waits for `db-ready` / `db-failed`.
pub const DB_STARTING: &str = "db_starting";

/// Where database startup stands.
pub enum Startup {
    /// Still opening (the embedded server may take seconds on first run).
    Starting,
    /// Open and migrated.
    Ready(Database),
    /// Failed; the error is shown to the user as is.
    Failed(IpcError),
}

/// State managed by Tauri and shared by all commands.
pub struct AppState {
    startup: watch::Sender<Startup>,
    /// Set once the database is open (see `startup.rs`).
    workers: Mutex<Option<Arc<InProcessWorkers>>>,
    /// Set once at startup; until then changes go nowhere.
    changes: Mutex<Changes>,
    settings: tokio::sync::Mutex<Option<Arc<SettingsStore>>>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            startup: watch::Sender::new(Startup::Starting),
            workers: Mutex::new(None),
            changes: Mutex::new(Changes::default()),
            settings: tokio::sync::Mutex::new(None),
        }
    }
}

impl AppState {
    /// Records the outcome of startup and wakes anyone waiting for it.
    pub fn finish_startup(&self, outcome: Result<Database, IpcError>) {
        let next = match outcome {
            Ok(db) => Startup::Ready(db),
            Err(err) => Startup::Failed(err),
        };
        self.startup.send_replace(next);
    }

    /// Moves a failed startup back to `Starting`; false (and no change) in any other state.
    pub fn begin_retry(&self) -> bool {
        self.startup.send_if_modified(|startup| {
            let failed = matches!(startup, Startup::Failed(_));
            if failed {
                *startup = Startup::Starting;
            }
            failed
        })
    }

    /// The open database, or the error to show: the startup failure or `db_starting`.
    pub fn database(&self) -> Result<Database, IpcError> {
        match &*self.startup.borrow() {
            Startup::Ready(db) => Ok(db.clone()),
            Startup::Failed(err) => Err(err.clone()),
            Startup::Starting => Err(IpcError::new(DB_STARTING, "the database is still starting")),
        }
    }

    /// Keeps the workers started on the open database.
    pub fn set_workers(&self, workers: InProcessWorkers) {
        *self.workers.lock().expect("workers slot") = Some(Arc::new(workers));
    }

    /// The capture workers, or the same error as `database()` while there are none.
    pub fn workers(&self) -> Result<Arc<InProcessWorkers>, IpcError> {
        let workers = self.workers.lock().expect("workers slot").clone();
        match workers {
            Some(workers) => Ok(workers),
            None => Err(self.database().err().unwrap_or_else(|| {
                IpcError::new(DB_STARTING, "the capture workers are still starting")
            })),
        }
    }

    /// Sets the announcers that emit change events to the windows.
    pub fn set_changes(&self, changes: Changes) {
        *self.changes.lock().expect("changes slot") = changes;
    }

    /// The change announcers.
    pub fn changes(&self) -> Changes {
        self.changes.lock().expect("changes slot").clone()
    }

    /// The settings store of the open database, opened on first use with the master key the
    /// environment or the OS keyring gives.
    pub async fn settings(&self) -> Result<Arc<SettingsStore>, IpcError> {
        let db = self.database()?;
        let mut slot = self.settings.lock().await;
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = SettingsStore::open(&db, KeyOptions::from_env()).await;
        let store = Arc::new(store.map_err(|err| {
            tracing::warn!(error = %err, "the settings could not be opened");
            IpcError::new("settings_unavailable", err.to_string())
        })?);
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Waits until startup has finished, drains the workers, then closes the database if it
    /// opened.
    pub async fn shutdown(&self) {
        let mut outcome = self.startup.subscribe();
        let db = {
            // The borrow must end before the next await.
            let finished = outcome.wait_for(|s| !matches!(s, Startup::Starting)).await;
            match finished.as_deref() {
                Ok(Startup::Ready(db)) => db.clone(),
                _ => return,
            }
        };

        let workers = self.workers.lock().expect("workers slot").take();
        if let Some(workers) = workers {
            workers.stop().await;
        }
        db.close().await;
        tracing::info!("database closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error `database()` returns; panics if it returns a database.
    fn error_of(state: &AppState) -> IpcError {
        match state.database() {
            Ok(_) => panic!("expected an error, got a database"),
            Err(err) => err,
        }
    }

    #[test]
    fn reports_starting_until_startup_finishes() {
        let state = AppState::default();

        assert_eq!(error_of(&state).code, DB_STARTING);
    }

    #[test]
    fn keeps_the_startup_error() {
        let state = AppState::default();
        let failure = IpcError::new("pg_not_found", "no postgres binaries");

        state.finish_startup(Err(failure.clone()));

        assert_eq!(error_of(&state), failure);
    }

    #[test]
    fn retries_only_a_failed_startup() {
        let state = AppState::default();
        assert!(!state.begin_retry());

        state.finish_startup(Err(IpcError::new("database_unreachable", "refused")));
        assert!(state.begin_retry());

        assert_eq!(error_of(&state).code, DB_STARTING);
        assert!(!state.begin_retry());
    }

    #[tokio::test]
    async fn shutdown_waits_for_a_startup_in_progress() {
        let state = std::sync::Arc::new(AppState::default());
        let waiter = tokio::spawn({
            let state = state.clone();
            async move { state.shutdown().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());

        state.finish_startup(Err(IpcError::new("connect_failed", "refused")));

        waiter.await.unwrap();
    }
}
