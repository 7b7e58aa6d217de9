//! The Trawl desktop app: a thin Tauri shell around the engine in `trawl-core`.
//!
//! This crate owns the window, the IPC commands and the app's lifecycle: it sets up logging,
//! opens the database in the background so the window shows at once, and closes the database
//! (stopping an embedded server) when the app exits. All real work happens in the engine;
//! commands are adapters (see `commands`).

mod commands;
mod commands_admin;
mod commands_analysis;
mod commands_rules;
mod commands_settings;
mod commands_targets;
mod events;
pub mod ipc_admin;
pub mod ipc_analysis;
pub mod ipc_scan;
pub mod ipc_settings;
pub mod ipc_target_actions;
pub mod ipc_targets;
pub mod ipc_types;
mod progress;
mod scan_input;
mod signals;
mod startup;
mod state;
mod workers;

use tauri::{Manager, RunEvent};

use crate::state::AppState;

/// Builds and runs the desktop app, then ends the process with the app's exit code.
pub fn run() {
    let data_dir = trawl_core::paths::default_data_dir();
    let log_guard = trawl_core::logging::init(Some(&data_dir), false, false);

    let app = tauri::Builder::default()
        .manage(AppState::default())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::db_status,
            commands::retry_db_startup,
            commands::parse_url_lists,
            commands::parse_url_text,
            commands::start_scan,
            commands::cancel_scan,
            commands::list_targets,
            commands::target_detail,
            commands_targets::tag_targets,
            commands_targets::rescan_targets,
            commands_targets::export_targets,
            commands_targets::target_text,
            commands_targets::target_pivots,
            commands_admin::list_jobs,
            commands_admin::cancel_job,
            commands_admin::retry_job,
            commands_admin::list_logs,
            commands_settings::list_settings,
            commands_settings::set_setting,
            commands_settings::unset_setting,
            commands_settings::key_status,
            commands_settings::database_config,
            commands_settings::set_database_config,
            commands_analysis::list_campaigns,
            commands_analysis::campaign_detail,
            commands_analysis::campaign_split,
            commands_analysis::campaign_merge,
            commands_analysis::campaign_pin,
            commands_analysis::mark_generic,
            commands_analysis::graph_query,
            commands_analysis::graph_neighbourhood,
            commands_analysis::graph_node_detail,
            commands_analysis::export_graph_gexf,
            commands_analysis::save_export,
            commands_rules::list_rules,
            commands_rules::check_rule,
            commands_rules::test_rule,
            commands_rules::save_rule,
            commands_rules::delete_rule,
            commands_rules::import_iok,
            commands_analysis::list_alerts,
            commands_analysis::ack_alerts
        ])
        .setup(|app| {
            let handle = app.handle();
            tauri::async_runtime::spawn(signals::exit_on_signal(handle.clone()));
            startup::allow_blob_assets(handle);
            handle
                .state::<AppState>()
                .set_changes(events::Changes::for_app(handle));
            startup::spawn_open_database(handle.clone());
            Ok(())
        })
        .build(tauri::generate_context!());

    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "could not start the desktop app");
            drop(log_guard);
            std::process::exit(1);
        }
    };

    let code = app.run_return(|handle, event| {
        if let RunEvent::Exit = event {
            // Stop the embedded server before the process ends; waits for a startup in progress.
            let state = handle.state::<AppState>();
            tauri::async_runtime::block_on(state.shutdown());
        }
    });

    // Flush the log files before exiting.
    drop(log_guard);
    std::process::exit(code);
}
