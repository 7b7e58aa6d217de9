//! Settings: one typed schema of keys, values encrypted at rest with AES-256-GCM under a
//! master key from `APP_SECRET_KEY` or the OS keyring.
//!
//! [`schema`] defines every key; [`crypto`] the stored format; [`key`] and [`keyring`] where
//! the master key comes from; [`store`] reads and writes the `settings` table and rotates the
//! key. Secrets are masked wherever they are shown and never logged.

pub mod crypto;
pub mod database_file;
pub mod key;
pub mod keyring;
pub mod schema;
pub mod store;

pub use key::{KeyError, KeyOptions, KeySource};
pub use schema::{Kind, SETTINGS, SettingDef, mask};
pub use store::{Rotation, SettingValue, SettingsError, SettingsStore};
