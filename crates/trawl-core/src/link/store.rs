//! SQL of the link stage: reading a stored target back, campaign rows and their members.
//! Errors are plain `sqlx::Error`; callers wrap them in [`super::LinkError`].

use serde_json::Value;
use sqlx::PgPool;

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
    sqlx::query_scalar(
        "SELECT t.value::bigint FROM graph_nodes v \
         JOIN graph_edges e ON e.to_node = v.id AND e.kind = v.kind \
         JOIN graph_nodes t ON t.id = e.from_node AND t.kind = 'target' \
         WHERE v.kind = $1 AND v.value = $2 AND t.value <> $3::text ORDER BY 1",
    )
    .bind(kind)
    .bind(value)
    .bind(except.to_string())
    .fetch_all(pool)
    .await
}

/// Whether more than `most` targets other than `except` carry the value (reads at most
/// `most + 1` of them).
pub async fn shared_by_more_than(
    pool: &PgPool,
    kind: &str,
    value: &str,
    except: i64,
    most: usize,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM graph_nodes v \
         JOIN graph_edges e ON e.to_node = v.id AND e.kind = v.kind \
         JOIN graph_nodes t ON t.id = e.from_node AND t.kind = 'target' \
         WHERE v.kind = $1 AND v.value = $2 AND t.value <> $3::text LIMIT $4) s",
    )
    .bind(kind)
    .bind(value)
    .bind(except.to_string())
    .bind(most as i64 + 1)
    .fetch_one(pool)
    .await?;
    Ok(n as usize > most)
}

/// Other targets with an HTML TLSH: (id, TLSH, DOM hash); only those with `dom` when given.
pub async fn tlsh_candidates(
    pool: &PgPool,
    except: i64,
    dom: Option<&str>,
) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, html_tlsh, dom_hash FROM targets WHERE status = 'DONE' AND id <> $1 \
         AND html_tlsh IS NOT NULL AND ($2::text IS NULL OR dom_hash = $2) ORDER BY id",
    )
    .bind(except)
    .bind(dom)
    .fetch_all(pool)
    .await
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

/// The URL of a target.
pub async fn target_url(pool: &PgPool, id: i64) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT url FROM targets WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
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
