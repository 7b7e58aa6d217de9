//! Opens the database in the background as the window appears, and says when it is done.
//!
//! The data directory comes from `trawl_core::paths::default_data_dir()` (which honours
//! `TRAWL_DATA_DIR`); the server choice from `TRAWL_DATABASE_URL`, else the database file the
//! Settings view writes (`settings::database_file`). The asset protocol is opened to the blob
//! store directory only, so screenshots load and nothing else on disk does. The outcome goes into
//! `AppState` (with the capture workers started on an open database), then the `db-ready` or
//! `db-failed` event tells the UI to ask for the status.
//! A failure is shown to the user; nothing is retried automatically.

use tauri::{AppHandle, Emitter, Manager};
use trawl_core::db::{Database, DbConfig};
use trawl_core::paths::DataLayout;
use trawl_core::settings::database_file::DatabaseFile;
use trawl_core::{logging, paths};

use crate::ipc_types::IpcError;
use crate::state::AppState;
use crate::workers::InProcessWorkers;

/// Event emitted (no payload) when the database is open.
pub const DB_READY_EVENT: &str = "db-ready";
/// Event emitted with the `IpcError` when the database could not be opened.
pub const DB_FAILED_EVENT: &str = "db-failed";

/// Starts opening the database on the async runtime and returns at once.
pub fn spawn_open_database(app: AppHandle) {
    let data_dir = paths::default_data_dir();
    tracing::info!(data_dir = %data_dir.display(), "opening the database");

    tauri::async_runtime::spawn(async move {
        let outcome = match database_config(data_dir) {
            Ok(cfg) => Database::open(&cfg)
                .await
                .map(|db| (db, cfg))
                .map_err(IpcError::from),
            Err(err) => Err(err),
        };
        let outcome = outcome.map(|(db, cfg)| {
            db.attach_logs(logging::DEFAULT_RETENTION_DAYS);
            let changes = app.state::<AppState>().changes();
            let workers = InProcessWorkers::start(&db, &cfg.data_dir, changes);
            app.state::<AppState>().set_workers(workers);
            db
        });
        report(&app, outcome);
    });
}

/// The server choice: `TRAWL_DATABASE_URL`, else the data directory's database file.
fn database_config(data_dir: std::path::PathBuf) -> Result<DbConfig, IpcError> {
    let mut cfg = DbConfig::from_env(data_dir);
    let file = DatabaseFile::load(&cfg.data_dir)
        .map_err(|err| IpcError::new("database_config_invalid", err.to_string()))?;
    file.apply(&mut cfg);
    Ok(cfg)
}

/// Lets the asset protocol serve files under the blob store directory, and nothing else.
pub fn allow_blob_assets(app: &AppHandle) {
    let blobs = DataLayout::new(paths::default_data_dir()).blobs();
    // The directory must exist for the scope to resolve it; the blob store creates it anyway.
    if let Err(err) = std::fs::create_dir_all(&blobs) {
        tracing::warn!(dir = %blobs.display(), error = %err, "cannot create the blob store");
    }
    if let Err(err) = app.asset_protocol_scope().allow_directory(&blobs, true) {
        tracing::warn!(dir = %blobs.display(), error = %err, "screenshots will not load");
    }
}

/// Stores the outcome, then emits the matching event (in that order, so a UI that asks for
/// the status on the event always finds the outcome stored).
fn report(app: &AppHandle, outcome: Result<Database, IpcError>) {
    let failure = outcome.as_ref().err().cloned();
    app.state::<AppState>().finish_startup(outcome);

    let emitted = match failure {
        None => {
            tracing::info!("database ready");
            app.emit(DB_READY_EVENT, ())
        }
        Some(err) => {
            tracing::error!(code = %err.code, message = %err.message, "database startup failed");
            app.emit(DB_FAILED_EVENT, err)
        }
    };
    if let Err(err) = emitted {
        tracing::warn!(error = %err, "could not emit the database startup event");
    }
}
