//! From the browser's [`PageResult`] to Trawl's [`Capture`]: hops, the final document, its
//! assets and downloads, the favicon and the screenshots, with every body written to the blob
//! store.
//!
//! Field meanings follow the fast capturer: `final_url`, `headers`, `html` describe the last
//! main document that answered (a blocked or failed last hop stays in the chain with its
//! error); `rendered_dom` and the screenshots show what the browser displayed at the end.
//! A `data:` hop carries its decoded payload, as in fast mode. A blob-store failure is
//! recorded as the body's error, never raised. The browser ignores certificate errors; the
//! final `https` document's certificate is described as in fast mode (`tls`), with Chromium's
//! own verdict standing in for the trust probe.

use url::Url;

use trawl_browser::{Body, NavKind, PageResult, Resource, ResourceKind};

use crate::blobs::BlobStore;
use crate::capture::charset;
use crate::capture::data_url;
use crate::capture::model::{
    AssetType, BlockedRequest, Capture, CapturedAsset, FetchedBody, Hop, HopKind, ScreenshotInfo,
    TlsCertInfo,
};
use crate::capture::resolve::{ResolverMap, ip_literal};
use crate::capture::tls::{self, Trust};

/// Fills `capture` from `page`.
pub fn fill(capture: &mut Capture, page: &PageResult, blobs: &BlobStore, map: &ResolverMap) {
    capture.chain = page.chain.iter().map(|step| hop(step, blobs)).collect();
    if let Some(step) = refused_data_refresh(page) {
        capture.chain.push(hop(&step, blobs));
    }
    capture.blocked = page
        .blocked
        .iter()
        .map(|(url, reason)| BlockedRequest {
            url: url.clone(),
            reason: reason.clone(),
        })
        .collect();
    capture.error = page.error.clone();
    capture.rendered_dom = page.dom.clone();
    capture.title = page.title.clone().filter(|t| !t.is_empty());

    if let Some(main) = &page.main {
        capture.final_url = main.url.clone();
        capture.http_status = Some(main.status);
        capture.headers = main.headers.clone();
        capture.ip = main.ip.clone();
        capture.content_type = header(&main.headers, "content-type")
            .or_else(|| Some(main.mime_type.clone()).filter(|m| !m.is_empty()));
        if let Some(body) = &main.body {
            capture.html = store(blobs, body, capture.content_type.clone()).ok();
            if main.mime_type.contains("html") || main.mime_type.starts_with("text/") {
                let doc = charset::decode_document(&body.bytes, capture.content_type.as_deref());
                capture.charset = Some(doc.charset.to_owned());
                capture.charset_source = Some(doc.source.to_owned());
                capture.html_text = Some(doc.text);
            }
        }
        if let Ok(url) = Url::parse(&main.url) {
            capture.fragment = url
                .fragment()
                .map(str::to_owned)
                .or(capture.fragment.take());
            let host = url.host_str().unwrap_or_default();
            capture.dns = ip_literal(host).or_else(|| map.lookup(host));
            capture.tls = certificate(main, host);
        }
        if capture
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("navigation failed"))
        {
            // A later hop failed; the document that answered is still the capture.
            capture.error = page
                .chain
                .last()
                .and_then(|h| h.error.clone())
                .or(capture.error.take());
        }
    }

    capture.assets = page.resources.iter().map(|r| asset(r, blobs)).collect();
    for download in &page.downloads {
        let body = download
            .body
            .as_ref()
            .and_then(|b| store(blobs, b, None).ok());
        capture.assets.push(CapturedAsset {
            url: download.url.clone(),
            asset_type: AssetType::Download,
            status: None,
            body,
            error: download.error.clone(),
        });
    }
    capture.favicon = page.favicon.as_ref().map(|icon| {
        let mut icon = asset(icon, blobs);
        // Only a real image is kept as the icon's body (as in fast mode).
        if !icon.status.is_none_or(|s| (200..300).contains(&s)) {
            icon.body = None;
        }
        icon
    });
    capture.screenshot = screenshots(page, blobs, capture);
}

