//! The analyst's campaign decisions: split and merge. Each decision is stored as verdicts on
//! pairs of targets in `campaign_decisions` (kept together, or kept apart; a later verdict on a
//! pair replaces the earlier one) and applied at once to the stored campaigns. Clustering reads
//! the verdicts back, incrementally ([`super::cluster::link_target`]) and in full
//! ([`super::recluster`](mod@super::recluster)), so a decision outlives every re-clustering:
//! targets kept apart never share a campaign, targets kept together share one unless that
//! would put a kept-apart pair together. Pins live on the membership row
//! (`campaign_members.pinned`, see [`super::pin`]).
//!
//! Unknown keys and targets that are not members are errors the caller can branch on
//! ([`LinkError`]); nothing is written then.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::{PgConnection, PgPool};

use super::LinkError;
use super::cluster::{CAMPAIGN_LOCK, Evidence, fresh_key, push_evidence};
use super::kinds::{Matching, PivotKind, Strength};
use super::store;

/// Evidence kind of members joined by a decision rather than by a shared value.
pub const DECISION_KIND: &str = "decision";

/// The pseudo pivot kind of a kept-together verdict: strong, never a graph node.
pub static DECISION: PivotKind = PivotKind {
    name: DECISION_KIND,
    label: "the analyst's decision",
    strength: Strength::Strong,
    matching: Matching::Exact,
    read: |_| Vec::new(),
};

/// What a verdict says about a pair of targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Always in one campaign.
    Together,
    /// Never in one campaign.
    Apart,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Together => "together",
            Verdict::Apart => "apart",
        }
    }
}

/// Verdicts as adjacency lists, read from `campaign_decisions`.
#[derive(Clone, Debug, Default)]
pub struct Decisions {
    together: HashMap<i64, Vec<(i64, String)>>,
    apart: HashMap<i64, HashSet<i64>>,
}

impl Decisions {
    /// Every verdict (`among = None`) or those naming one of `among`.
    pub async fn load(pool: &PgPool, among: Option<&[i64]>) -> Result<Decisions, sqlx::Error> {
        let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT low_target, high_target, verdict, origin FROM campaign_decisions \
             WHERE $1::bigint[] IS NULL OR low_target = ANY($1) OR high_target = ANY($1) \
             ORDER BY id",
        )
        .bind(among)
        .fetch_all(pool)
        .await?;
        let mut out = Decisions::default();
        for (a, b, verdict, origin) in rows {
            if verdict == "together" {
                out.together.entry(a).or_default().push((b, origin.clone()));
                out.together.entry(b).or_default().push((a, origin));
            } else {
                out.apart.entry(a).or_default().insert(b);
                out.apart.entry(b).or_default().insert(a);
            }
        }
        Ok(out)
    }

    /// Whether no verdict was read.
    pub fn is_empty(&self) -> bool {
        self.together.is_empty() && self.apart.is_empty()
    }

    /// Whether `a` and `b` are kept apart.
    pub fn apart(&self, a: i64, b: i64) -> bool {
        self.apart.get(&a).is_some_and(|s| s.contains(&b))
    }

    /// Targets kept apart from `id`.
    pub fn apart_from(&self, id: i64) -> impl Iterator<Item = i64> + '_ {
        self.apart.get(&id).into_iter().flatten().copied()
    }

    /// Targets kept together with `id`, each with the decision that said so.
    pub fn together_with(&self, id: i64) -> &[(i64, String)] {
        self.together.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Every kept-together pair once, lower id first.
    pub fn together_pairs(&self) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = self
            .together
            .iter()
            .flat_map(|(&a, list)| list.iter().map(move |&(b, _)| (a, b)))
            .filter(|(a, b)| a < b)
            .collect();
        out.sort_unstable();
        out
    }
}

/// What a split did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitOutcome {
    /// The original campaign's key, unless too few members stayed to keep it.
    pub kept: Option<String>,
    /// Key of the campaign the moved members now form (none when one member was moved).
    pub created: Option<String>,
}

