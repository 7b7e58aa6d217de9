//! Reading targets back: lists, one target with everything captured for it, and exports.
//!
//! The JSONL export writes one object per target with the schema's column names (`url`,
//! `status`, `favicon_hash`, …) and its assets, indicators and matches nested, so other tools
//! can consume it; the CSV export writes the target columns only. Exports stream row by row.

use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::PgPool;

/// One line of a target list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TargetSummary {
    pub id: i64,
    pub url: String,
    pub status: String,
    pub risk_score: Option<i32>,
    pub domain: Option<String>,
    pub ip: Option<String>,
    pub title: Option<String>,
    pub favicon_hash: Option<String>,
    pub reason: Option<String>,
}

/// Filter for listing targets.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub scan_id: Option<i64>,
    pub status: Option<String>,
    pub limit: i64,
}

/// Targets matching `filter`, oldest first.
pub async fn list(pool: &PgPool, filter: &TargetFilter) -> Result<Vec<TargetSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, url, status, risk_score, domain, ip, title, favicon_hash, reason FROM targets \
         WHERE ($1::bigint IS NULL OR scan_id = $1) AND ($2::text IS NULL OR status = $2) \
         ORDER BY id LIMIT $3",
    )
    .bind(filter.scan_id)
    .bind(&filter.status)
    .bind(if filter.limit > 0 {
        filter.limit
    } else {
        i64::MAX
    })
    .fetch_all(pool)
    .await
}

/// One target as a JSON object: every column, plus `assets`, `indicators` and `matches`.
pub async fn detail(pool: &PgPool, id: i64) -> Result<Option<Value>, sqlx::Error> {
    let row: Option<Value> =
        sqlx::query_scalar("SELECT to_jsonb(t) - 'capture' FROM targets t WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    let Some(Value::Object(mut target)) = row else {
        return Ok(None);
    };
    nest(pool, id, &mut target).await?;
    Ok(Some(Value::Object(target)))
}

async fn nest(pool: &PgPool, id: i64, target: &mut Map<String, Value>) -> Result<(), sqlx::Error> {
    let assets: Value = sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(to_jsonb(a) - 'target_id' ORDER BY a.id), '[]') \
         FROM assets a WHERE target_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let indicators: Value = sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(to_jsonb(i) - 'target_id' ORDER BY i.id), '[]') \
         FROM indicators i WHERE target_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let matches: Value = sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(m ORDER BY m->>'created_at'), '[]') FROM ( \
           SELECT jsonb_build_object('kind', 'signature', 'name', s.name, 'verified', \
             sm.verified, 'confidence', sm.confidence, 'created_at', sm.created_at) AS m \
           FROM signature_matches sm JOIN signatures s ON s.id = sm.signature_id \
           WHERE sm.target_id = $1 \
           UNION ALL \
           SELECT jsonb_build_object('kind', 'yara', 'name', r.name, 'verified', ym.verified, \
             'confidence', ym.confidence, 'asset_id', ym.asset_id, 'created_at', ym.created_at) \
           FROM yara_matches ym JOIN yara_rules r ON r.id = ym.rule_id WHERE ym.target_id = $1 \
         ) x",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    target.insert("assets".into(), assets);
    target.insert("indicators".into(), indicators);
    target.insert("matches".into(), matches);
    Ok(())
}

/// The full capture record (chain, DNS, blocked requests …) of a target.
pub async fn capture_record(pool: &PgPool, id: i64) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar("SELECT capture FROM targets WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line, with nested assets, indicators and matches.
    Jsonl,
    /// The target columns as CSV with a header line.
    Csv,
}

/// Columns of the CSV export, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "url",
    "final_url",
    "status",
    "reason",
    "risk_score",
    "domain",
    "ip",
    "title",
    "http_status",
    "favicon_hash",
    "favicon_sha256",
    "dom_hash",
    "headers_hash",
    "html_sha256",
    "html_tlsh",
    "jarm",
    "tls_sha256",
    "screenshot_phash",
    "tags",
    "created_at",
    "updated_at",
];

/// Write every target matching `filter` to `out`. Returns the number written.
pub async fn export(
    pool: &PgPool,
    filter: &TargetFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let ids = list(pool, filter).await?;
    match format {
        ExportFormat::Jsonl => {
            for summary in &ids {
                if let Some(target) = detail(pool, summary.id).await? {
                    serde_json::to_writer(&mut *out, &target)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *out);
            csv.write_record(CSV_COLUMNS)?;
            for summary in &ids {
                let Some(Value::Object(target)) = detail(pool, summary.id).await? else {
                    continue;
                };
                let record: Vec<String> = CSV_COLUMNS
                    .iter()
                    .map(|c| match target.get(*c) {
                        None | Some(Value::Null) => String::new(),
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    })
                    .collect();
                csv.write_record(&record)?;
            }
            csv.flush()?;
        }
    }
    out.flush()?;
    Ok(ids.len())
}
