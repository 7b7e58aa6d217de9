//! From a capture record to the fingerprints and indicators stored with a target.
//!
//! Pure with respect to the database: reads the capture's blobs from the blob store and
//! computes the values DESIGN.md defines (favicon mmh3 + md5/sha256, HHHash, DOM hash, HTML
//! sha256 and TLSH, per-asset hashes and image hashes), and extracts indicators from the
//! final document. A value that cannot be computed (no favicon, a body too short for TLSH,
//! an undecodable image) is simply absent.

use serde::Serialize;

use crate::blobs::BlobStore;
use crate::capture::{AssetType, Capture, CapturedAsset};
use crate::extract::{Indicator, extract_indicators};
use crate::fingerprint::{self, FaviconFingerprint};

/// Longest excerpt of the HTML kept in the row (the full document is in the blob store).
const EXCERPT_CHARS: usize = 2000;

/// What analysis adds to a capture.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Favicon values, when the page has a real icon.
    pub favicon: Option<FaviconFingerprint>,
    /// Where the icon came from.
    pub favicon_url: Option<String>,
    /// CIRCL HHHash of the final document's header names.
    pub headers_hash: Option<String>,
    /// Header lines as received, `Name: value`.
    pub headers_text: String,
    /// Structural hash of the DOM (rendered DOM in full mode, parsed HTML in fast mode).
    pub dom_hash: Option<String>,
    /// SHA-256 of the final document as received.
    pub html_sha256: Option<String>,
    /// TLSH of the final document.
    pub html_tlsh: Option<String>,
    /// Start of the decoded document, for display as text.
    pub html_excerpt: Option<String>,
    /// Page assets with their hashes.
    pub assets: Vec<AnalysedAsset>,
    /// E-mails, phones and wallets found in the document.
    pub indicators: Vec<Indicator>,
}

/// One asset row.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysedAsset {
    pub url: String,
    pub asset_type: &'static str,
    pub status: Option<u16>,
    pub md5: Option<String>,
    pub sha256: Option<String>,
    pub phash: Option<String>,
    pub ahash: Option<String>,
    pub size: Option<i64>,
    pub content_type: Option<String>,
    pub blob_path: Option<String>,
    pub error: Option<String>,
}

/// Compute fingerprints and indicators of `capture`.
pub fn analyse(capture: &Capture, blobs: &BlobStore) -> Analysis {
    let mut out = Analysis {
        headers_text: capture
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect(),
        ..Analysis::default()
    };
    if !capture.headers.is_empty() {
        out.headers_hash = Some(fingerprint::hhhash(
            capture.headers.iter().map(|(n, _)| n.as_str()),
        ));
    }

    if let Some(html) = &capture.html {
        out.html_sha256 = Some(html.blob.sha256.clone());
        if let Ok(bytes) = blobs.read(&html.blob) {
            out.html_tlsh = fingerprint::tlsh(&bytes);
        }
    }
    let document = capture
        .rendered_dom
        .as_deref()
        .or(capture.html_text.as_deref());
    if let Some(text) = document {
        out.dom_hash = Some(fingerprint::dom_hash(text));
        out.indicators = extract_indicators(text);
    }
    if let Some(text) = capture
        .html_text
        .as_deref()
        .or(capture.rendered_dom.as_deref())
    {
        out.html_excerpt = Some(text.chars().take(EXCERPT_CHARS).collect());
    }

    if let Some(icon) = &capture.favicon {
        out.favicon_url = Some(icon.url.clone());
        if let Some(body) = &icon.body
            && let Ok(bytes) = blobs.read(&body.blob)
            && fingerprint::is_icon_image(&bytes)
        {
            out.favicon = Some(fingerprint::fingerprint_favicon(&bytes));
        }
    }

    out.assets = capture
        .assets
        .iter()
        .map(|a| analyse_asset(a, blobs))
        .collect();
    out
}

fn analyse_asset(asset: &CapturedAsset, blobs: &BlobStore) -> AnalysedAsset {
    let mut row = AnalysedAsset {
        url: asset.url.clone(),
        asset_type: asset_type_name(asset.asset_type),
        status: asset.status,
        md5: None,
        sha256: None,
        phash: None,
        ahash: None,
        size: None,
        content_type: None,
        blob_path: None,
        error: asset.error.clone(),
    };
    let Some(body) = &asset.body else { return row };
    row.md5 = Some(body.blob.md5.clone());
    row.sha256 = Some(body.blob.sha256.clone());
    row.size = Some(body.size as i64);
    row.content_type = body.content_type.clone();
    row.blob_path = Some(blobs.path(&body.blob).display().to_string());
    if asset.asset_type == AssetType::Image
        && let Ok(bytes) = blobs.read(&body.blob)
        && let Ok(hashes) = fingerprint::image_hashes(&bytes)
    {
        row.phash = Some(hashes.phash);
        row.ahash = Some(hashes.ahash);
    }
    row
}

/// The `assets.type` value of an asset type.
pub fn asset_type_name(kind: AssetType) -> &'static str {
    match kind {
        AssetType::Js => "js",
        AssetType::Css => "css",
        AssetType::Image => "image",
        AssetType::Font => "font",
        AssetType::Other => "other",
        AssetType::Download => "download",
    }
}
