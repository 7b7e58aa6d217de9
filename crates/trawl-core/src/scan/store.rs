//! Writing a capture's results: the target row, its assets and indicators, and one
//! `urlscan_local` row, in one transaction.
//!
//! Idempotent per job: assets and indicators of the target are replaced, and the
//! `urlscan_local` row of the same job is replaced, so a job that runs twice (its first
//! worker died after storing) leaves the same rows as one run.

use std::borrow::Cow;

use serde_json::{Value, json};
use sqlx::PgPool;

use super::analyse::Analysis;
use crate::capture::{Capture, CaptureMode, HopKind};

const UPDATE_TARGET: &str = "UPDATE targets SET status = $2, reason = $3, final_url = $4, \
    domain = $5, ip = $6, redirect_chain = $7, headers_text = $8, headers_hash = $9, \
    dom_hash = $10, html_path = $11, html_excerpt = $12, html_sha256 = $13, html_tlsh = $14, \
    favicon_hash = $15, favicon_md5 = $16, favicon_sha256 = $17, favicon_url = $18, \
    title = $19, http_status = $20, content_type = $21, charset = $22, capture_mode = $23, \
    tls_subject = $24, tls_issuer = $25, tls_sans = $26, tls_not_before = $27, \
    tls_not_after = $28, tls_sha256 = $29, tls_valid = $30, tls_problems = $31, \
    capture = $32, jarm = $33, captured_at = now(), updated_at = now() WHERE id = $1";

const UPDATE_SCREENSHOT: &str = "UPDATE targets SET screenshot_path = $2, \
    screenshot_ahash = $3, screenshot_phash = $4, screenshot_dhash = $5, \
    screenshot_status = $6, screenshot_reason = $7 WHERE id = $1";

const INSERT_ASSETS: &str = "INSERT INTO assets (target_id, url, type, md5, sha256, phash, \
    ahash, status, size, content_type, blob_path, error) \
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
    $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[])";

const INSERT_INDICATORS: &str = "INSERT INTO indicators (target_id, kind, value, detail, \
    placeholder, context) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], \
    $5::bool[], $6::text[]) ON CONFLICT (target_id, kind, value) DO NOTHING";

const INSERT_URLSCAN: &str = "INSERT INTO urlscan_local (target_id, job_id, url, domain, ip, \
    title, status, content_type, redirect_chain, dom_hash, headers_hash, favicon_hash, jarm) \
    SELECT id, $2, coalesce(final_url, url), domain, ip, title, status, content_type, \
    redirect_chain, dom_hash, headers_hash, favicon_hash, jarm FROM targets WHERE id = $1";

/// The outcome of a capture as stored: DONE when a document was captured, else FAILED.
pub fn target_status(capture: &Capture) -> &'static str {
    if capture.http_status.is_some() || capture.chain.iter().any(|h| h.kind == HopKind::Data) {
        "DONE"
    } else {
        "FAILED"
    }
}

/// Why a target ended as it did (`targets.reason`): the capture's error, else a note that the
/// final document is partial. Without the note, a DONE target whose body was cut at the size cap
/// (an endless body, a decompression bomb) or broke off looked complete.
pub fn target_reason(capture: &Capture) -> Option<String> {
    if let Some(error) = &capture.error {
        return Some(error.clone());
    }
    let html = capture.html.as_ref().filter(|h| h.truncated)?;
    // A body cut without an error on its hop was cut by the size cap (see `capture::body`).
    let cause = capture.chain.last().and_then(|h| h.error.as_deref());
    Some(format!(
        "document truncated after {} bytes: {}",
        html.size,
        cause.unwrap_or("body size cap reached")
    ))
}

/// Postgres `text` and `jsonb` cannot hold U+0000, which a binary or hostile body decoded as a
/// document contains (the lab's gzip bomb inflates to zeros). Storing it failed on every
/// attempt ("invalid byte sequence for encoding UTF8: 0x00") and the target ended FAILED with a
/// database error instead of its capture. NUL is stored as U+FFFD, as an HTML parser reads it.
fn without_nul(text: &str) -> Cow<'_, str> {
    match text.contains('\0') {
        true => Cow::Owned(text.replace('\0', "\u{FFFD}")),
        false => Cow::Borrowed(text),
    }
}

