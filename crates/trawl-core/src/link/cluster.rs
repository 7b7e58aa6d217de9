//! Campaigns: targets joined by the rules of DESIGN.md, incrementally as each target is stored.
//!
//! Two targets link when they share one strong value or two different weak kinds; generic
//! values and `Never` kinds never link (see [`super::kinds`]). A new target joins the campaign
//! of whatever it links to; when it links campaigns together they merge into the oldest, whose
//! key survives, so a campaign's key never changes as it grows. Every member keeps evidence: the
//! values it shares and with whom. Campaign writes are serialised across workers by one
//! transaction-scoped advisory lock. The analyst's decisions apply here too: a target kept
//! together with another links to it, and a campaign holding a member kept apart from the
//! growing one is left out of the merge (see [`super::decisions`]). Full re-clustering lives in
//! [`super::recluster`](mod@super::recluster).
//!
//! A value shared by thousands of targets (a big kit's favicon, asset or page layout) is not read
//! target by target. Past `READ_IN_FULL` (64) sharers, linking reads a summary: one member of each
//! campaign among them and those in none. Once the target has joined, `value_campaigns`
//! records that one campaign holds every carrier, and the next copy trusts the record while the
//! carrier count matches, reading only a sample to name in its evidence (see [`store::Sharers`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::LinkError;
use super::decisions::{DECISION, Decisions};
use super::generic::{self, GenericValues};
use super::graph::index_target;
use super::kinds::{Matching, PivotKind, StoredTarget, Strength, values_of};
use super::store::{self, TargetColumn, ValueRecord};
use crate::fingerprint::similarity::tlsh_diff;

pub use super::evidence::{EVIDENCE_PEERS, Evidence, count_unnamed, push_evidence};

/// Arbitrary constant naming the campaign lock (`pg_advisory_xact_lock`).
pub(crate) const CAMPAIGN_LOCK: i64 = 0x7472_6177_6c63_6d70;

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
    /// Most targets a weak value (an address, a JARM, a headers hash) may be shared by and
    /// still link. A weak value on more targets is a hosting provider's, a CDN's or a server
    /// default's, not a campaign's: treated as generic, it links nothing (it stays a graph
    /// node). Default 1,000. Without it, pairs of such values chain unrelated sites into one
    /// giant campaign.
    pub weak_fanout_max: usize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            tlsh_max: 40,
            require_dom_match: true,
            phash_max: 3,
            weak_fanout_max: 1000,
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

/// Sharers of a value are read in full up to this many; past it, linking reads a summary (see
/// [`store::Sharers`]) so that a copy of a kit with thousands of members costs no more to link
/// than a copy of a small one.
pub(crate) const READ_IN_FULL: usize = 64;

/// One shared value between the target and another.
pub(crate) struct Link {
    pub(crate) other: i64,
    pub(crate) kind: &'static PivotKind,
    pub(crate) value: String,
}

/// What a target shares with others.
#[derive(Default)]
pub(crate) struct Shared {
    /// One link per other target and shared value.
    pub(crate) links: Vec<Link>,
    /// Sharers of a strong value that no link names: (kind, value as evidence shows it, how
    /// many). They are in the campaigns the links join; evidence counts them.
    pub(crate) unnamed: Vec<(&'static PivotKind, String, usize)>,
    /// Widely shared values whose every carrier is in the campaign the target joins, once it
    /// has joined (recorded then; see [`store::record_value_campaign`]).
    pub(crate) records: Vec<ValueRecord>,
}

impl Shared {
    fn link_all(&mut self, kind: &'static PivotKind, value: &str, others: &[i64]) {
        for &other in others {
            self.links.push(Link {
                other,
                kind,
                value: value.to_string(),
            });
        }
    }

    fn count_unnamed(&mut self, kind: &'static PivotKind, value: String, n: usize) {
        if n > 0 {
            self.unnamed.push((kind, value, n));
        }
    }

