//! Campaigns: targets joined by the rules of DESIGN.md, incrementally as each target is stored.
//!
//! Two targets link when they share one strong value or two different weak kinds; generic
//! values and `Never` kinds never link (see [`super::kinds`]). A new target joins the campaign
//! of whatever it links to; when it links campaigns together they merge into the oldest, whose
//! key survives, so a campaign's key never changes as it grows. Every member keeps evidence: the
//! values it shares and with whom. Campaign writes are serialised across workers by one
//! transaction-scoped advisory lock. [`recluster`] rebuilds everything in target order, keeping
//! pinned members where the analyst put them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::LinkError;
use super::generic::GenericValues;
use super::graph::index_target;
use super::kinds::{Matching, PivotKind, StoredTarget, Strength, values_of};
use super::store;
use crate::fingerprint::similarity::tlsh_diff;

/// Arbitrary constant naming the campaign lock (`pg_advisory_xact_lock`).
const CAMPAIGN_LOCK: i64 = 0x7472_6177_6c63_6d70;

/// Thresholds of the similarity kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterSettings {
    /// Largest TLSH distance of near-duplicate HTML. Default 40: the corpus' same-kit copies
    /// differ by 0–17 (G1, G2, G4's 30/31) and its unrelated pages by far more; 32's variant is
    /// at 120–142.
    pub tlsh_max: i32,
    /// Near-duplicate HTML must also have the same DOM hash (the default).
    pub require_dom_match: bool,
    /// Largest Hamming distance of near-duplicate screenshots (at most 3: candidates come from
    /// four 16-bit quarters, which guarantees finding every hash within 3).
    pub phash_max: u32,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            tlsh_max: 40,
            require_dom_match: true,
            phash_max: 3,
        }
    }
}

impl ClusterSettings {
    /// A looser setting: TLSH up to 150 without the DOM condition (groups kit variants).
    pub fn loose() -> Self {
        ClusterSettings {
            tlsh_max: 150,
            require_dom_match: false,
            ..ClusterSettings::default()
        }
    }
}

/// Why a member is in its campaign: one shared value and the members it is shared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Pivot kind name.
    pub kind: String,
    /// The shared value (for similarity kinds, the distance: `distance 17`).
    pub value: String,
    /// Target ids of the members it is shared with.
    pub with: Vec<i64>,
}

impl Evidence {
    /// "shares favicon sha256 90cdaf487716… with 3 members".
    pub fn describe(&self) -> String {
        let label = super::kinds::kind(&self.kind).map_or(self.kind.as_str(), |k| k.label);
        let value: String = self.value.chars().take(16).collect();
        let more = if self.value.chars().count() > 16 {
            "…"
        } else {
            ""
        };
        let n = self.with.len();
        let members = if n == 1 { "member" } else { "members" };
        format!("shares {label} {value}{more} with {n} {members}")
    }
}

/// One shared value between the target and another.
struct Link {
    other: i64,
    kind: &'static PivotKind,
    value: String,
}

/// Values of `t` shared with other targets, generic ones left out.
async fn shared_values(
    pool: &PgPool,
    settings: &ClusterSettings,
    generic: &GenericValues,
    t: &StoredTarget,
) -> Result<Vec<Link>, sqlx::Error> {
    let mut links = Vec::new();
    for (kind, value) in values_of(t) {
        let library = kind.name == "asset_sha256" && t.library_sha256.contains(&value);
        if kind.strength == Strength::Never || library || generic.contains(kind.name, &value) {
            continue;
        }
        match kind.matching {
            Matching::Exact => {
                for other in store::targets_with(pool, kind.name, &value, t.id).await? {
                    links.push(Link {
                        other,
                        kind,
                        value: value.clone(),
                    });
                }
            }
            Matching::Tlsh => {
                let dom = t.dom_hash.as_deref().filter(|_| settings.require_dom_match);
                if settings.require_dom_match && dom.is_none() {
                    continue;
                }
                for (other, tlsh, _) in store::tlsh_candidates(pool, t.id, dom).await? {
                    match tlsh_diff(&value, &tlsh) {
                        Some(d) if d <= settings.tlsh_max => links.push(Link {
                            other,
                            kind,
                            value: format!("distance {d}"),
                        }),
                        _ => {}
                    }
                }
            }
            Matching::Hamming => {
                for near in store::phash_candidates(pool, &value).await? {
                    let close = hamming(&value, &near).is_some_and(|d| d <= settings.phash_max);
                    if !close || generic.contains(kind.name, &near) {
                        continue;
                    }
                    let d = hamming(&value, &near).unwrap_or_default();
                    for other in store::targets_with(pool, kind.name, &near, t.id).await? {
                        links.push(Link {
                            other,
                            kind,
                            value: format!("distance {d}"),
                        });
                    }
                }
            }
        }
    }
    Ok(links)
}

