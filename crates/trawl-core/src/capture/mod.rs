//! Capture: visiting a target the way a browser would and recording what came back.
//!
//! This module owns the capture record ([`model`]), the destination guard ([`guard`]), name
//! resolution ([`resolve`]) and the fast HTTP-only capturer ([`fast`]) with its bounded
//! JavaScript sandbox for script redirects ([`script_sandbox`]). A headless-Chromium
//! capturer will fill the same [`Capture`] type. Capturers record raw observations only;
//! fingerprints are computed by a later pipeline stage from the record and its blobs.
//!
//! Error policy: a problem with one target (DNS, refusal, timeout, bad TLS, broken body) is
//! data, recorded in `Capture.error`, hop errors, asset errors and `blocked`; `capture` never
//! fails and never panics on hostile input.

mod assets;
mod body;
pub mod charset;
pub mod data_url;
pub mod fast;
pub mod full;
mod fetch;
pub mod guard;
mod http1;
pub mod model;
pub mod redirect;
pub mod resolve;
mod script_redirect;
pub mod script_sandbox;
mod sniff;
pub mod tls;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fast_page_tests;
#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod fast_tls_tests;
#[cfg(test)]
mod testkit;

pub use fast::{CaptureOptions, FastCapturer};
pub use full::{FullCapturer, FullOptions};
pub use guard::GuardPolicy;
pub use model::{
    AssetType, BlockedRequest, Capture, CaptureMode, CapturedAsset, DnsInfo, FetchedBody, Hop,
    HopKind, ScreenshotInfo, TlsCertInfo,
};
pub use resolve::{
    CombinedResolver, ResolveError, Resolver, ResolverMap, ResolverMapError, ResolverSettings,
    SystemResolver, build_resolver,
};
pub use script_sandbox::SandboxLimits;
