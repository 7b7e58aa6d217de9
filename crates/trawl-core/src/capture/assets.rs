//! Sub-resources of the final page: finding them in the HTML and fetching them.
//!
//! Found: `<script src>`, `<link rel=stylesheet href>`, `<link rel=preload|modulepreload
//! href>` (typed by `as`), `<img src>` and the first `srcset` candidate, all resolved against
//! the document's base URL, fragments dropped, deduplicated in document order and capped. The
//! favicon is the first `<link>` whose `rel` has the token `icon` (so `icon` and `shortcut
//! icon`, not `apple-touch-icon`, as desktop Chrome), else `/favicon.ico` of the page's origin.
//!
//! Fetching goes through the capture's session (guard, pinning), a few at a time, following up
//! to [`MAX_ASSET_REDIRECTS`] redirects as browsers do for sub-resources. `data:` assets are
//! decoded locally. Bodies stream into the blob store within the asset cap; the favicon's body
//! is kept only when it really is an image (an HTML 404 page is not an icon).

use std::collections::HashSet;

use futures::StreamExt;
use scraper::{Html, Selector};
use url::Url;

use super::body::BodyPlan;
use super::data_url;
use super::fetch::{Destination, FetchError, Fetched, Session};
use super::model::{AssetType, BlockedRequest, CapturedAsset, FetchedBody};
use super::redirect::location_target;
use crate::blobs::BlobStore;
use crate::fingerprint::is_icon_image;

/// Redirects followed per asset.
pub const MAX_ASSET_REDIRECTS: usize = 5;

/// A sub-resource reference found in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRef {
    /// Absolute URL, fragment removed.
    pub url: Url,
    /// What the page uses it as.
    pub asset_type: AssetType,
}

/// Asset references of `document` (base URL `base`), at most `max`, and the favicon link.
pub fn find_assets(document: &Html, base: &Url, max: usize) -> (Vec<AssetRef>, Option<Url>) {
    let selector =
        Selector::parse("script[src], link[href], img[src], img[srcset]").expect("static selector");
    let mut seen = HashSet::new();
    let mut assets = Vec::new();
    let mut favicon = None;

    for element in document.select(&selector) {
        let el = element.value();
        let rel: Vec<String> = el
            .attr("rel")
            .unwrap_or("")
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let mut found: Vec<(&str, AssetType)> = Vec::new();
        match el.name() {
            "script" => found.extend(el.attr("src").map(|s| (s, AssetType::Js))),
            "img" => {
                found.extend(el.attr("src").map(|s| (s, AssetType::Image)));
                found.extend(
                    el.attr("srcset")
                        .and_then(first_srcset_candidate)
                        .map(|s| (s, AssetType::Image)),
                );
            }
            _ if rel.iter().any(|r| r == "icon") => {
                favicon = favicon.or_else(|| el.attr("href").and_then(|href| resolve(base, href)));
            }
            _ if rel.iter().any(|r| r == "stylesheet") => {
                found.extend(el.attr("href").map(|s| (s, AssetType::Css)))
            }
            _ if rel.iter().any(|r| r == "preload" || r == "modulepreload") => {
                let kind = match el.attr("as").unwrap_or("script") {
                    "style" => AssetType::Css,
                    "font" => AssetType::Font,
                    "image" => AssetType::Image,
                    "script" => AssetType::Js,
                    _ => AssetType::Other,
                };
                found.extend(el.attr("href").map(|s| (s, kind)));
            }
            _ => {}
        }
        for (reference, asset_type) in found {
            let Some(url) = resolve(base, reference) else {
                continue;
            };
            if assets.len() < max && seen.insert(url.to_string()) {
                assets.push(AssetRef { url, asset_type });
            }
        }
    }
    (assets, favicon)
}

