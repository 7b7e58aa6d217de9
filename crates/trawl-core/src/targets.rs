//! Reading targets back: lists, pages of the target table with their filters, one target with
//! everything captured for it, its captured text, the analyst's tags, and exports.
//!
//! The JSONL export writes one object per target with the schema's column names (`url`,
//! `status`, `favicon_hash`, …) and its assets, indicators and matches nested, so other tools
//! can consume it; the CSV export writes the target columns only. Exports stream row by row.
//! Every filter is a bound parameter; the only SQL built from input is the sort column, taken
//! from a fixed whitelist. Tags are stored in `targets.tags` as a sorted, comma-separated list
//! (a tag holds no comma or control character).

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
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
    /// The stored tag list (see [`split_tags`]).
    pub tags: Option<String>,
    /// Key of the target's campaign.
    pub campaign: Option<String>,
    /// Signature and YARA matches of the target.
    pub match_count: i64,
    pub created_at: DateTime<Utc>,
    pub screenshot_ahash: Option<String>,
}

/// The key of the campaign of target `t` (its first membership), or NULL.
macro_rules! campaign_key_sql {
    () => {
        "(SELECT c.key FROM campaign_members cm JOIN campaigns c ON c.id = cm.campaign_id \
         WHERE cm.target_id = t.id ORDER BY cm.id LIMIT 1)"
    };
}

/// Columns of [`TargetSummary`], read from `targets t`.
const SUMMARY_COLUMNS: &str = concat!(
    "t.id, t.url, t.status, t.risk_score, t.domain, t.ip, t.title, \
    t.favicon_hash, t.reason, t.tags, t.created_at, t.screenshot_ahash, ",
    campaign_key_sql!(),
    " AS campaign, \
    ((SELECT count(*) FROM signature_matches sm WHERE sm.target_id = t.id) \
     + (SELECT count(*) FROM yara_matches ym WHERE ym.target_id = t.id)) AS match_count"
);

/// One target row as JSON without its capture record, with `campaign` (the key, as in the
/// table's rows) added.
const DETAIL_SQL: &str = concat!(
    "SELECT (to_jsonb(t) - 'capture') || jsonb_build_object('campaign', ",
    campaign_key_sql!(),
    ") FROM targets t WHERE t.id = $1"
);

/// Filter for listing targets.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub scan_id: Option<i64>,
    pub status: Option<String>,
    pub limit: i64,
}

/// Targets matching `filter`, oldest first.
pub async fn list(pool: &PgPool, filter: &TargetFilter) -> Result<Vec<TargetSummary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM targets t \
         WHERE ($1::bigint IS NULL OR t.scan_id = $1) AND ($2::text IS NULL OR t.status = $2) \
         ORDER BY t.id LIMIT $3"
    ))
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

/// Summaries of the targets `ids`, by id (unknown ids are left out).
pub async fn summaries(pool: &PgPool, ids: &[i64]) -> Result<Vec<TargetSummary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM targets t WHERE t.id = ANY($1) ORDER BY t.id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// One target as a JSON object: every column, plus `campaign` (the key of its campaign, or
/// null), `assets`, `indicators`, `matches` (signature, YARA and alert matches, oldest first)
/// and `chain` (the redirect hops).
pub async fn detail(pool: &PgPool, id: i64) -> Result<Option<Value>, sqlx::Error> {
    let row: Option<Value> = sqlx::query_scalar(DETAIL_SQL)
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
           UNION ALL \
           SELECT jsonb_build_object('kind', 'alert', 'name', al.kind, 'message', al.message, \
             'created_at', al.created_at) FROM alerts al WHERE al.target_id = $1 \
         ) x",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    target.insert("assets".into(), assets);
    target.insert("indicators".into(), indicators);
    target.insert("matches".into(), matches);
    // The redirect chain as an array of hops (stored as JSON text).
    let chain = target
        .get("redirect_chain")
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(Value::is_array)
        .unwrap_or(Value::Array(Vec::new()));
    target.insert("chain".into(), chain);
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
    let ids: Vec<i64> = list(pool, filter).await?.iter().map(|t| t.id).collect();
    export_ids(pool, &ids, format, out).await
}