/// [`without_nul`] on every string of a JSON value (the capture record holds the document).
fn scrub_nul(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{FFFD}"),
        Value::Array(items) => items.iter_mut().for_each(scrub_nul),
        Value::Object(fields) => fields.values_mut().for_each(scrub_nul),
        _ => {}
    }
}

/// The redirect chain as stored in `targets.redirect_chain` (a JSON array).
pub fn chain_json(capture: &Capture) -> String {
    let hops: Vec<_> = capture
        .chain
        .iter()
        .map(|h| json!({ "url": h.url, "status": h.status, "kind": h.kind, "ip": h.ip, "error": h.error }))
        .collect();
    serde_json::Value::Array(hops).to_string()
}

/// Store everything about one capture of target `target_id`, made by job `job_id`.
pub async fn store_capture(
    pool: &PgPool,
    target_id: i64,
    job_id: i64,
    capture: &Capture,
    analysis: &Analysis,
    html_path: Option<String>,
) -> Result<&'static str, sqlx::Error> {
    let status = target_status(capture);
    let domain = url::Url::parse(&capture.final_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    let tls = capture.tls.as_ref();
    let favicon = analysis.favicon.as_ref();
    let mode = match capture.mode {
        CaptureMode::Fast => "fast",
        CaptureMode::Full => "full",
    };
    let mut record = serde_json::to_value(capture).unwrap_or_default();
    scrub_nul(&mut record);
    let nul_free = |text: &Option<String>| text.as_deref().map(|t| without_nul(t).into_owned());

    let mut tx = pool.begin().await?;
    sqlx::query(UPDATE_TARGET)
        .bind(target_id)
        .bind(status)
        .bind(target_reason(capture).map(|r| without_nul(&r).into_owned()))
        .bind(&capture.final_url)
        .bind(domain)
        .bind(&capture.ip)
        .bind(chain_json(capture))
        .bind(without_nul(&analysis.headers_text).into_owned())
        .bind(&analysis.headers_hash)
        .bind(&analysis.dom_hash)
        .bind(html_path)
        .bind(nul_free(&analysis.html_excerpt))
        .bind(&analysis.html_sha256)
        .bind(&analysis.html_tlsh)
        .bind(favicon.map(|f| f.mmh3.to_string()))
        .bind(favicon.map(|f| f.md5.clone()))
        .bind(favicon.map(|f| f.sha256.clone()))
        .bind(&analysis.favicon_url)
        .bind(nul_free(&capture.title))
        .bind(capture.http_status.map(i32::from))
        .bind(&capture.content_type)
        .bind(&capture.charset)
        .bind(mode)
        .bind(tls.map(|t| t.subject.clone()))
        .bind(tls.map(|t| t.issuer.clone()))
        .bind(tls.map(|t| t.sans.join(", ")))
        .bind(tls.and_then(|t| parse_time(&t.not_before)))
        .bind(tls.and_then(|t| parse_time(&t.not_after)))
        .bind(tls.map(|t| t.sha256.clone()))
        .bind(tls.map(|t| t.valid))
        .bind(tls.map(|t| t.problems.join(", ")))
        .bind(record)
        .bind(&capture.jarm)
        .execute(&mut *tx)
        .await?;

    let shot = analysis.screenshot.as_ref();
    let hashes = shot.and_then(|s| s.hashes.as_ref());
    sqlx::query(UPDATE_SCREENSHOT)
        .bind(target_id)
        .bind(shot.and_then(|s| s.path.clone()))
        .bind(hashes.map(|h| h.ahash.clone()))
        .bind(hashes.map(|h| h.phash.clone()))
        .bind(hashes.map(|h| h.dhash.clone()))
        .bind(shot.map(|s| s.status))
        .bind(shot.and_then(|s| s.reason.clone()))
        .execute(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM assets WHERE target_id = $1")
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    let a = &analysis.assets;
    sqlx::query(INSERT_ASSETS)
        .bind(target_id)
        .bind(a.iter().map(|x| x.url.clone()).collect::<Vec<_>>())
        .bind(
            a.iter()
                .map(|x| x.asset_type.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(a.iter().map(|x| x.md5.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.sha256.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.phash.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.ahash.clone()).collect::<Vec<_>>())
        .bind(
            a.iter()
                .map(|x| x.status.map(|s| s.to_string()))
                .collect::<Vec<_>>(),
        )
        .bind(a.iter().map(|x| x.size).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.content_type.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.blob_path.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.error.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM indicators WHERE target_id = $1")
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    let i = &analysis.indicators;
    sqlx::query(INSERT_INDICATORS)
        .bind(target_id)
        .bind(
            i.iter()
                .map(|x| x.kind.as_str().to_string())
                .collect::<Vec<_>>(),
        )
        .bind(i.iter().map(|x| x.value.clone()).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.detail.clone()).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.placeholder).collect::<Vec<_>>())
        .bind(
            i.iter()
                .map(|x| without_nul(&x.context).into_owned())
                .collect::<Vec<_>>(),
        )
        .execute(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM urlscan_local WHERE job_id = $1")
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(INSERT_URLSCAN)
        .bind(target_id)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(status)
}

/// Mark a target RUNNING (its job was leased).
pub async fn mark_running(pool: &PgPool, target_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE targets SET status = 'RUNNING', updated_at = now() WHERE id = $1")
        .bind(target_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Mark a target FAILED with `reason` (its job gave up).
pub async fn mark_failed(pool: &PgPool, target_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE targets SET status = 'FAILED', reason = $2, updated_at = now() WHERE id = $1",
    )
    .bind(target_id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::blobs::BlobRef;
    use crate::capture::{FetchedBody, Hop};

    fn capture_with_body(truncated: bool, hop_error: Option<&str>) -> Capture {
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/", Utc::now());
        let blob = BlobRef {
            sha256: "00".repeat(32),
            md5: "00".repeat(16),
            size: 5 << 20,
        };
        capture.html = Some(FetchedBody {
            size: blob.size,
            blob,
            truncated,
            content_type: None,
        });
        capture.chain.push(Hop {
            url: "http://a.test/".into(),
            status: Some(200),
            kind: HopKind::Initial,
            ip: Some("127.0.0.1".into()),
            error: hop_error.map(String::from),
            body: None,
        });
        capture.http_status = Some(200);
        capture
    }

    // Regression: a DONE target whose document was cut at the size cap had no reason at all.
    #[test]
    fn a_truncated_document_is_the_reason_unless_the_capture_failed() {
        let capped = capture_with_body(true, None);
        let reason = target_reason(&capped).unwrap();
        assert_eq!(
            reason,
            "document truncated after 5242880 bytes: body size cap reached"
        );

        let broken = capture_with_body(true, Some("connection reset"));
        assert!(
            target_reason(&broken)
                .unwrap()
                .ends_with(": connection reset")
        );

        let mut failed = capture_with_body(true, None);
        failed.error = Some("redirect loop at http://a.test/".into());
        assert_eq!(
            target_reason(&failed).unwrap(),
            "redirect loop at http://a.test/"
        );

        assert_eq!(target_reason(&capture_with_body(false, None)), None);
    }

    // Regression: a document of NUL bytes (the lab's gzip bomb) could not be stored at all.
    #[test]
    fn nul_characters_are_replaced_in_text_and_in_the_record() {
        assert_eq!(without_nul("a\0b"), "a\u{FFFD}b");
        assert!(matches!(without_nul("plain"), Cow::Borrowed("plain")));

        let mut record = json!({ "html_text": "\0\0", "headers": [["x", "y\0"]], "n": 1 });
        scrub_nul(&mut record);
        assert_eq!(
            record,
            json!({ "html_text": "\u{FFFD}\u{FFFD}", "headers": [["x", "y\u{FFFD}"]], "n": 1 })
        );
    }
}
