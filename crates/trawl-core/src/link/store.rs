//! SQL of the link stage: reading a stored target back, campaign rows and their members.
//! Errors are plain `sqlx::Error`; callers wrap them in [`super::LinkError`].

use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::evidence::EVIDENCE_PEERS;
use super::generic::GenericValues;
use super::kinds::StoredTarget;

const TARGET: &str = "SELECT id, url, final_url, domain, ip, favicon_hash, favicon_sha256, \
    jarm, dom_hash, headers_hash, html_tlsh, tls_sha256, screenshot_phash, redirect_chain \
    FROM targets WHERE id = $1 AND status = 'DONE'";

type TargetRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The target `id` as the link stage sees it, or `None` unless it is DONE.
pub async fn load_target(
    pool: &PgPool,
    id: i64,
    generic: &GenericValues,
) -> Result<Option<StoredTarget>, sqlx::Error> {
    let Some(row) = sqlx::query_as::<_, TargetRow>(TARGET)
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    // Only bodies the server meant to send: a 404 page is the server's, not the kit's.
    let assets: Vec<(String, String)> = sqlx::query_as(
        "SELECT url, sha256 FROM assets WHERE target_id = $1 AND sha256 IS NOT NULL \
         AND error IS NULL AND (status IS NULL OR status LIKE '2%') ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let indicators: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, value FROM indicators WHERE target_id = $1 AND NOT placeholder ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;

    let library_sha256 = assets
        .iter()
        .filter(|(url, _)| generic.is_library(url))
        .map(|(_, sha)| sha.clone())
        .collect();
    Ok(Some(StoredTarget {
        id: row.0,
        url: row.1,
        final_url: row.2,
        domain: row.3,
        ip: row.4,
        favicon_hash: row.5,
        favicon_sha256: row.6,
        jarm: row.7,
        dom_hash: row.8,
        headers_hash: row.9,
        html_tlsh: row.10,
        tls_sha256: row.11,
        screenshot_phash: row.12,
        asset_sha256: assets.into_iter().map(|(_, sha)| sha).collect(),
        library_sha256,
        indicators,
        chain_hosts: chain_hosts(row.13.as_deref()),
    }))
}

/// Hosts of a stored redirect chain (`targets.redirect_chain`, a JSON array of hops).
pub fn chain_hosts(chain: Option<&str>) -> Vec<String> {
    let hops: Vec<Value> = chain
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut hosts: Vec<String> = Vec::new();
    for hop in hops {
        let host = hop["url"]
            .as_str()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        if let Some(host) = host
            && hosts.last() != Some(&host)
        {
            hosts.push(host);
        }
    }
    hosts
}

/// The campaign a target belongs to: (campaign id, pinned).
pub async fn campaign_of(pool: &PgPool, target: i64) -> Result<Option<(i64, bool)>, sqlx::Error> {
    sqlx::query_as("SELECT campaign_id, pinned FROM campaign_members WHERE target_id = $1 LIMIT 1")
        .bind(target)
        .fetch_optional(pool)
        .await
}

/// Ids of every DONE target, oldest first.
pub async fn done_targets(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM targets WHERE status = 'DONE' ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Targets (other than `except`) linked in the graph to `value` of `kind`.
pub async fn targets_with(
    pool: &PgPool,
    kind: &str,
    value: &str,
    except: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!("{NODE_SHARERS} ORDER BY 1"))
        .bind(kind)
        .bind([value])
        .bind(except.to_string())
        .fetch_all(pool)
        .await
}

/// Targets (other than `except`) carrying any of `values` of `kind`, `$1`–`$3`.
const NODE_SHARERS: &str = "SELECT t.value::bigint AS id FROM graph_nodes v \
    JOIN graph_edges e ON e.to_node = v.id AND e.kind = v.kind \
    JOIN graph_nodes t ON t.id = e.from_node AND t.kind = 'target' \
    WHERE v.kind = $1 AND v.value = ANY($2) AND t.value <> $3::text";

/// DONE targets (other than `$1`) whose HTML TLSH is one of `$3`, with DOM hash `$2` when the
/// DOM must match (`DOM_SHARERS`) or with any (`ANY_DOM_SHARERS`). Two statements rather than
/// `$2 IS NULL OR …`, so that the DOM hash index serves the first.
const DOM_SHARERS: &str = "SELECT id FROM targets WHERE status = 'DONE' AND id <> $1 \
    AND dom_hash = $2 AND html_tlsh = ANY($3)";
const ANY_DOM_SHARERS: &str = "SELECT id FROM targets WHERE status = 'DONE' AND id <> $1 \
    AND $2::text IS NULL AND html_tlsh = ANY($3)";

/// Who else carries a value, as linking needs it: how many, and the ones to link to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sharers {
    /// Targets carrying the value (other than the one being linked).
    pub count: usize,
    /// All of them when they are at most `few`. Otherwise a sample of [`EVIDENCE_PEERS`]
    /// (named in evidence), one member of each campaign among them and every one in no
    /// campaign: joining those joins the same campaigns as joining all. When a record says
    /// one campaign holds them all, the sample alone.
    pub link_to: Vec<i64>,
    /// For a widely shared value: what to record once the target has joined the campaign of
    /// every carrier (see [`record_value_campaign`]).
    pub record: Option<ValueRecord>,
    /// The carriers were in exactly one campaign, none outside it.
    pub one_campaign: bool,
}