    /// Every other target linked so far, ascending.
    fn others(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.links.iter().map(|l| l.other).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Values of `t` shared with other targets, generic ones left out.
async fn shared_values(
    pool: &PgPool,
    settings: &ClusterSettings,
    generic: &GenericValues,
    t: &StoredTarget,
) -> Result<Shared, sqlx::Error> {
    let mut shared = Shared::default();
    let mut near_screenshots = Vec::new();
    for (kind, value) in values_of(t) {
        let library = kind.name == "asset_sha256" && t.library_sha256.contains(&value);
        if kind.strength == Strength::Never || library || generic.contains(kind.name, &value) {
            continue;
        }
        match (kind.matching, kind.strength) {
            (Matching::Exact, Strength::Weak) => {
                // Shared more widely, it is a provider's or a server default's: it links nothing.
                let most = settings.weak_fanout_max;
                let values = [value.clone()];
                if store::carrier_count(pool, kind.name, &values).await? > most + 1 {
                    continue;
                }
                let others = store::node_sharer_ids(pool, kind.name, &values, t.id, most + 1);
                let mut others = others.await?;
                if others.len() <= most {
                    others.sort_unstable();
                    shared.link_all(kind, &value, &others);
                }
            }
            (Matching::Exact, _) => {
                let values = [value.clone()];
                let sharers = store::node_sharers(pool, kind.name, &values, t.id, READ_IN_FULL);
                let sharers = sharers.await?;
                shared.records.extend(sharers.record);
                shared.link_all(kind, &value, &sharers.link_to);
                shared.count_unnamed(kind, value, sharers.count - sharers.link_to.len());
            }
            (Matching::Tlsh, _) => near_html(pool, settings, t, kind, &value, &mut shared).await?,
            (Matching::Hamming, _) => near_screenshots.push((kind, value)),
        }
    }
    // Last, so that a screenshot shared too widely to read is compared with the targets
    // linked by the other values (a weak value pairs only with another weak one, and the
    // others are exact).
    for (kind, value) in near_screenshots {
        near_screenshot(pool, settings, generic, t, kind, &value, &mut shared).await?;
    }
    Ok(shared)
}

/// Links to the targets with near-duplicate HTML: the digests within `tlsh_max` of `value`
/// (with the same DOM hash unless the setting is loose), each distinct digest compared once.
async fn near_html(
    pool: &PgPool,
    settings: &ClusterSettings,
    t: &StoredTarget,
    kind: &'static PivotKind,
    value: &str,
    shared: &mut Shared,
) -> Result<(), sqlx::Error> {
    let dom = t.dom_hash.as_deref().filter(|_| settings.require_dom_match);
    if settings.require_dom_match && dom.is_none() {
        return Ok(());
    }
    // Per distance: the digests at it and how many targets have them.
    let mut close: BTreeMap<i32, (Vec<String>, usize)> = BTreeMap::new();
    for (tlsh, n) in store::tlsh_digests(pool, t.id, value, dom).await? {
        match tlsh_diff(value, &tlsh) {
            Some(d) if d <= settings.tlsh_max => {
                let at = close.entry(d).or_default();
                at.0.push(tlsh);
                at.1 += n as usize;
            }
            _ => {}
        }
    }
    if close.is_empty() {
        return Ok(());
    }
    let distance: HashMap<&str, i32> = close
        .iter()
        .flat_map(|(d, (digests, _))| digests.iter().map(move |x| (x.as_str(), *d)))
        .collect();
    let digests: Vec<String> = distance.keys().map(|x| x.to_string()).collect();

    // A layout shared widely: one campaign may hold every page with it (a record says so),
    // and then the near ones are among them. When the pages are read instead and turn out to
    // be in one campaign, that is recorded once this target has joined it.
    let mut layout = None;
    if let Some(dom) = dom {
        layout = store::carriers(pool, "dom_hash", dom).await?;
    }
    let layout = layout.filter(|now| now.carriers as usize > READ_IN_FULL + 1);
    let mut vouched = false;
    if let Some(now) = layout {
        vouched = store::recorded_campaign(pool, now).await?.is_some();
    }
    let sharers = store::tlsh_sharers(pool, t.id, dom, &digests, READ_IN_FULL, vouched).await?;
    if let (Some(now), Some(dom)) = (layout, dom) {
        let values = [dom.to_string()];
        let one_campaign = vouched
            || store::node_sharers(pool, "dom_hash", &values, t.id, READ_IN_FULL)
                .await?
                .one_campaign;
        if one_campaign && !sharers.link_to.is_empty() {
            shared.records.push(now);
        }
    }
    let mut named: HashMap<i32, usize> = HashMap::new();
    let mut found = store::column_of(pool, TargetColumn::HtmlTlsh, &sharers.link_to).await?;
    found.sort_unstable();
    for (other, tlsh) in found {
        if let Some(&d) = distance.get(tlsh.as_str()) {
            *named.entry(d).or_default() += 1;
            shared.links.push(Link {
                other,
                kind,
                value: format!("distance {d}"),
            });
        }
    }
    for (d, (_, n)) in close {
        let rest = n.saturating_sub(named.get(&d).copied().unwrap_or(0));
        shared.count_unnamed(kind, format!("distance {d}"), rest);
    }
    Ok(())
}

/// Links to the targets with a near-duplicate screenshot, found through the pHash index. When
/// more than `weak_fanout_max` targets have one, only those already linked are compared: the
/// screenshot is weak and needs another weak value, which they would share.
async fn near_screenshot(
    pool: &PgPool,
    settings: &ClusterSettings,
    generic: &GenericValues,
    t: &StoredTarget,
    kind: &'static PivotKind,
    value: &str,
    shared: &mut Shared,
) -> Result<(), sqlx::Error> {
    let near: Vec<String> = store::phash_candidates(pool, value)
        .await?
        .into_iter()
        .filter(|near| hamming(value, near).is_some_and(|d| d <= settings.phash_max))
        .filter(|near| !generic.contains(kind.name, near))
        .collect();
    if near.is_empty() {
        return Ok(());
    }
    let most = settings.weak_fanout_max;
    let few = store::carrier_count(pool, kind.name, &near).await? <= most + 1;
    let mut others = Vec::new();
    if few {
        others = store::node_sharer_ids(pool, kind.name, &near, t.id, most + 1).await?;
    }
    if !few || others.len() > most {
        others = shared.others();
    }
    let mut found = store::column_of(pool, TargetColumn::ScreenshotPhash, &others).await?;
    found.sort_unstable();
    for (other, phash) in found {
        if !near.contains(&phash) {
            continue;
        }
        let d = hamming(value, &phash).unwrap_or_default();
        shared.links.push(Link {
            other,
            kind,
            value: format!("distance {d}"),
        });
    }
    Ok(())
}

/// Hamming distance of two 64-bit hex hashes.
pub fn hamming(a: &str, b: &str) -> Option<u32> {
    let a = u64::from_str_radix(a, 16).ok()?;
    let b = u64::from_str_radix(b, 16).ok()?;
    Some((a ^ b).count_ones())
}

/// The links that count: per other target, its shared values when one is strong or two
/// different weak kinds are shared.
pub(crate) fn decide(links: Vec<Link>) -> BTreeMap<i64, Vec<Link>> {
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

/// A new campaign founded by `founder`: its key comes from the founder's URL, made unique if a
/// campaign already has it (a founder split out of its first campaign). Returns (id, key).
pub(crate) async fn fresh_key(
    tx: &mut PgConnection,
    founder: i64,
) -> Result<(i64, String), sqlx::Error> {
    let url: String = sqlx::query_scalar("SELECT url FROM targets WHERE id = $1")
        .bind(founder)
        .fetch_one(&mut *tx)
        .await?;
    for attempt in 0u32.. {
        let key = match attempt {
            0 => campaign_key(&url),
            n => campaign_key(&format!("{url}\n{n}")),
        };
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO campaigns (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING id",
        )
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            return Ok((id, key));
        }
    }
    unreachable!("an unbounded range ends only by returning")
}

/// Indexes the target in the graph and joins it to its campaign. Returns the campaign key,
/// or `None` when the target links to nobody (or is not DONE).
pub async fn link_target(
    pool: &PgPool,
    settings: &ClusterSettings,
    target_id: i64,
) -> Result<Option<String>, LinkError> {
    let generic = generic::cached(pool).await?;
    let Some(t) = store::load_target(pool, target_id, &generic).await? else {
        return Ok(None);
    };
    index_target(pool, &t).await?;
    let mut shared = shared_values(pool, settings, &generic, &t).await?;

    // Targets the analyst keeps together with this one link to it like a strong value.
    let decisions = Decisions::load(pool, Some(&[t.id][..])).await?;
    for (other, origin) in decisions.together_with(t.id) {
        shared.links.push(Link {
            other: *other,
            kind: &DECISION,
            value: origin.clone(),
        });
    }
    let linked = decide(std::mem::take(&mut shared.links));
    if linked.is_empty() {
        return Ok(None);
    }
    join(pool, &t, linked, &shared).await
}

/// Campaign id of each of `ids` that is a member.
async fn campaigns_of(
    tx: &mut PgConnection,
    ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT target_id, campaign_id FROM campaign_members WHERE target_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Drops the links whose campaign (or the target itself, when in none) holds a member kept
/// apart from what `t` has joined so far. Campaigns are taken oldest first, then loose targets
/// by id, starting from `t`'s own campaign. Returns whether any link was dropped.
async fn respect_apart(
    tx: &mut PgConnection,
    t: i64,
    linked: &mut BTreeMap<i64, Vec<Link>>,
) -> Result<bool, sqlx::Error> {
    let any: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM campaign_decisions WHERE verdict = 'apart')",
    )
    .fetch_one(&mut *tx)
    .await?;
    if !any {
        return Ok(false);
    }
    let mut ids: Vec<i64> = linked.keys().copied().collect();
    ids.push(t);
    let campaign = campaigns_of(tx, &ids).await?;

    // Each group: a campaign's members, or a loose target alone.
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT campaign_id, target_id FROM campaign_members WHERE campaign_id = ANY($1)",
    )
    .bind(campaign.values().copied().collect::<Vec<i64>>())
    .fetch_all(&mut *tx)
    .await?;
    let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (c, m) in rows {
        members.entry(c).or_default().push(m);
    }
    let everyone: Vec<i64> = members.values().flatten().chain(&ids).copied().collect();
    let apart: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT low_target, high_target FROM campaign_decisions WHERE verdict = 'apart' \
         AND low_target = ANY($1) AND high_target = ANY($1)",
    )
    .bind(&everyone)
    .fetch_all(&mut *tx)
    .await?;
    if apart.is_empty() {
        return Ok(false);
    }
    let apart: HashSet<(i64, i64)> = apart.into_iter().collect();
    let clash = |a: &HashSet<i64>, b: &[i64]| {
        b.iter().any(|x| {
            a.iter()
                .any(|y| apart.contains(&((*x).min(*y), (*x).max(*y))))
        })
    };