/// Write the targets `ids` (in that order; unknown ids are left out) to `out`. Returns the
/// number written.
pub async fn export_ids<W: Write + ?Sized>(
    pool: &PgPool,
    ids: &[i64],
    format: ExportFormat,
    out: &mut W,
) -> anyhow::Result<usize> {
    let mut written = 0;
    match format {
        ExportFormat::Jsonl => {
            for id in ids {
                if let Some(target) = detail(pool, *id).await? {
                    serde_json::to_writer(&mut *out, &target)?;
                    out.write_all(b"\n")?;
                    written += 1;
                }
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut *out);
            csv.write_record(CSV_COLUMNS)?;
            for id in ids {
                let Some(Value::Object(target)) = detail(pool, *id).await? else {
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
                written += 1;
            }
            csv.flush()?;
        }
    }
    out.flush()?;
    Ok(written)
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
    /// Only targets scored at least this (unscored targets are left out).
    pub risk_min: Option<i32>,
    /// Only targets scored at most this (unscored targets are left out).
    pub risk_max: Option<i32>,
    /// Only targets whose IP address starts with this text (an exact address matches too).
    pub ip: Option<String>,
    /// Only targets carrying this tag.
    pub tag: Option<String>,
    /// Only targets with (true) or without (false) signature or YARA matches.
    pub has_matches: Option<bool>,
    /// Only members of the campaign with this key.
    pub campaign: Option<String>,
    /// Only targets created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only targets created before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only targets linked in the graph to this (pivot kind, value).
    pub pivot: Option<(String, String)>,
}

/// A page of targets and the number of targets matching the filters.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub rows: Vec<TargetSummary>,
    pub total: i64,
}

/// The filter shared by the page, its count and exports; parameters `$1` to `$12` in the
/// order [`bind_filter`] binds them.
const PAGE_FILTER: &str = "WHERE ($1::text IS NULL OR t.status = $1) \
     AND ($2::text IS NULL OR strpos(lower(t.domain), lower($2)) > 0) \
     AND ($3::int IS NULL OR t.risk_score >= $3) \
     AND ($4::int IS NULL OR t.risk_score <= $4) \
     AND ($5::text IS NULL OR starts_with(t.ip, $5)) \
     AND ($6::text IS NULL OR $6 = ANY(string_to_array(t.tags, ','))) \
     AND ($7::bool IS NULL OR $7 = (EXISTS (SELECT 1 FROM signature_matches sm \
          WHERE sm.target_id = t.id) OR EXISTS (SELECT 1 FROM yara_matches ym \
          WHERE ym.target_id = t.id))) \
     AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM campaign_members cm \
          JOIN campaigns c ON c.id = cm.campaign_id WHERE cm.target_id = t.id AND c.key = $8)) \
     AND ($9::timestamptz IS NULL OR t.created_at >= $9) \
     AND ($10::timestamptz IS NULL OR t.created_at < $10) \
     AND ($11::text IS NULL OR t.id IN (SELECT tn.value::bigint FROM graph_nodes v \
          JOIN graph_edges e ON e.to_node = v.id AND e.kind = v.kind \
          JOIN graph_nodes tn ON tn.id = e.from_node AND tn.kind = 'target' \
          WHERE v.kind = $11 AND v.value = $12))";

/// The page query for `sort` and direction; `$13` is the limit, `$14` the offset.
fn page_sql(sort: SortColumn, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let nulls = if descending {
        "NULLS LAST"
    } else {
        "NULLS FIRST"
    };
    format!(
        "SELECT {SUMMARY_COLUMNS} FROM targets t {PAGE_FILTER} \
         ORDER BY t.{} {dir} {nulls}, t.id {dir} LIMIT $13 OFFSET $14",
        sort.sql()
    )
}

/// Text of an optional filter, trimmed; empty text counts as no filter.
fn text_filter(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Binds the filter parameters `$1` to `$12` of [`PAGE_FILTER`].
fn bind_filter<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    query: &'q PageQuery,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    let (pivot_kind, pivot_value) = match &query.pivot {
        Some((kind, value)) => (Some(kind.as_str()), Some(value.as_str())),
        None => (None, None),
    };
    q.bind(text_filter(&query.status))
        .bind(text_filter(&query.domain))
        .bind(query.risk_min)
        .bind(query.risk_max)
        .bind(text_filter(&query.ip))
        .bind(text_filter(&query.tag))
        .bind(query.has_matches)
        .bind(text_filter(&query.campaign))
        .bind(query.since)
        .bind(query.until)
        .bind(pivot_kind)
        .bind(pivot_value)
}