/// The final document's certificate and its problems. Chromium judged the connection while
/// ignoring certificate errors: anything but "secure" is recorded as an untrusted issuer
/// (expiry, self-signing and a name mismatch are found from the certificate itself).
fn certificate(main: &trawl_browser::MainDocument, host: &str) -> Option<TlsCertInfo> {
    let der = main.certificate.as_deref()?;
    let trust = match main.secure {
        Some(true) => Trust::Trusted,
        Some(false) => Trust::Untrusted("Chromium: certificate error ignored".to_owned()),
        None => Trust::Unknown("no verdict from Chromium".to_owned()),
    };
    tls::describe(der, host, chrono::Utc::now(), &trust).ok()
}

/// Chromium refuses a top-level navigation to a `data:` URL without any event; a meta
/// refresh to one in the final DOM is recorded as the `data:` hop the fast capturer records.
fn refused_data_refresh(page: &PageResult) -> Option<trawl_browser::NavStep> {
    if page.chain.last().is_some_and(|h| h.kind == NavKind::Data) {
        return None;
    }
    let dom = page.dom.as_deref()?;
    let here = Url::parse(&page.final_url).ok()?;
    let document = scraper::Html::parse_document(dom);
    let base = crate::capture::redirect::base_url(&document, &here);
    let next = crate::capture::redirect::document_redirect(&document, &base)?;
    (next.url.scheme() == "data" && next.kind == HopKind::MetaRefresh).then(|| {
        trawl_browser::NavStep {
            url: next.url.to_string(),
            kind: NavKind::Data,
            status: None,
            ip: None,
            error: None,
        }
    })
}

fn hop(step: &trawl_browser::NavStep, blobs: &BlobStore) -> Hop {
    let kind = match step.kind {
        NavKind::Initial => HopKind::Initial,
        NavKind::Http => HopKind::Http,
        NavKind::MetaRefresh => HopKind::MetaRefresh,
        NavKind::Script => HopKind::Script,
        NavKind::Data => HopKind::Data,
    };
    let mut out = Hop {
        url: step.url.clone(),
        status: step.status,
        kind,
        ip: step.ip.clone(),
        error: step.error.clone(),
        body: None,
    };
    if kind == HopKind::Data {
        out.url = data_url::abbreviate(&step.url, 256);
        match Url::parse(&step.url)
            .map_err(|e| e.to_string())
            .and_then(|u| data_url::decode(&u))
        {
            Ok(decoded) => {
                let body = Body {
                    bytes: decoded.bytes,
                    truncated: false,
                };
                out.body = store(blobs, &body, Some(decoded.media_type)).ok();
            }
            Err(e) => out.error = Some(e),
        }
    }
    out
}

fn asset(resource: &Resource, blobs: &BlobStore) -> CapturedAsset {
    let mut error = resource.error.clone();
    let body = resource.body.as_ref().and_then(|b| {
        store(blobs, b, resource.content_type.clone())
            .map_err(|e| error = Some(e))
            .ok()
    });
    CapturedAsset {
        url: without_fragment(&resource.url),
        asset_type: match resource.kind {
            ResourceKind::Script => AssetType::Js,
            ResourceKind::Stylesheet => AssetType::Css,
            ResourceKind::Image => AssetType::Image,
            ResourceKind::Font => AssetType::Font,
            ResourceKind::Other => AssetType::Other,
        },
        status: resource.status,
        body,
        error,
    }
}

fn screenshots(
    page: &PageResult,
    blobs: &BlobStore,
    capture: &mut Capture,
) -> Option<ScreenshotInfo> {
    let shot = page.screenshot.as_ref()?;
    let blob = match blobs.put(&shot.png) {
        Ok(blob) => blob,
        Err(e) => {
            capture
                .error
                .get_or_insert(format!("cannot store the screenshot: {e}"));
            return None;
        }
    };
    let full = page
        .full_page
        .as_ref()
        .and_then(|f| blobs.put(&f.png).ok().map(|b| (b, f.height)));
    Some(ScreenshotInfo {
        blob,
        width: shot.width,
        height: shot.height,
        full_page_height: full.as_ref().map(|(_, h)| *h),
        full_page_blob: full.map(|(b, _)| b),
    })
}

fn store(
    blobs: &BlobStore,
    body: &Body,
    content_type: Option<String>,
) -> Result<FetchedBody, String> {
    let blob = blobs
        .put(&body.bytes)
        .map_err(|e| format!("cannot write to the blob store: {e}"))?;
    Ok(FetchedBody {
        size: blob.size,
        blob,
        truncated: body.truncated,
        content_type,
    })
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn without_fragment(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.into()
        }
        Err(_) => url.to_owned(),
    }
}
