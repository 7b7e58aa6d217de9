//! Tauri commands of the Settings view: list, set and unset settings, where the master key
//! comes from, and the database choice for the next start. Thin adapters over
//! `trawl_core::settings`; secret values cross masked only and are never logged.

use tauri::State;
use trawl_core::db::DATABASE_URL_ENV;
use trawl_core::paths;
use trawl_core::settings::database_file::{DatabaseFile, DatabaseMode};
use trawl_core::settings::{KeySource, SettingsError, keyring};

use crate::ipc_settings::{DatabaseConfigView, KeyStatusView, SettingView};
use crate::ipc_types::IpcError;
use crate::state::AppState;

/// Every setting with its value in force (secrets masked). Fails with `settings_unavailable`
/// when no master key opens the settings.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn list_settings(state: State<'_, AppState>) -> Result<Vec<SettingView>, IpcError> {
    let store = state.settings().await?;
    let values = store.list().await.map_err(settings_error)?;
    Ok(values.iter().map(SettingView::from).collect())
}

/// Stores a setting's value. Fails with `invalid_setting` and the reason.
#[tauri::command]
#[tracing::instrument(skip(state, value))]
pub async fn set_setting(
    state: State<'_, AppState>,
    name: String,
    value: String,
) -> Result<SettingView, IpcError> {
    let store = state.settings().await?;
    let stored = store.set(&name, &value).await.map_err(settings_error)?;
    tracing::info!(setting = %name, "setting changed");
    Ok(SettingView::from(&stored))
}

/// Removes a setting's stored value, so its default applies again.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn unset_setting(
    state: State<'_, AppState>,
    name: String,
) -> Result<SettingView, IpcError> {
    let store = state.settings().await?;
    store.unset(&name).await.map_err(settings_error)?;
    let value = store.get(&name).await.map_err(settings_error)?;
    Ok(SettingView::from(&value))
}

/// Where the master key comes from and whether the OS keyring works.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn key_status(state: State<'_, AppState>) -> Result<KeyStatusView, IpcError> {
    let probe = tauri::async_runtime::spawn_blocking(keyring::self_test).await;
    let keyring_available = matches!(probe, Ok(Ok(())));

    Ok(match state.settings().await {
        Ok(store) => {
            let source = store.key_source();
            KeyStatusView {
                source: match source {
                    KeySource::EnvKey | KeySource::EnvPassphrase => "env",
                    KeySource::Keyring => "keyring",
                    KeySource::Generated => "generated",
                }
                .into(),
                keyring_available,
                detail: format!("The settings are encrypted with the key from {source}."),
            }
        }
        Err(err) => KeyStatusView {
            source: "unavailable".into(),
            keyring_available,
            detail: err.message,
        },
    })
}

/// The database choice the next start will use.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn database_config() -> Result<DatabaseConfigView, IpcError> {
    let data_dir = paths::default_data_dir();
    let file = DatabaseFile::load(&data_dir).map_err(config_error)?;
    Ok(DatabaseConfigView::new(&file, &data_dir, env_override()))
}

/// Stores the database choice for the next start (`mode` `embedded`, or `remote` with `url`).
/// Fails with `invalid_database_config`.
#[tauri::command]
#[tracing::instrument(skip(url))]
pub fn set_database_config(
    mode: String,
    url: Option<String>,
) -> Result<DatabaseConfigView, IpcError> {
    let mode = match mode.as_str() {
        "embedded" => DatabaseMode::Embedded,
        "remote" => DatabaseMode::Remote,
        other => {
            return Err(IpcError::new(
                "invalid_database_config",
                format!("unknown database mode `{other}` (embedded or remote)"),
            ));
        }
    };
    let file = DatabaseFile::new(mode, url.as_deref()).map_err(config_error)?;
    let data_dir = paths::default_data_dir();
    file.save(&data_dir).map_err(config_error)?;
    tracing::info!(mode = ?file.mode, "database choice saved for the next start");
    Ok(DatabaseConfigView::new(&file, &data_dir, env_override()))
}

fn env_override() -> bool {
    std::env::var_os(DATABASE_URL_ENV).is_some_and(|v| !v.is_empty())
}

fn config_error(err: trawl_core::settings::database_file::DatabaseFileError) -> IpcError {
    IpcError::new("invalid_database_config", err.to_string())
}

fn settings_error(err: SettingsError) -> IpcError {
    let code = match &err {
        SettingsError::Unknown(_) | SettingsError::Invalid { .. } => "invalid_setting",
        SettingsError::Key(_) | SettingsError::Decrypt { .. } => "settings_unavailable",
        SettingsError::Rotation(_) | SettingsError::Db(_) => "query_failed",
    };
    IpcError::new(code, err.to_string())
}
