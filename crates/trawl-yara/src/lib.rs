//! YARA-X for Trawl: compile analysts' and imported rules into one shared set, report each
//! broken rule with its name, line and column while the others still build, and scan byte
//! slices with a size cap and a timeout.
//!
//! This crate owns only the engine boundary. Storing rules and matches, choosing what to
//! scan (documents, assets, archive member names) and when to rebuild belong to
//! `trawl-core`'s `rules` module. The crate changes rarely on purpose: yara-x is slow to
//! compile.

mod compile;
mod scan;
mod split;

pub use compile::{CompileIssue, CompiledSet, FileCheck, RuleSource, check_file, line_column};
pub use scan::{RuleHit, ScanError, ScanLimits, ScanOutcome, SetScanner, StringHit};
pub use split::{RuleChunk, split_rules};