/// Records one verdict, replacing an earlier one on the same pair.
async fn record(
    tx: &mut PgConnection,
    a: i64,
    b: i64,
    verdict: Verdict,
    origin: &str,
) -> Result<(), sqlx::Error> {
    if a == b {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO campaign_decisions (low_target, high_target, verdict, origin) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (low_target, high_target) DO UPDATE SET \
         verdict = EXCLUDED.verdict, origin = EXCLUDED.origin, decided_at = now()",
    )
    .bind(a.min(b))
    .bind(a.max(b))
    .bind(verdict.as_str())
    .bind(origin)
    .execute(tx)
    .await?;
    Ok(())
}

type MemberRow = (i64, serde_json::Value);

/// The campaign `key`: its id and members (target id, evidence), by target id.
async fn campaign_rows(
    tx: &mut PgConnection,
    key: &str,
) -> Result<(i64, Vec<MemberRow>), LinkError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM campaigns WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
    let id = id.ok_or_else(|| LinkError::NoCampaign(key.to_string()))?;
    let members = sqlx::query_as(
        "SELECT target_id, evidence FROM campaign_members WHERE campaign_id = $1 ORDER BY 1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok((id, members))
}

/// Evidence without mentions of `gone`, entries left empty dropped.
fn without(evidence: serde_json::Value, gone: &HashSet<i64>) -> Vec<Evidence> {
    let mut list: Vec<Evidence> = serde_json::from_value(evidence).unwrap_or_default();
    for e in &mut list {
        e.with.retain(|w| !gone.contains(w));
    }
    list.retain(|e| !e.with.is_empty() || e.more > 0);
    list
}

async fn write_member(
    tx: &mut PgConnection,
    campaign: i64,
    target: i64,
    evidence: &[Evidence],
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE campaign_members SET campaign_id = $1, evidence = $3 WHERE target_id = $2")
        .bind(campaign)
        .bind(target)
        .bind(serde_json::to_value(evidence).unwrap_or_default())
        .execute(tx)
        .await?;
    Ok(())
}

/// Moves `targets` out of campaign `key` and keeps them apart from its other members for good.
/// Two or more moved targets form a new campaign together (and stay together); one moved target
/// leaves campaigns altogether. A campaign left with one member is dissolved.
pub async fn split(pool: &PgPool, key: &str, targets: &[i64]) -> Result<SplitOutcome, LinkError> {
    let moved: BTreeSet<i64> = targets.iter().copied().collect();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    store::forget_value_campaigns(&mut tx).await?;
    let (campaign, members) = campaign_rows(&mut tx, key).await?;
    let ids: HashSet<i64> = members.iter().map(|(id, _)| *id).collect();
    if let Some(&stranger) = moved.iter().find(|t| !ids.contains(*t)) {
        return Err(LinkError::NotMember {
            target: stranger,
            key: key.to_string(),
        });
    }
    if moved.is_empty() || moved.len() == ids.len() {
        return Err(LinkError::NothingToSplit(key.to_string()));
    }

    // The verdicts: every moved member apart from every staying one, the moved ones together.
    let origin = format!("split {key}");
    let anchor = *moved.first().expect("checked non-empty");
    for (m, _) in members.iter().filter(|(id, _)| moved.contains(id)) {
        for (r, _) in members.iter().filter(|(id, _)| !moved.contains(id)) {
            record(&mut tx, *m, *r, Verdict::Apart, &origin).await?;
        }
        record(&mut tx, anchor, *m, Verdict::Together, &origin).await?;
    }

    // Apply: the moved members form a new campaign (or leave), the rest keep the key.
    let staying: HashSet<i64> = ids
        .difference(&moved.iter().copied().collect())
        .copied()
        .collect();
    let moved_set: HashSet<i64> = moved.iter().copied().collect();
    let created = match moved.len() {
        1 => {
            sqlx::query("DELETE FROM campaign_members WHERE target_id = $1")
                .bind(anchor)
                .execute(&mut *tx)
                .await?;
            None
        }
        _ => {
            let (new_id, new_key) = fresh_key(&mut tx, anchor).await?;
            for (m, evidence) in members.iter().filter(|(id, _)| moved.contains(id)) {
                let mut list = without(evidence.clone(), &staying);
                for other in moved.iter().filter(|o| *o != m) {
                    push_evidence(&mut list, DECISION_KIND, &origin, *other);
                }
                write_member(&mut tx, new_id, *m, &list).await?;
            }
            Some(new_key)
        }
    };
    let kept = if staying.len() < 2 {
        sqlx::query("DELETE FROM campaigns WHERE id = $1")
            .bind(campaign)
            .execute(&mut *tx)
            .await?;
        None
    } else {
        for (r, evidence) in members.iter().filter(|(id, _)| staying.contains(id)) {
            let list = without(evidence.clone(), &moved_set);
            write_member(&mut tx, campaign, *r, &list).await?;
        }
        Some(key.to_string())
    };
    tx.commit().await?;
    tracing::info!(key, moved = moved.len(), "campaign split");
    Ok(SplitOutcome { kept, created })
}

