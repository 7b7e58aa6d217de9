//! Trawl's engine: everything the desktop app, the `trawl` CLI and the tests share.
//!
//! The engine never depends on a GUI toolkit. Each module owns one stage of the pipeline
//! (see DESIGN.md): storage and the job queue, URL-list input, capture, fingerprints,
//! extraction, and the lab web server used to replay saved sites on loopback.

pub mod analysis_views;
pub mod blobs;
pub mod capture;
pub mod db;
pub mod extract;
pub mod fingerprint;
pub mod input;
pub mod iocs;
pub mod jarm;
pub mod lab;
pub mod link;
pub mod logging;
pub mod logs_query;
pub mod paths;
pub mod pivots;
pub mod queue;
pub mod rules;
pub mod scan;
pub mod settings;
pub mod targets;
