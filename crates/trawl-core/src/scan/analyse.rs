//! From a capture record to the fingerprints and indicators stored with a target.
//!
//! Pure with respect to the database: reads the capture's blobs from the blob store and
//! computes the values DESIGN.md defines (favicon mmh3 + md5/sha256, HHHash, DOM hash, HTML
//! sha256 and TLSH, per-asset hashes and image hashes), and extracts indicators from the
//! final document. A value that cannot be computed (no favicon, a body too short for TLSH,
//! an undecodable image) is simply absent.

use serde::Serialize;

use crate::blobs::BlobStore;
use crate::capture::{AssetType, Capture, CaptureMode, CapturedAsset};
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
    /// Screenshot values (full mode only).
    pub screenshot: Option<ScreenshotAnalysis>,
}

/// The `targets.screenshot_*` values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenshotAnalysis {
    /// Where the viewport PNG is in the blob store.
    pub path: Option<String>,
    /// imagehash values of the viewport (absent for blank and failed shots' hashes).
    pub hashes: Option<fingerprint::ImageHashes>,
    /// `"ok"`, `"blank"` (near-uniform: never links) or `"failed"`.
    pub status: &'static str,
    /// Why it is blank or failed.
    pub reason: Option<String>,
}

/// Share of pixels within [`BLANK_TOLERANCE`] of the most common grey level above which a
/// screenshot counts as blank.
const BLANK_SHARE: f64 = 0.995;
/// Grey levels around the most common one that count as "the same colour".
const BLANK_TOLERANCE: usize = 6;

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
    out.screenshot = analyse_screenshot(capture, blobs);
    out
}

/// Hashes and labels the viewport screenshot; `None` in fast mode.
fn analyse_screenshot(capture: &Capture, blobs: &BlobStore) -> Option<ScreenshotAnalysis> {
    if capture.mode != CaptureMode::Full {
        return None;
    }
    let Some(shot) = &capture.screenshot else {
        let reason = capture
            .error
            .clone()
            .unwrap_or_else(|| "no screenshot taken".to_owned());
        return Some(ScreenshotAnalysis {
            status: "failed",
            reason: Some(reason),
            ..Default::default()
        });
    };
    let mut out = ScreenshotAnalysis {
        path: Some(blobs.path(&shot.blob).display().to_string()),
        status: "ok",
        ..Default::default()
    };
    let bytes = match blobs.read(&shot.blob) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.status = "failed";
            out.reason = Some(format!("screenshot not readable: {e}"));
            return Some(out);
        }
    };
    match fingerprint::image_hashes(&bytes) {
        Ok(hashes) => out.hashes = Some(hashes),
        Err(e) => {
            out.status = "failed";
            out.reason = Some(e.to_string());
            return Some(out);
        }
    }
    if let Some(share) = uniform_share(&bytes)
        && share >= BLANK_SHARE
    {
        out.status = "blank";
        out.reason = Some(format!("{:.1}% of pixels are one colour", share * 100.0));
    }
    Some(out)
}

/// Share of pixels whose grey level is within [`BLANK_TOLERANCE`] of the most common one.
fn uniform_share(png: &[u8]) -> Option<f64> {
    let gray = image::load_from_memory(png).ok()?.to_luma8();
    let mut histogram = [0usize; 256];
    for pixel in gray.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: usize = histogram.iter().sum();
    let (mode, _) = histogram.iter().enumerate().max_by_key(|(_, n)| **n)?;
    let low = mode.saturating_sub(BLANK_TOLERANCE);
    let high = (mode + BLANK_TOLERANCE).min(255);
    let near: usize = histogram[low..=high].iter().sum();
    (total > 0).then(|| near as f64 / total as f64)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> Vec<u8> {
        let img = image::GrayImage::from_fn(width, height, |x, y| image::Luma([pixel(x, y)]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn uniform_and_noisy_images_are_told_apart() {
        let white = png(64, 48, |_, _| 250);
        assert_eq!(uniform_share(&white), Some(1.0));
        let nearly = png(64, 48, |x, _| if x == 0 { 0 } else { 252 });
        assert!(uniform_share(&nearly).unwrap() < BLANK_SHARE);
        let stripes = png(64, 48, |x, _| if x % 2 == 0 { 0 } else { 255 });
        assert!(uniform_share(&stripes).unwrap() < 0.6);
    }

    #[test]
    fn full_captures_without_a_screenshot_are_failed_and_fast_ones_have_none() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let mut capture = Capture::new(CaptureMode::Full, "http://a.test/", chrono::Utc::now());
        capture.error = Some("browser: gone".to_owned());
        let shot = analyse_screenshot(&capture, &blobs).unwrap();
        assert_eq!(
            (shot.status, shot.reason.as_deref()),
            ("failed", Some("browser: gone"))
        );

        let blank = blobs.put(&png(64, 48, |_, _| 255)).unwrap();
        capture.screenshot = Some(crate::capture::ScreenshotInfo {
            blob: blank,
            width: 64,
            height: 48,
            full_page_blob: None,
            full_page_height: None,
        });
        let shot = analyse_screenshot(&capture, &blobs).unwrap();
        assert_eq!(shot.status, "blank");
        assert!(shot.hashes.is_some());

        capture.mode = CaptureMode::Fast;
        assert_eq!(analyse_screenshot(&capture, &blobs), None);
    }
}