/// Merges campaigns `a` and `b` for good: the older one's key survives, and every member is
/// kept together with the oldest target of both (earlier kept-apart verdicts between the two
/// campaigns are dropped). Returns the surviving key.
pub async fn merge(pool: &PgPool, a: &str, b: &str) -> Result<String, LinkError> {
    if a == b {
        return Err(LinkError::SameCampaign(a.to_string()));
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    store::forget_value_campaigns(&mut tx).await?;
    let (id_a, members_a) = campaign_rows(&mut tx, a).await?;
    let (id_b, members_b) = campaign_rows(&mut tx, b).await?;
    let ((keep, keep_key, kept), (gone, gone_members)) = if id_a < id_b {
        ((id_a, a, members_a), (id_b, members_b))
    } else {
        ((id_b, b, members_b), (id_a, members_a))
    };
    let side_keep: Vec<i64> = kept.iter().map(|(t, _)| *t).collect();
    let side_gone: Vec<i64> = gone_members.iter().map(|(t, _)| *t).collect();

    // Verdicts: drop kept-apart pairs across the two, keep everyone with the oldest target.
    sqlx::query(
        "DELETE FROM campaign_decisions WHERE verdict = 'apart' AND \
         ((low_target = ANY($1) AND high_target = ANY($2)) OR \
          (low_target = ANY($2) AND high_target = ANY($1)))",
    )
    .bind(&side_keep)
    .bind(&side_gone)
    .execute(&mut *tx)
    .await?;
    let origin = format!("merge {a} {b}");
    let anchor = side_keep
        .iter()
        .chain(&side_gone)
        .min()
        .copied()
        .unwrap_or_default();
    for t in side_keep.iter().chain(&side_gone) {
        record(&mut tx, anchor, *t, Verdict::Together, &origin).await?;
    }

    // Apply: every member in the surviving campaign, with the other side as evidence.
    let sides = [(&kept, &side_gone), (&gone_members, &side_keep)];
    for (members, others) in sides {
        for (t, evidence) in members.iter() {
            let mut list: Vec<Evidence> =
                serde_json::from_value(evidence.clone()).unwrap_or_default();
            for other in others.iter() {
                push_evidence(&mut list, DECISION_KIND, &origin, *other);
            }
            write_member(&mut tx, keep, *t, &list).await?;
        }
    }
    sqlx::query("DELETE FROM campaigns WHERE id = $1")
        .bind(gone)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE campaigns SET updated_at = now() WHERE id = $1")
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(into = keep_key, a, b, "campaigns merged");
    Ok(keep_key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_about_departed_members_is_dropped() {
        let evidence = serde_json::json!([
            {"kind": "ip", "value": "192.0.2.1", "with": [1, 2]},
            {"kind": "jarm", "value": "j", "with": [2]}
        ]);
        let list = without(evidence, &HashSet::from([2]));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].with, [1]);
    }

    #[test]
    fn the_decision_kind_links_alone_and_is_no_graph_kind() {
        assert_eq!(DECISION.strength, Strength::Strong);
        assert!(super::super::kinds::kind(DECISION_KIND).is_none());
    }
}
