//! Trawl's headless Chromium driver: a pool of browsers ([`BrowserPool`]) that captures
//! pages and returns plain data ([`PageResult`]).
//!
//! This crate owns launching and recycling Chromium (through `headless_chrome`, blocking, on
//! its own threads), driving a page over CDP, and surviving hostile pages (dialog loops,
//! popups, downloads, pages that never load or never yield). It knows nothing of Trawl's
//! capture record, blob store or destination guard: the caller passes a [`RequestPolicy`]
//! and turns the result into its own types. Keeping the CDP bindings here means the large
//! generated protocol crate is compiled once and rarely again.
//!
//! Error policy: a page's failure is data in its [`PageResult`]; only a missing executable
//! or an impossible setup is a [`BrowserError`].

mod bodies;
mod calls;
mod config;
mod driver;
mod instance;
mod link;
mod page;
mod pool;
mod process;
mod recorder;

pub use calls::CallError;
pub use config::{BrowserConfig, ControlPorts, DISABLED_FEATURES, DROPPED_DEFAULT_ARGS};
pub use page::{
    AllowAll, Body, DEFAULT_USER_AGENT, Download, MainDocument, NavKind, NavStep, PageRequest,
    PageResult, RequestPolicy, Resource, ResourceKind, Screenshot,
};
pub use pool::{BrowserPool, PoolStats};
pub use process::{descendants, kill_tree};

/// Why the pool could not do its job at all.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The Chromium executable is not there.
    #[error("Chromium not found at {0}")]
    Missing(std::path::PathBuf),
    /// Chromium did not start or did not open its DevTools endpoint.
    #[error("Chromium did not start: {0}")]
    Launch(String),
    /// A pool thread could not be started.
    #[error("cannot start a browser thread: {0}")]
    Thread(std::io::Error),
}