/// A graph value node and how many targets carried it, the one being linked included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueRecord {
    /// `graph_nodes.id` of the value.
    pub node: i64,
    /// Its carriers.
    pub carriers: i64,
}

/// The value node of (`kind`, `value`) and how many targets carry it (counted from the
/// `(to_node, kind)` index).
pub async fn carriers(
    pool: &PgPool,
    kind: &str,
    value: &str,
) -> Result<Option<ValueRecord>, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT v.id, (SELECT count(*) FROM graph_edges e WHERE e.to_node = v.id \
         AND e.kind = v.kind) FROM graph_nodes v WHERE v.kind = $1 AND v.value = $2",
    )
    .bind(kind)
    .bind(value)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(node, carriers)| ValueRecord { node, carriers }))
}

/// How many targets carry any of `values` of `kind` (counted from the `(to_node, kind)` index;
/// a target carrying two of them counts twice).
pub async fn carrier_count(
    pool: &PgPool,
    kind: &str,
    values: &[String],
) -> Result<usize, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM graph_nodes v JOIN graph_edges e ON e.to_node = v.id \
         AND e.kind = v.kind WHERE v.kind = $1 AND v.value = ANY($2)",
    )
    .bind(kind)
    .bind(values)
    .fetch_one(pool)
    .await?;
    Ok(n as usize)
}

/// The campaign that holds every carrier of `now`'s value, if a record says so and nothing
/// has changed since but the one target being linked.
pub async fn recorded_campaign(
    pool: &PgPool,
    now: ValueRecord,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT campaign_id, carriers FROM value_campaigns WHERE node_id = $1")
            .bind(now.node)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(campaign, carriers)| (carriers + 1 == now.carriers).then_some(campaign)))
}

/// Records that `campaign` holds every carrier of the value.
pub async fn record_value_campaign(
    tx: &mut PgConnection,
    record: ValueRecord,
    campaign: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO value_campaigns (node_id, campaign_id, carriers) VALUES ($1, $2, $3) \
         ON CONFLICT (node_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id, \
         carriers = EXCLUDED.carriers",
    )
    .bind(record.node)
    .bind(campaign)
    .bind(record.carriers)
    .execute(tx)
    .await?;
    Ok(())
}

/// Forgets every record of [`record_value_campaign`]: for writers that move members between
/// campaigns (splits, merges, re-clustering), inside their transaction.
pub async fn forget_value_campaigns(tx: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM value_campaigns")
        .execute(tx)
        .await?;
    Ok(())
}