/// One page of targets, sorted, filtered and counted in Postgres.
pub async fn page(pool: &PgPool, query: &PageQuery) -> Result<Page, sqlx::Error> {
    let sql = page_sql(query.sort, query.descending);
    let rows = bind_filter(sqlx::query_as(&sql), query)
        .bind(query.limit.clamp(1, MAX_PAGE_ROWS))
        .bind(query.offset.max(0))
        .fetch_all(pool)
        .await?;
    let count_sql = format!("SELECT count(*) FROM targets t {PAGE_FILTER}");
    let (total,): (i64,) = bind_filter(sqlx::query_as(&count_sql), query)
        .fetch_one(pool)
        .await?;
    Ok(Page { rows, total })
}

/// Ids of every target matching the query's filters, in its order (offset and limit are
/// ignored): what an export of "the table as filtered" writes.
pub async fn matching_ids(pool: &PgPool, query: &PageQuery) -> Result<Vec<i64>, sqlx::Error> {
    let dir = if query.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT t.id FROM targets t {PAGE_FILTER} ORDER BY t.{} {dir}, t.id {dir}",
        query.sort.sql()
    );
    let rows: Vec<(i64,)> = bind_filter(sqlx::query_as(&sql), query)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Queues a new scan of the URLs the targets `ids` were submitted with (unknown ids and URLs
/// that no longer normalise are left out; each URL once). The old targets stay as they are, so
/// their captures remain to compare with. `None` when no URL is left.
pub async fn rescan(
    pool: &PgPool,
    ids: &[i64],
    settings: &crate::scan::ScanSettings,
) -> Result<Option<crate::scan::Submitted>, sqlx::Error> {
    let urls: Vec<String> = sqlx::query_scalar(
        "SELECT url FROM (SELECT DISTINCT ON (url) url, id FROM targets WHERE id = ANY($1) \
         ORDER BY url, id) u ORDER BY id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let inputs: Vec<crate::input::InputUrl> = urls
        .iter()
        .filter_map(|raw| crate::input::normalize_url(raw).ok())
        .enumerate()
        .map(|(i, n)| crate::input::InputUrl {
            url: n.url,
            display: n.display,
            line: i + 1,
        })
        .collect();
    if inputs.is_empty() {
        return Ok(None);
    }
    let source = format!("rescan of {} target(s)", ids.len());
    crate::scan::submit(pool, &inputs, settings, &source)
        .await
        .map(Some)
}

/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// Why a tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Empty after trimming, or longer than [`MAX_TAG_CHARS`].
    #[error("a tag has 1 to {MAX_TAG_CHARS} characters")]
    Length,
    /// Holds a control character or a comma (the list separator).
    #[error("a tag cannot hold control characters or commas")]
    Character,
}

/// The tag as stored: `raw` trimmed, checked for length and characters.
pub fn validate_tag(raw: &str) -> Result<String, TagError> {
    let tag = raw.trim();
    let chars = tag.chars().count();
    if chars == 0 || chars > MAX_TAG_CHARS {
        return Err(TagError::Length);
    }
    if tag.chars().any(|c| c.is_control() || c == ',') {
        return Err(TagError::Character);
    }
    Ok(tag.to_string())
}

/// The tags of a stored tag list, sorted.
pub fn split_tags(stored: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = stored
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Adds `tag` (checked with [`validate_tag`] first) to the targets `ids`, or removes it.
/// Returns the number of targets that changed.
pub async fn set_tag(
    pool: &PgPool,
    ids: &[i64],
    tag: &str,
    remove: bool,
) -> Result<u64, sqlx::Error> {
    let sql = if remove {
        "UPDATE targets SET updated_at = now(), tags = nullif((SELECT coalesce(string_agg(x, ',' \
         ORDER BY x), '') FROM unnest(string_to_array(tags, ',')) x WHERE x <> $2), '') \
         WHERE id = ANY($1) AND $2 = ANY(string_to_array(tags, ','))"
    } else {
        "UPDATE targets SET updated_at = now(), tags = (SELECT string_agg(DISTINCT x, ',' \
         ORDER BY x) FROM unnest(string_to_array(coalesce(tags, ''), ',') || $2::text) x \
         WHERE x <> '') \
         WHERE id = ANY($1) AND NOT coalesce($2 = ANY(string_to_array(tags, ',')), false)"
    };
    let done = sqlx::query(sql).bind(ids).bind(tag).execute(pool).await?;
    Ok(done.rows_affected())
}

/// Most bytes of captured text returned at once (2 MiB).
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// Which captured text of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// The final document as received, decoded with its charset.
    Html,
    /// The DOM after scripts ran (full mode only).
    Dom,
}

/// Captured text of a target, shortened to [`MAX_TEXT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapturedText {
    /// The text (empty when nothing of this kind was captured).
    pub text: String,
    /// Whether `text` is only the start.
    pub truncated: bool,
    /// Size of the whole text in bytes.
    pub bytes: u64,
}

