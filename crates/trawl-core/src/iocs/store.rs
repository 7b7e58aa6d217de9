//! The `iocs` table: marking (free values or a target's stored values), listing, unmarking, and
//! the ordered row stream the exporters read.
//!
//! The table has no unique constraint on (kind, value), so a mark takes a transaction-scoped
//! advisory lock on the pair before it looks for an existing row: two workstations marking the
//! same value at once still end with one IOC. Every filter is a bound parameter.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use serde::Serialize;
use sqlx::PgPool;

use super::{ANALYST, Ioc, IocError, IocKind};

/// Columns of [`Ioc`].
const COLUMNS: &str = "id, kind, value, target_id, url, domain, source, note, created_at";

/// The filter shared by listing and exports; every condition is optional.
const WHERE: &str = "WHERE ($1::text IS NULL OR kind = $1) \
     AND ($2::timestamptz IS NULL OR created_at >= $2) \
     AND ($3::bigint IS NULL OR target_id = $3) \
     AND ($4::text IS NULL \
          OR strpos(lower(concat_ws(chr(31), value, note, url, domain)), $4) > 0)";

/// Which IOCs to list or export.
#[derive(Debug, Clone, Default)]
pub struct IocFilter {
    /// Only this kind.
    pub kind: Option<IocKind>,
    /// Only IOCs marked at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only IOCs marked from this target.
    pub target_id: Option<i64>,
    /// Only IOCs whose value, note, URL or domain contains this text (case-insensitive).
    pub text: Option<String>,
    /// At most this many (listing only; exports take every match).
    pub limit: Option<i64>,
}

/// One IOC to mark.
#[derive(Debug, Clone)]
pub struct MarkRequest<'a> {
    /// Its kind.
    pub kind: IocKind,
    /// Its value as given (validated and normalised by the mark).
    pub value: &'a str,
    /// The target it was seen on; its URL and domain are copied into the IOC.
    pub target_id: Option<i64>,
    /// The analyst's note (blank means none).
    pub note: Option<&'a str>,
    /// Who marks it; [`ANALYST`] when `None`.
    pub source: Option<&'a str>,
}

/// What a mark did.
#[derive(Debug, Clone, Serialize)]
pub struct MarkOutcome {
    /// The IOC as stored now.
    pub ioc: Ioc,
    /// Whether it is new (false: it was already marked, and took the new note if one was given).
    pub created: bool,
}

/// The target context copied into an IOC.
#[derive(Debug, Clone, sqlx::FromRow)]
struct TargetContext {
    url: String,
    domain: Option<String>,
}

async fn target_context(pool: &PgPool, target_id: i64) -> Result<TargetContext, IocError> {
    sqlx::query_as("SELECT url, domain FROM targets WHERE id = $1")
        .bind(target_id)
        .fetch_optional(pool)
        .await?
        .ok_or(IocError::NoTarget(target_id))
}

