//! Turns SIGTERM and SIGINT into an orderly app exit.
//!
//! Without this, a terminated process never reaches `RunEvent::Exit`, so an embedded database
//! server would outlive the app. On a signal the app exits through Tauri's normal path, which
//! closes the database (see `lib.rs`). Other platforms rely on window close alone.

use tauri::AppHandle;

/// Exits the app on the first SIGTERM or SIGINT. Spawn it on the async runtime.
#[cfg(unix)]
pub async fn exit_on_signal(app: AppHandle) {
    use tokio::signal::unix::{SignalKind, signal};

    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    let (Ok(mut term), Ok(mut int)) = (term, int) else {
        tracing::warn!("cannot listen for SIGTERM/SIGINT; only closing the window stops cleanly");
        return;
    };

    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "exiting on signal");
    app.exit(0);
}

/// Does nothing where Unix signals do not exist.
#[cfg(not(unix))]
pub async fn exit_on_signal(_app: AppHandle) {}