impl CapturedText {
    fn capped(mut text: String) -> CapturedText {
        let bytes = text.len() as u64;
        let truncated = text.len() > MAX_TEXT_BYTES;
        if truncated {
            let mut end = MAX_TEXT_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        CapturedText {
            text,
            truncated,
            bytes,
        }
    }
}

/// The captured HTML or rendered DOM of target `id` as text; `None` when there is no such
/// target. The HTML comes from the capture record, else from the stored body, read only when
/// its path lies inside the blob store `blob_root`.
pub async fn captured_text(
    pool: &PgPool,
    blob_root: &Path,
    id: i64,
    kind: TextKind,
) -> anyhow::Result<Option<CapturedText>> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT capture->>'html_text', capture->>'rendered_dom', html_path \
         FROM targets WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some((html_text, dom, html_path)) = row else {
        return Ok(None);
    };
    let text = match kind {
        TextKind::Dom => dom.unwrap_or_default(),
        TextKind::Html => match (html_text, html_path) {
            (Some(text), _) => text,
            (None, Some(path)) => read_blob_text(blob_root, Path::new(&path))?,
            (None, None) => String::new(),
        },
    };
    Ok(Some(CapturedText::capped(text)))
}

/// A stored body as text (invalid UTF-8 replaced), refusing paths outside the blob store.
fn read_blob_text(blob_root: &Path, path: &Path) -> anyhow::Result<String> {
    use anyhow::Context;

    let root = blob_root.canonicalize().context("opening the blob store")?;
    let Ok(file) = path.canonicalize() else {
        return Ok(String::new());
    };
    anyhow::ensure!(
        file.starts_with(&root),
        "the stored body path {} is outside the blob store",
        path.display()
    );
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
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
            sql.contains("ORDER BY t.risk_score DESC NULLS LAST, t.id DESC"),
            "{sql}"
        );

        let sql = page_sql(SortColumn::Domain, false);
        assert!(
            sql.contains("ORDER BY t.domain ASC NULLS FIRST, t.id ASC"),
            "{sql}"
        );
    }

    #[test]
    fn tags_are_trimmed_and_checked() {
        assert_eq!(validate_tag("  kit-a ").unwrap(), "kit-a");
        assert_eq!(validate_tag("   "), Err(TagError::Length));
        assert_eq!(validate_tag(&"x".repeat(65)), Err(TagError::Length));
        assert_eq!(validate_tag(&"é".repeat(64)).unwrap().chars().count(), 64);
        assert_eq!(validate_tag("a\u{7}b"), Err(TagError::Character));
        assert_eq!(validate_tag("a,b"), Err(TagError::Character));
    }

    #[test]
    fn stored_tag_lists_split_sorted() {
        assert_eq!(split_tags(Some("b,a,,b")), ["a", "b"]);
        assert!(split_tags(None).is_empty());
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let text = "é".repeat(MAX_TEXT_BYTES / 2 + 1);
        let cut = CapturedText::capped(text.clone());

        assert!(cut.truncated);
        assert_eq!(cut.bytes, text.len() as u64);
        assert!(cut.text.len() <= MAX_TEXT_BYTES);
        assert!(text.starts_with(&cut.text));
        assert!(!CapturedText::capped("short".into()).truncated);
    }
}