/// Marks one IOC, or updates the note of the IOC already marked with that kind and value.
///
/// An existing IOC without any target context takes the request's target; one with context
/// keeps it (the first sighting stays the reference).
pub async fn mark(pool: &PgPool, req: &MarkRequest<'_>) -> Result<MarkOutcome, IocError> {
    let value = req.kind.normalise(req.value)?;
    let context = match req.target_id {
        Some(id) => Some(target_context(pool, id).await?),
        None => None,
    };
    let note = req.note.map(str::trim).filter(|n| !n.is_empty());
    let source = req.source.unwrap_or(ANALYST);
    let kind = req.kind.as_str();

    let mut tx = pool.begin().await?;
    // Serialise marks of one (kind, value): the table has no unique constraint on the pair.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('trawl.iocs'), hashtext($1 || ':' || $2))")
        .bind(kind)
        .bind(&value)
        .execute(&mut *tx)
        .await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM iocs WHERE kind = $1 AND value = $2 ORDER BY id LIMIT 1",
    )
    .bind(kind)
    .bind(&value)
    .fetch_optional(&mut *tx)
    .await?;
    let (url, domain) = match &context {
        Some(c) => (Some(c.url.as_str()), c.domain.as_deref()),
        None => (None, None),
    };
    let ioc: Ioc = match existing {
        Some(id) => {
            sqlx::query_as(&format!(
                "UPDATE iocs SET note = coalesce($2, note), \
                 target_id = CASE WHEN {bare} THEN $3 ELSE target_id END, \
                 url = CASE WHEN {bare} THEN $4 ELSE url END, \
                 domain = CASE WHEN {bare} THEN $5 ELSE domain END \
                 WHERE id = $1 RETURNING {COLUMNS}",
                bare = "(target_id IS NULL AND url IS NULL AND domain IS NULL)"
            ))
            .bind(id)
            .bind(note)
            .bind(req.target_id)
            .bind(url)
            .bind(domain)
            .fetch_one(&mut *tx)
            .await?
        }
        None => {
            sqlx::query_as(&format!(
                "INSERT INTO iocs (kind, value, target_id, url, domain, source, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
            ))
            .bind(kind)
            .bind(&value)
            .bind(req.target_id)
            .bind(url)
            .bind(domain)
            .bind(source)
            .bind(note)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;

    let created = existing.is_none();
    tracing::info!(
        id = ioc.id,
        kind,
        created,
        target_id = req.target_id,
        "IOC marked"
    );
    Ok(MarkOutcome { ioc, created })
}

/// A target's stored values of one kind, as stored (normalised by the mark).
#[derive(Debug, Clone, sqlx::FromRow)]
struct TargetValues {
    url: String,
    final_url: Option<String>,
    domain: Option<String>,
    ip: Option<String>,
    favicon_md5: Option<String>,
    favicon_sha256: Option<String>,
}

/// The values of `kinds` stored for a target, in a fixed order: its URL and final URL, its
/// domain (and the final URL's host when it differs), its IP, the e-mails, phones and wallets
/// extracted from it (placeholders left out), and the MD5/SHA-256 of its favicon and of the
/// files it offered for download. A target stores no SHA-1.
async fn target_values(
    pool: &PgPool,
    target_id: i64,
    kinds: &[IocKind],
) -> Result<Vec<(IocKind, String)>, IocError> {
    let t: TargetValues = sqlx::query_as(
        "SELECT url, final_url, domain, ip, favicon_md5, favicon_sha256 FROM targets WHERE id = $1",
    )
    .bind(target_id)
    .fetch_optional(pool)
    .await?
    .ok_or(IocError::NoTarget(target_id))?;
    let indicators: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, value FROM indicators WHERE target_id = $1 AND NOT placeholder ORDER BY id",
    )
    .bind(target_id)
    .fetch_all(pool)
    .await?;
    let downloads: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT md5, sha256 FROM assets WHERE target_id = $1 AND type = 'download' ORDER BY id",
    )
    .bind(target_id)
    .fetch_all(pool)
    .await?;

    let final_host = t
        .final_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.domain().map(str::to_string));
    let mut values = Vec::new();
    for kind in kinds {
        let found: Vec<Option<String>> = match kind {
            IocKind::Url => vec![Some(t.url.clone()), t.final_url.clone()],
            IocKind::Domain => vec![t.domain.clone(), final_host.clone()],
            IocKind::Ip => vec![t.ip.clone()],
            IocKind::Email | IocKind::Phone | IocKind::Wallet => indicators
                .iter()
                .filter(|(k, _)| k == kind.as_str())
                .map(|(_, v)| Some(v.clone()))
                .collect(),
            IocKind::Md5 => std::iter::once(t.favicon_md5.clone())
                .chain(downloads.iter().map(|(md5, _)| md5.clone()))
                .collect(),
            IocKind::Sha256 => std::iter::once(t.favicon_sha256.clone())
                .chain(downloads.iter().map(|(_, sha)| sha.clone()))
                .collect(),
            IocKind::Sha1 => Vec::new(),
        };
        values.extend(found.into_iter().flatten().map(|v| (*kind, v)));
    }
    Ok(values)
}