fn resolve(base: &Url, reference: &str) -> Option<Url> {
    let mut url = base.join(reference.trim()).ok()?;
    if matches!(url.scheme(), "javascript" | "about" | "blob") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

fn first_srcset_candidate(srcset: &str) -> Option<&str> {
    srcset
        .trim_start()
        .split_ascii_whitespace()
        .next()
        .map(|s| s.trim_end_matches(','))
}

/// The favicon location when the page names none.
pub fn default_favicon(page: &Url) -> Option<Url> {
    page.join("/favicon.ico").ok()
}

/// Limits for asset fetching.
#[derive(Debug, Clone, Copy)]
pub struct AssetLimits {
    /// Body cap per asset (decoded bytes).
    pub max_bytes: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// Fetches `assets` (document order kept) and returns them with the refusals met.
pub async fn fetch_assets(
    session: &Session,
    blobs: &BlobStore,
    assets: Vec<AssetRef>,
    page: &Url,
    limits: AssetLimits,
) -> (Vec<CapturedAsset>, Vec<BlockedRequest>) {
    let plan = BodyPlan {
        cap: limits.max_bytes,
        keep: false,
        store: true,
    };
    let results: Vec<(CapturedAsset, Vec<BlockedRequest>)> = futures::stream::iter(assets)
        .map(|asset| fetch_one(session, blobs, asset, page, plan))
        .buffered(limits.concurrency.max(1))
        .collect()
        .await;

    let mut blocked = Vec::new();
    let captured = results
        .into_iter()
        .map(|(asset, refused)| {
            blocked.extend(refused);
            asset
        })
        .collect();
    (captured, blocked)
}

/// Fetches the favicon; the body is kept only if it is an image.
pub async fn fetch_favicon(
    session: &Session,
    blobs: &BlobStore,
    url: Url,
    page: &Url,
    max_bytes: u64,
) -> (CapturedAsset, Vec<BlockedRequest>) {
    let plan = BodyPlan {
        cap: max_bytes,
        keep: true,
        store: false,
    };
    let asset = AssetRef {
        url,
        asset_type: AssetType::Image,
    };
    let (mut captured, blocked, kept) = fetch_with_bytes(session, blobs, asset, page, plan).await;
    let Some(kept) = kept else {
        return (captured, blocked);
    };

    let success = captured.status.is_none_or(|s| (200..300).contains(&s));
    if !success || !is_icon_image(&kept.bytes) {
        let what = kept.content_type.as_deref().unwrap_or("no content type");
        let status = captured
            .status
            .map_or(String::new(), |s| format!("HTTP {s}, "));
        captured
            .error
            .get_or_insert(format!("not an image ({status}{what})"));
        return (captured, blocked);
    }
    match blobs.put(&kept.bytes) {
        Ok(blob) => {
            let (truncated, content_type) = (kept.truncated, kept.content_type);
            captured.body = Some(FetchedBody {
                size: blob.size,
                blob,
                truncated,
                content_type,
            });
        }
        Err(e) => captured.error = Some(format!("cannot write to the blob store: {e}")),
    }
    (captured, blocked)
}

/// A body held in memory for a check before it is stored.
struct Kept {
    bytes: Vec<u8>,
    truncated: bool,
    content_type: Option<String>,
}

async fn fetch_one(
    session: &Session,
    blobs: &BlobStore,
    asset: AssetRef,
    page: &Url,
    plan: BodyPlan,
) -> (CapturedAsset, Vec<BlockedRequest>) {
    let (captured, blocked, _) = fetch_with_bytes(session, blobs, asset, page, plan).await;
    (captured, blocked)
}

/// Fetches one asset following redirects. With `plan.keep` the body comes back in memory
/// (not stored); otherwise it is stored and referenced from the asset.
async fn fetch_with_bytes(
    session: &Session,
    blobs: &BlobStore,
    asset: AssetRef,
    page: &Url,
    plan: BodyPlan,
) -> (CapturedAsset, Vec<BlockedRequest>, Option<Kept>) {
    let mut captured = CapturedAsset {
        url: data_url::abbreviate(asset.url.as_str(), 200),
        asset_type: asset.asset_type,
        status: None,
        body: None,
        error: None,
    };
    let mut blocked = Vec::new();

    if asset.url.scheme() == "data" {
        let kept = decode_data_asset(&asset.url, plan, blobs, &mut captured);
        return (captured, blocked, kept);
    }

    let destination = match asset.asset_type {
        AssetType::Js => Destination::Script,
        AssetType::Css => Destination::Style,
        AssetType::Image => Destination::Image,
        _ => Destination::Other,
    };
    let mut current = asset.url.clone();
    for _ in 0..=MAX_ASSET_REDIRECTS {
        let fetched = match session.fetch(&current, destination, Some(page), plan).await {
            Ok(fetched) => fetched,
            Err(error) => {
                if let FetchError::Refused(reason) = &error {
                    let reason = reason.clone();
                    blocked.push(BlockedRequest {
                        url: current.to_string(),
                        reason,
                    });
                }
                captured.error = Some(error.message().to_owned());
                return (captured, blocked, None);
            }
        };
        captured.status = Some(fetched.status);
        let Some(location) = &fetched.location else {
            let kept = record_body(&mut captured, fetched, plan);
            return (captured, blocked, kept);
        };
        match location_target(&current, location) {
            Ok(next) if next.scheme() != "data" => current = next,
            Ok(_) => {
                captured.error = Some("redirected to a data: URL".to_owned());
                return (captured, blocked, None);
            }
            Err(e) => {
                captured.error = Some(e);
                return (captured, blocked, None);
            }
        }
    }
    captured.error = Some(format!("more than {MAX_ASSET_REDIRECTS} redirects"));
    (captured, blocked, None)
}

fn record_body(captured: &mut CapturedAsset, fetched: Fetched, plan: BodyPlan) -> Option<Kept> {
    let content_type = fetched.content_type.clone();
    if fetched.attachment {
        captured.asset_type = AssetType::Download;
    } else if content_type.as_deref().is_some_and(is_font_type) {
        captured.asset_type = AssetType::Font;
    }
    let body = fetched.body?;
    captured.error = body.error.clone();
    if plan.keep {
        return Some(Kept {
            bytes: body.bytes,
            truncated: body.truncated,
            content_type,
        });
    }
    captured.body = body.blob.map(|blob| FetchedBody {
        size: blob.size,
        blob,
        truncated: body.truncated,
        content_type,
    });
    None
}

fn decode_data_asset(
    url: &Url,
    plan: BodyPlan,
    blobs: &BlobStore,
    captured: &mut CapturedAsset,
) -> Option<Kept> {
    let decoded = match data_url::decode(url) {
        Ok(decoded) => decoded,
        Err(e) => {
            captured.error = Some(e);
            return None;
        }
    };
    let mut bytes = decoded.bytes;
    let truncated = bytes.len() as u64 > plan.cap;
    bytes.truncate(usize::try_from(plan.cap).unwrap_or(usize::MAX));
    let content_type = Some(decoded.media_type);

    if plan.keep {
        return Some(Kept {
            bytes,
            truncated,
            content_type,
        });
    }
    match blobs.put(&bytes) {
        Ok(blob) => {
            captured.body = Some(FetchedBody {
                size: blob.size,
                blob,
                truncated,
                content_type,
            });
        }
        Err(e) => captured.error = Some(format!("cannot write to the blob store: {e}")),
    }
    None
}

fn is_font_type(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("font/") || mime.starts_with("application/font") || mime.contains("woff")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> (Vec<AssetRef>, Option<Url>) {
        let doc = Html::parse_document(html);
        find_assets(
            &doc,
            &Url::parse("http://a.test/dir/page.html").unwrap(),
            100,
        )
    }

    #[test]
    fn references_are_resolved_typed_and_deduplicated() {
        let (assets, favicon) = page(
            "<link rel=stylesheet href=s.css><script src='/j.js#x'></script>\
             <img src=i.png srcset='i2.png 2x, i3.png 3x'><img src='i.png'>\
             <link rel='preload' as='font' href='f.woff2'><link rel=apple-touch-icon href=t.png>\
             <link rel='shortcut icon' href='/fav.ico'><a href=no.html>x</a>",
        );
        let urls: Vec<(&str, AssetType)> = assets
            .iter()
            .map(|a| (a.url.as_str(), a.asset_type))
            .collect();
        assert_eq!(
            urls,
            [
                ("http://a.test/dir/s.css", AssetType::Css),
                ("http://a.test/j.js", AssetType::Js),
                ("http://a.test/dir/i.png", AssetType::Image),
                ("http://a.test/dir/i2.png", AssetType::Image),
                ("http://a.test/dir/f.woff2", AssetType::Font),
            ]
        );
        assert_eq!(favicon.unwrap().as_str(), "http://a.test/fav.ico");
    }

    #[test]
    fn the_asset_cap_applies() {
        let html: String = (0..10).map(|i| format!("<img src=i{i}.png>")).collect();
        let doc = Html::parse_document(&html);
        let (assets, _) = find_assets(&doc, &Url::parse("http://a.test/").unwrap(), 3);
        assert_eq!(assets.len(), 3);
    }
}
