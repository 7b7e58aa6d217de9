//! Writing a capture's results: the target row, its assets and indicators, and one
//! `urlscan_local` row, in one transaction.
//!
//! Idempotent per job: assets and indicators of the target are replaced, and the
//! `urlscan_local` row of the same job is replaced, so a job that runs twice (its first
//! worker died after storing) leaves the same rows as one run.

use serde_json::json;
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
    capture = $32, captured_at = now(), updated_at = now() WHERE id = $1";

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
    let record = serde_json::to_value(capture).unwrap_or_default();

    let mut tx = pool.begin().await?;
    sqlx::query(UPDATE_TARGET)
        .bind(target_id)
        .bind(status)
        .bind(&capture.error)
        .bind(&capture.final_url)
        .bind(domain)
        .bind(&capture.ip)
        .bind(chain_json(capture))
        .bind(&analysis.headers_text)
        .bind(&analysis.headers_hash)
        .bind(&analysis.dom_hash)
        .bind(html_path)
        .bind(&analysis.html_excerpt)
        .bind(&analysis.html_sha256)
        .bind(&analysis.html_tlsh)
        .bind(favicon.map(|f| f.mmh3.to_string()))
        .bind(favicon.map(|f| f.md5.clone()))
        .bind(favicon.map(|f| f.sha256.clone()))
        .bind(&analysis.favicon_url)
        .bind(&capture.title)
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
        .execute(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM assets WHERE target_id = $1").bind(target_id).execute(&mut *tx).await?;
    let a = &analysis.assets;
    sqlx::query(INSERT_ASSETS)
        .bind(target_id)
        .bind(a.iter().map(|x| x.url.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.asset_type.to_string()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.md5.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.sha256.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.phash.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.ahash.clone()).collect::<Vec<_>>())
        .bind(a.iter().map(|x| x.status.map(|s| s.to_string())).collect::<Vec<_>>())
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
        .bind(i.iter().map(|x| x.kind.as_str().to_string()).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.value.clone()).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.detail.clone()).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.placeholder).collect::<Vec<_>>())
        .bind(i.iter().map(|x| x.context.clone()).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;

    sqlx::query("DELETE FROM urlscan_local WHERE job_id = $1").bind(job_id).execute(&mut *tx).await?;
    sqlx::query(INSERT_URLSCAN).bind(target_id).bind(job_id).execute(&mut *tx).await?;
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
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&chrono::Utc))
}
