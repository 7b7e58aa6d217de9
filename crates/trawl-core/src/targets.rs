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

/// Columns a target page may be sorted by; anything else is refused before SQL is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Insertion order (the default).
    #[default]
    Id,
    Url,
    Domain,
    Status,
    RiskScore,
    CreatedAt,
    UpdatedAt,
}

impl SortColumn {
    /// The column for a UI name (`id`, `url`, `domain`, `status`, `risk_score`, `created_at`,
    /// `updated_at`); `None` for any other name.
    pub fn parse(name: &str) -> Option<SortColumn> {
        Some(match name {
            "id" => SortColumn::Id,
            "url" => SortColumn::Url,
            "domain" => SortColumn::Domain,
            "status" => SortColumn::Status,
            "risk_score" => SortColumn::RiskScore,
            "created_at" => SortColumn::CreatedAt,
            "updated_at" => SortColumn::UpdatedAt,
            _ => return None,
        })
    }

    /// The SQL column name; a fixed string, never user text.
    fn sql(self) -> &'static str {
        match self {
            SortColumn::Id => "id",
            SortColumn::Url => "url",
            SortColumn::Domain => "domain",
            SortColumn::Status => "status",
            SortColumn::RiskScore => "risk_score",
            SortColumn::CreatedAt => "created_at",
            SortColumn::UpdatedAt => "updated_at",
        }
    }
}

/// Most rows one page may hold.
pub const MAX_PAGE_ROWS: i64 = 1000;

/// One page of the target table: where it starts, its order and its filters.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return, clamped to 1..=[`MAX_PAGE_ROWS`].
    pub limit: i64,
    /// Sort column; ties are broken by id in the same direction.
    pub sort: SortColumn,
    /// Sort descending.
    pub descending: bool,
    /// Only targets with this status (`QUEUED`, `RUNNING`, `DONE`, `FAILED`, `SKIPPED`).
    pub status: Option<String>,
    /// Only targets whose domain contains this text (case-insensitive).
    pub domain: Option<String>,
}

/// A page of targets and the number of targets matching the filters.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub rows: Vec<TargetSummary>,
    pub total: i64,
}

/// The filter shared by the page and its count; `$1` is the status, `$2` the domain text.
const PAGE_FILTER: &str = "WHERE ($1::text IS NULL OR status = $1) \
     AND ($2::text IS NULL OR strpos(lower(domain), lower($2)) > 0)";

/// The page query for `sort` and direction; `$3` is the limit, `$4` the offset.
fn page_sql(sort: SortColumn, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let nulls = if descending {
        "NULLS LAST"
    } else {
        "NULLS FIRST"
    };
    format!(
        "SELECT id, url, status, risk_score, domain, ip, title, favicon_hash, reason \
         FROM targets {PAGE_FILTER} ORDER BY {} {dir} {nulls}, id {dir} LIMIT $3 OFFSET $4",
        sort.sql()
    )
}

/// One page of targets, sorted, filtered and counted in Postgres.
pub async fn page(pool: &PgPool, query: &PageQuery) -> Result<Page, sqlx::Error> {
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let domain = query
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());

    let rows = sqlx::query_as(&page_sql(query.sort, query.descending))
        .bind(status)
        .bind(domain)
        .bind(query.limit.clamp(1, MAX_PAGE_ROWS))
        .bind(query.offset.max(0))
        .fetch_all(pool)
        .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM targets {PAGE_FILTER}"))
        .bind(status)
        .bind(domain)
        .fetch_one(pool)
        .await?;
    Ok(Page { rows, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_outside_the_whitelist_are_refused() {
        assert_eq!(SortColumn::parse("risk_score"), Some(SortColumn::RiskScore));
        assert_eq!(SortColumn::parse("domain"), Some(SortColumn::Domain));
        assert_eq!(SortColumn::parse("id; DROP TABLE targets"), None);
        assert_eq!(SortColumn::parse("capture"), None);
        assert_eq!(SortColumn::parse(""), None);
    }

    #[test]
    fn every_sort_name_round_trips_to_its_column() {
        for name in [
            "id",
            "url",
            "domain",
            "status",
            "risk_score",
            "created_at",
            "updated_at",
        ] {
            let column = SortColumn::parse(name).unwrap();
            assert_eq!(column.sql(), name);
        }
    }

    #[test]
    fn page_sql_orders_by_the_column_then_id_in_one_direction() {
        let sql = page_sql(SortColumn::RiskScore, true);
        assert!(
            sql.contains("ORDER BY risk_score DESC NULLS LAST, id DESC"),
            "{sql}"
        );

        let sql = page_sql(SortColumn::Domain, false);
        assert!(
            sql.contains("ORDER BY domain ASC NULLS FIRST, id ASC"),
            "{sql}"
        );
    }
}