/// Hamming distance of two 64-bit hex hashes.
pub fn hamming(a: &str, b: &str) -> Option<u32> {
    let a = u64::from_str_radix(a, 16).ok()?;
    let b = u64::from_str_radix(b, 16).ok()?;
    Some((a ^ b).count_ones())
}

/// The links that count: per other target, its shared values when one is strong or two
/// different weak kinds are shared.
fn decide(links: Vec<Link>) -> BTreeMap<i64, Vec<Link>> {
    let mut by_other: BTreeMap<i64, Vec<Link>> = BTreeMap::new();
    for l in links {
        by_other.entry(l.other).or_default().push(l);
    }
    by_other.retain(|_, ls| {
        let strong = ls.iter().any(|l| l.kind.strength == Strength::Strong);
        let mut weak: Vec<&str> = ls
            .iter()
            .filter(|l| l.kind.strength == Strength::Weak)
            .map(|l| l.kind.name)
            .collect();
        weak.sort_unstable();
        weak.dedup();
        strong || weak.len() >= 2
    });
    by_other
}

/// The key of a campaign founded by the target with URL `url`.
pub fn campaign_key(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    format!("c-{}", &hex::encode(digest)[..10])
}

/// Indexes the target in the graph and joins it to its campaign. Returns the campaign key,
/// or `None` when the target links to nobody (or is not DONE).
pub async fn link_target(
    pool: &PgPool,
    settings: &ClusterSettings,
    target_id: i64,
) -> Result<Option<String>, LinkError> {
    let generic = GenericValues::load(pool).await?;
    let Some(t) = store::load_target(pool, target_id, &generic).await? else {
        return Ok(None);
    };
    index_target(pool, &t).await?;
    let linked = decide(shared_values(pool, settings, &generic, &t).await?);
    if linked.is_empty() {
        return Ok(None);
    }
    Ok(Some(join(pool, &t, linked).await?))
}

/// Puts `t` and the targets it links to in one campaign, with evidence.
async fn join(
    pool: &PgPool,
    t: &StoredTarget,
    linked: BTreeMap<i64, Vec<Link>>,
) -> Result<String, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    let mut ids: Vec<i64> = linked.keys().copied().collect();
    ids.push(t.id);

    // The campaigns involved; the oldest survives (its key stays).
    let existing: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT c.id, c.key FROM campaign_members m JOIN campaigns c \
         ON c.id = m.campaign_id WHERE m.target_id = ANY($1) ORDER BY c.id",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let (campaign, key) = match existing.first() {
        Some(found) => found.clone(),
        None => {
            let first = ids.iter().min().copied().unwrap_or(t.id);
            let url: String = sqlx::query_scalar("SELECT url FROM targets WHERE id = $1")
                .bind(first)
                .fetch_one(&mut *tx)
                .await?;
            let key = campaign_key(&url);
            let id = sqlx::query_scalar(
                "INSERT INTO campaigns (key) VALUES ($1) ON CONFLICT (key) \
                 DO UPDATE SET updated_at = now() RETURNING id",
            )
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
            (id, key)
        }
    };
    for (other, _) in existing.iter().skip(1) {
        sqlx::query("UPDATE campaign_members SET campaign_id = $1 WHERE campaign_id = $2")
            .bind(campaign)
            .bind(other)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM campaigns WHERE id = $1")
            .bind(other)
            .execute(&mut *tx)
            .await?;
    }

    // Evidence: the new target shares each value with its links, and they with it.
    let mut add: BTreeMap<i64, Vec<Evidence>> = BTreeMap::new();
    for (other, links) in &linked {
        for l in links {
            let (kind, value) = (l.kind.name.to_string(), l.value.clone());
            push_evidence(add.entry(t.id).or_default(), &kind, &value, *other);
            push_evidence(add.entry(*other).or_default(), &kind, &value, t.id);
        }
    }
    for (member, evidence) in add {
        let old: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT evidence FROM campaign_members WHERE target_id = $1 LIMIT 1",
        )
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?;
        let mut merged: Vec<Evidence> = old
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        for e in evidence {
            for w in e.with {
                push_evidence(&mut merged, &e.kind, &e.value, w);
            }
        }
        sqlx::query(
            "INSERT INTO campaign_members (campaign_id, target_id, evidence) \
             VALUES ($1, $2, $3) ON CONFLICT (campaign_id, target_id) \
             DO UPDATE SET evidence = EXCLUDED.evidence",
        )
        .bind(campaign)
        .bind(member)
        .bind(serde_json::to_value(&merged).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE campaigns SET updated_at = now() WHERE id = $1")
        .bind(campaign)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(key)
}