/// The kinds `trawl iocs add-from-target` marks when none are named: everything a target stores
/// except the MD5s (the same files as the SHA-256s).
pub const FROM_TARGET_DEFAULT: [IocKind; 7] = [
    IocKind::Url,
    IocKind::Domain,
    IocKind::Ip,
    IocKind::Email,
    IocKind::Phone,
    IocKind::Wallet,
    IocKind::Sha256,
];

/// Marks the stored values of `kinds` of a target (listed below), each with
/// the target's context, the same note and source. A stored value that is not valid for its
/// kind (say an IP address in the domain column) is left out and logged; duplicates are marked
/// once. Returns one outcome per distinct value, in this order: the target's URL and final URL,
/// its domain (and the final URL's host when it differs), its IP, the e-mails, phones and wallets
/// extracted from it (placeholders left out), and the MD5/SHA-256 of its favicon and of the files
/// it offered for download. A target stores no SHA-1.
pub async fn mark_from_target(
    pool: &PgPool,
    target_id: i64,
    kinds: &[IocKind],
    note: Option<&str>,
    source: Option<&str>,
) -> Result<Vec<MarkOutcome>, IocError> {
    let mut seen = BTreeSet::new();
    let mut outcomes = Vec::new();
    for (kind, raw) in target_values(pool, target_id, kinds).await? {
        let value = match kind.normalise(&raw) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(target_id, error = %e, "stored value left out of the IOCs");
                continue;
            }
        };
        if !seen.insert((kind, value.clone())) {
            continue;
        }
        let req = MarkRequest {
            kind,
            value: &value,
            target_id: Some(target_id),
            note,
            source,
        };
        outcomes.push(mark(pool, &req).await?);
    }
    Ok(outcomes)
}

/// IOCs matching `filter`, oldest first.
pub async fn list(pool: &PgPool, filter: &IocFilter) -> Result<Vec<Ioc>, IocError> {
    let sql = format!("SELECT {COLUMNS} FROM iocs {WHERE} ORDER BY id LIMIT $5");
    let rows = bind_filter(sqlx::query_as(&sql), filter)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// One IOC by id.
pub async fn ioc_by_id(pool: &PgPool, id: i64) -> Result<Option<Ioc>, IocError> {
    let sql = format!("SELECT {COLUMNS} FROM iocs WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?)
}

/// Unmarks (deletes) an IOC; returns it as it was.
pub async fn unmark(pool: &PgPool, id: i64) -> Result<Ioc, IocError> {
    let sql = format!("DELETE FROM iocs WHERE id = $1 RETURNING {COLUMNS}");
    let ioc: Ioc = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(IocError::NoIoc(id))?;
    tracing::info!(id, kind = %ioc.kind, "IOC unmarked");
    Ok(ioc)
}

/// IOCs matching `filter` (its limit ignored) as a stream, ordered by kind, value (bytewise,
/// whatever the database's collation) and id so exports of the same IOCs are identical; one row
/// in memory at a time.
pub(crate) fn stream<'a>(
    pool: &'a PgPool,
    filter: &IocFilter,
) -> BoxStream<'a, Result<Ioc, sqlx::Error>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let order = "kind COLLATE \"C\", value COLLATE \"C\", id";
        format!("SELECT {COLUMNS} FROM iocs {WHERE} ORDER BY {order}")
    });
    bind_filter(sqlx::query_as(SQL.as_str()), filter).fetch(pool)
}

type IocQuery<'q> = sqlx::query::QueryAs<'q, sqlx::Postgres, Ioc, sqlx::postgres::PgArguments>;

/// Binds `$1`..`$4` of [`WHERE`].
fn bind_filter<'q>(query: IocQuery<'q>, filter: &IocFilter) -> IocQuery<'q> {
    query
        .bind(filter.kind.map(|k| k.as_str().to_string()))
        .bind(filter.since)
        .bind(filter.target_id)
        .bind(filter.text.as_ref().map(|t| t.to_lowercase()))
}