    let group_of = |id: i64| campaign.get(&id).map_or(vec![id], |c| members[c].clone());
    let mut joined: HashSet<i64> = group_of(t).into_iter().collect();
    let mut order: Vec<(i64, i64)> = linked
        .keys()
        .map(|&o| (campaign.get(&o).copied().unwrap_or(i64::MAX), o))
        .collect();
    order.sort_unstable();
    let before = linked.len();
    for (_, other) in order {
        if joined.contains(&other) {
            continue;
        }
        let group = group_of(other);
        if clash(&joined, &group) {
            linked.remove(&other);
        } else {
            joined.extend(group);
        }
    }
    Ok(linked.len() < before)
}

/// Puts `t` and the targets it links to in one campaign, with evidence; `shared` counts the
/// sharers no link names and says which values to record. `None` when the analyst's
/// decisions leave nothing to join.
async fn join(
    pool: &PgPool,
    t: &StoredTarget,
    mut linked: BTreeMap<i64, Vec<Link>>,
    shared: &Shared,
) -> Result<Option<String>, LinkError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    // Members kept apart make the unnamed counts and the records unreliable: they are left
    // out then.
    let kept_apart = respect_apart(&mut tx, t.id, &mut linked).await?;
    if linked.is_empty() {
        return Ok(None);
    }
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
        None => fresh_key(&mut tx, ids.iter().min().copied().unwrap_or(t.id)).await?,
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

    // Evidence: the new target shares each value with its links, and they with it. Members
    // already in a campaign hear of the newcomer only up to the evidence bound, so joining a
    // kit of thousands rewrites a bounded number of rows.
    let members = campaigns_of(&mut tx, &ids).await?;
    let mut add: BTreeMap<i64, Vec<(String, String, i64)>> = BTreeMap::new();
    let mut told = 0;
    for (other, links) in &linked {
        let tell = !members.contains_key(other) || told < EVIDENCE_PEERS;
        told += usize::from(members.contains_key(other) && tell);
        for l in links {
            let (kind, value) = (l.kind.name.to_string(), l.value.clone());
            add.entry(t.id)
                .or_default()
                .push((kind.clone(), value.clone(), *other));
            if tell {
                add.entry(*other).or_default().push((kind, value, t.id));
            }
        }
    }
    // The newcomer's evidence is whole: everything it shares was just read. The others' grows.
    // Read and written in one statement each, members in id order.
    let others: Vec<i64> = add.keys().copied().filter(|m| *m != t.id).collect();
    let rows: Vec<(i64, serde_json::Value)> = sqlx::query_as(
        "SELECT target_id, evidence FROM campaign_members WHERE target_id = ANY($1) \
         ORDER BY id",
    )
    .bind(&others)
    .fetch_all(&mut *tx)
    .await?;
    let mut old: HashMap<i64, serde_json::Value> = HashMap::new();
    for (member, evidence) in rows {
        old.entry(member).or_insert(evidence);
    }
    let mut members = Vec::with_capacity(add.len());
    let mut evidences = Vec::with_capacity(add.len());
    for (member, evidence) in add {
        let mut merged: Vec<Evidence> = old
            .remove(&member)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        for (kind, value, with) in evidence {
            push_evidence(&mut merged, &kind, &value, with);
        }
        if member == t.id && !kept_apart {
            for (kind, value, n) in &shared.unnamed {
                count_unnamed(&mut merged, kind.name, value, *n);
            }
        }
        members.push(member);
        evidences.push(serde_json::to_value(&merged).unwrap_or_default());
    }
    sqlx::query(
        "INSERT INTO campaign_members (campaign_id, target_id, evidence) \
         SELECT $1, * FROM unnest($2::bigint[], $3::jsonb[]) \
         ON CONFLICT (campaign_id, target_id) DO UPDATE SET evidence = EXCLUDED.evidence",
    )
    .bind(campaign)
    .bind(&members)
    .bind(&evidences)
    .execute(&mut *tx)
    .await?;
    if !kept_apart {
        for record in &shared.records {
            store::record_value_campaign(&mut tx, *record, campaign).await?;
        }
    }
    sqlx::query("UPDATE campaigns SET updated_at = now() WHERE id = $1")
        .bind(campaign)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(key))
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
}