fn push_evidence(list: &mut Vec<Evidence>, kind: &str, value: &str, with: i64) {
    match list.iter_mut().find(|e| e.kind == kind && e.value == value) {
        Some(e) if !e.with.contains(&with) => {
            e.with.push(with);
            e.with.sort_unstable();
        }
        Some(_) => {}
        None => list.push(Evidence {
            kind: kind.to_string(),
            value: value.to_string(),
            with: vec![with],
        }),
    }
}

/// Rebuilds the graph and every campaign from the stored targets, oldest first. Pinned
/// members stay in their campaigns (and campaigns holding them keep their keys); everything
/// else is recomputed. Returns the number of campaigns afterwards.
pub async fn recluster(pool: &PgPool, settings: &ClusterSettings) -> Result<i64, LinkError> {
    sqlx::query("DELETE FROM campaign_members WHERE NOT pinned")
        .execute(pool)
        .await?;
    sqlx::query("UPDATE campaign_members SET evidence = '[]'::jsonb")
        .execute(pool)
        .await?;
    sqlx::query(
        "DELETE FROM campaigns c WHERE NOT EXISTS \
         (SELECT 1 FROM campaign_members m WHERE m.campaign_id = c.id)",
    )
    .execute(pool)
    .await?;
    for id in store::done_targets(pool).await? {
        link_target(pool, settings, id).await?;
    }
    Ok(sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::kinds::kind;

    fn link(other: i64, name: &str) -> Link {
        Link {
            other,
            kind: kind(name).unwrap(),
            value: "v".into(),
        }
    }

    #[test]
    fn one_strong_or_two_weak_kinds_link() {
        let decided = decide(vec![
            link(1, "favicon_sha256"),
            link(2, "ip"),
            link(3, "ip"),
            link(3, "jarm"),
            link(4, "ip"),
            link(4, "ip"),
        ]);
        assert_eq!(decided.keys().copied().collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn evidence_reads_as_a_sentence() {
        let e = Evidence {
            kind: "favicon_sha256".into(),
            value: "90cdaf487716184e4034000935c605d1".into(),
            with: vec![1, 2, 3],
        };
        assert_eq!(
            e.describe(),
            "shares favicon sha256 90cdaf487716184e… with 3 members"
        );
    }

    #[test]
    fn keys_and_distances() {
        assert_eq!(
            campaign_key("http://a.test/"),
            campaign_key("http://a.test/")
        );
        assert_ne!(
            campaign_key("http://a.test/"),
            campaign_key("http://b.test/")
        );
        assert_eq!(hamming("ff00000000000000", "fe00000000000001"), Some(2));
        assert_eq!(hamming("zz", "00"), None);
    }

    #[test]
    fn evidence_merges_by_value() {
        let mut list = Vec::new();
        push_evidence(&mut list, "ip", "1", 5);
        push_evidence(&mut list, "ip", "1", 3);
        push_evidence(&mut list, "ip", "1", 3);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].with, [3, 5]);
    }
}