/// One campaign among a value's sharers (`None`: those in no campaign): how many, one member,
/// and the ids of those in none.
type SharerGroup = (Option<i64>, i64, i64, Option<Vec<i64>>);

fn summary_sql(sharers: &str) -> String {
    format!(
        "WITH s AS ({sharers}) SELECT m.campaign_id, count(*), min(s.id), \
         array_agg(s.id) FILTER (WHERE m.campaign_id IS NULL) \
         FROM s LEFT JOIN campaign_members m ON m.target_id = s.id GROUP BY m.campaign_id"
    )
}

/// [`Sharers`] from a first read of at most `few + 1` ids and, when there were more, the
/// campaign groups of all of them.
fn summarise(mut first: Vec<i64>, groups: Vec<SharerGroup>) -> Sharers {
    first.sort_unstable();
    first.dedup();
    if groups.is_empty() {
        return Sharers {
            count: first.len(),
            link_to: first,
            ..Sharers::default()
        };
    }
    let one_campaign = matches!(groups.as_slice(), [(Some(_), ..)]);
    let mut link_to: Vec<i64> = first.into_iter().take(EVIDENCE_PEERS).collect();
    let mut count = 0;
    for (campaign, n, some, loose) in groups {
        count += n as usize;
        match campaign {
            Some(_) => link_to.push(some),
            None => link_to.extend(loose.unwrap_or_default()),
        }
    }
    link_to.sort_unstable();
    link_to.dedup();
    Sharers {
        count,
        link_to,
        record: None,
        one_campaign,
    }
}

/// [`Sharers`] of a value a record vouches for: a sample of the carriers, all in one campaign.
fn vouched(mut first: Vec<i64>, now: ValueRecord) -> Sharers {
    first.sort_unstable();
    first.dedup();
    first.truncate(EVIDENCE_PEERS);
    Sharers {
        count: now.carriers as usize - 1,
        link_to: first,
        record: Some(now),
        one_campaign: true,
    }
}

/// At most `limit` targets (other than `except`) carrying any of `values` of `kind` in the
/// graph, in no particular order.
pub async fn node_sharer_ids(
    pool: &PgPool,
    kind: &str,
    values: &[String],
    except: i64,
    limit: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!("{NODE_SHARERS} LIMIT $4"))
        .bind(kind)
        .bind(values)
        .bind(except.to_string())
        .bind(limit as i64)
        .fetch_all(pool)
        .await
}

/// The targets (other than `except`) carrying any of `values` of `kind` in the graph, read in
/// full only when there are at most `few`.
pub async fn node_sharers(
    pool: &PgPool,
    kind: &str,
    values: &[String],
    except: i64,
    few: usize,
) -> Result<Sharers, sqlx::Error> {
    let first = node_sharer_ids(pool, kind, values, except, few + 1).await?;
    if first.len() <= few {
        return Ok(summarise(first, Vec::new()));
    }
    // Widely shared: a record may vouch for one value's carriers; otherwise all are read.
    let mut record = None;
    if let [value] = values {
        record = carriers(pool, kind, value).await?;
    }
    if let Some(now) = record
        && recorded_campaign(pool, now).await?.is_some()
    {
        return Ok(vouched(first, now));
    }
    let groups = sqlx::query_as(&summary_sql(NODE_SHARERS))
        .bind(kind)
        .bind(values)
        .bind(except.to_string())
        .fetch_all(pool)
        .await?;
    Ok(Sharers {
        record,
        ..summarise(first, groups)
    })
}

/// The DONE targets (other than `except`) whose HTML TLSH is one of `digests`, with DOM hash
/// `dom` when given; read in full only when there are at most `few`. `vouched`: a record says
/// one campaign holds every target with `dom`, so a sample is enough (its count is left 0).
pub async fn tlsh_sharers(
    pool: &PgPool,
    except: i64,
    dom: Option<&str>,
    digests: &[String],
    few: usize,
    vouched: bool,
) -> Result<Sharers, sqlx::Error> {
    let sharers = if dom.is_some() {
        DOM_SHARERS
    } else {
        ANY_DOM_SHARERS
    };
    let first: Vec<i64> = sqlx::query_scalar(&format!("{sharers} LIMIT $4"))
        .bind(except)
        .bind(dom)
        .bind(digests)
        .bind(few as i64 + 1)
        .fetch_all(pool)
        .await?;
    if first.len() <= few {
        return Ok(summarise(first, Vec::new()));
    }
    if vouched {
        let mut link_to = first;
        link_to.sort_unstable();
        link_to.truncate(EVIDENCE_PEERS);
        return Ok(Sharers {
            link_to,
            one_campaign: true,
            ..Sharers::default()
        });
    }
    let groups = sqlx::query_as(&summary_sql(sharers))
        .bind(except)
        .bind(dom)
        .bind(digests)
        .fetch_all(pool)
        .await?;
    Ok(summarise(first, groups))
}

/// Distinct HTML TLSH digests of the DONE targets other than `t` (with DOM hash `dom` when
/// given) and how many targets have each: copies of one kit share digests, so each is
/// compared once. With a DOM hash, counted from the `(dom_hash, html_tlsh)` index; `t`
/// (DONE, with digest `own`) is then taken off its digest's count.
pub async fn tlsh_digests(
    pool: &PgPool,
    t: i64,
    own: &str,
    dom: Option<&str>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let Some(dom) = dom else {
        return sqlx::query_as(
            "SELECT html_tlsh, count(*) FROM targets WHERE status = 'DONE' AND id <> $1 \
             AND html_tlsh IS NOT NULL GROUP BY html_tlsh",
        )
        .bind(t)
        .fetch_all(pool)
        .await;
    };
    let mut rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT html_tlsh, count(*) FROM targets WHERE dom_hash = $1 AND status = 'DONE' \
         AND html_tlsh IS NOT NULL GROUP BY html_tlsh",
    )
    .bind(dom)
    .fetch_all(pool)
    .await?;
    for row in &mut rows {
        if row.0 == own {
            row.1 -= 1;
        }
    }
    rows.retain(|row| row.1 > 0);
    Ok(rows)
}

/// The given column of the targets among `ids` that have it: (id, value).
pub async fn column_of(
    pool: &PgPool,
    column: TargetColumn,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let sql = match column {
        TargetColumn::HtmlTlsh => {
            "SELECT id, html_tlsh FROM targets WHERE id = ANY($1) AND html_tlsh IS NOT NULL"
        }
        TargetColumn::ScreenshotPhash => {
            "SELECT id, screenshot_phash FROM targets WHERE id = ANY($1) \
             AND screenshot_phash IS NOT NULL"
        }
    };
    sqlx::query_as(sql).bind(ids).fetch_all(pool).await
}

/// Columns [`column_of`] reads.
#[derive(Clone, Copy, Debug)]
pub enum TargetColumn {
    HtmlTlsh,
    ScreenshotPhash,
}

/// Screenshot pHash nodes sharing at least one 16-bit quarter with `phash` (multi-index
/// hashing: two hashes within Hamming distance 3 agree on some quarter).
pub async fn phash_candidates(pool: &PgPool, phash: &str) -> Result<Vec<String>, sqlx::Error> {
    let q = |i: usize| phash.get(i * 4..i * 4 + 4).unwrap_or_default().to_string();
    sqlx::query_scalar(
        "SELECT value FROM graph_nodes WHERE kind = 'screenshot_phash' AND \
         (substr(value, 1, 4) = $1 OR substr(value, 5, 4) = $2 OR substr(value, 9, 4) = $3 \
         OR substr(value, 13, 4) = $4)",
    )
    .bind(q(0))
    .bind(q(1))
    .bind(q(2))
    .bind(q(3))
    .fetch_all(pool)
    .await
}

/// URLs of the targets among `ids` that exist.
pub async fn target_urls(
    pool: &PgPool,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, url FROM targets WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().collect())
}
