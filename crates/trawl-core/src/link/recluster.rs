//! Full re-clustering: every DONE target streamed once from Postgres into the in-memory
//! clusterer ([`super::memory`]), the analyst's verdicts and pins applied, and the campaigns
//! rewritten in one transaction under the campaign lock. Keys stay stable: a new campaign takes
//! the key of the oldest old campaign among its members (pinned members' campaigns first), so
//! re-clustering after a small change renames nothing. The graph is written as each target is
//! stored; re-clustering only indexes targets missing from it. [`relink_all`] is the slow
//! reference path that replays incremental clustering target by target.

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt as _;
use sqlx::{PgConnection, PgPool};

use super::LinkError;
use super::cluster::{CAMPAIGN_LOCK, ClusterSettings, fresh_key, link_target};
use super::decisions::{DECISION_KIND, Decisions};
use super::evidence::{EVIDENCE_PEERS, Evidence, push_evidence};
use super::generic::{self, GenericValues};
use super::graph::index_target;
use super::kinds::{KINDS, StoredTarget, values_of};
use super::memory::{Clustering, Constraints, Ix, MemoryClusterer, ValueRef, value_hash};
use super::store;

/// One DONE target with its asset and indicator values, as the stream reads it.
#[derive(sqlx::FromRow)]
struct StreamRow {
    id: i64,
    url: String,
    final_url: Option<String>,
    domain: Option<String>,
    ip: Option<String>,
    favicon_hash: Option<String>,
    favicon_sha256: Option<String>,
    jarm: Option<String>,
    dom_hash: Option<String>,
    headers_hash: Option<String>,
    html_tlsh: Option<String>,
    tls_sha256: Option<String>,
    screenshot_phash: Option<String>,
    asset_urls: Vec<String>,
    asset_sha256: Vec<String>,
    indicator_kinds: Vec<String>,
    indicator_values: Vec<String>,
}

/// The columns every stream reads (asset and indicator arrays from `a` and `i`).
macro_rules! stream_columns {
    () => {
        "SELECT t.id, t.url, t.final_url, t.domain, t.ip, t.favicon_hash, t.favicon_sha256, \
         t.jarm, t.dom_hash, t.headers_hash, t.html_tlsh, t.tls_sha256, t.screenshot_phash, \
         coalesce(a.urls, '{}') AS asset_urls, coalesce(a.shas, '{}') AS asset_sha256, \
         coalesce(i.kinds, '{}') AS indicator_kinds, coalesce(i.vals, '{}') AS indicator_values \
         FROM targets t "
    };
}

/// Every DONE target, oldest first, with the asset and indicator rules of
/// [`store::load_target`]: assets and indicators aggregated once and merge-joined,
/// which reads a million targets several times faster than per-target lookups.
const STREAM_ALL: &str = concat!(
    stream_columns!(),
    "LEFT JOIN (SELECT target_id, array_agg(url ORDER BY id) AS urls, \
     array_agg(sha256 ORDER BY id) AS shas FROM assets WHERE sha256 IS NOT NULL \
     AND error IS NULL AND (status IS NULL OR status LIKE '2%') GROUP BY target_id) a \
     ON a.target_id = t.id \
     LEFT JOIN (SELECT target_id, array_agg(kind ORDER BY id) AS kinds, \
     array_agg(value ORDER BY id) AS vals FROM indicators WHERE NOT placeholder \
     GROUP BY target_id) i ON i.target_id = t.id \
     WHERE t.status = 'DONE' ORDER BY t.id"
);

/// The DONE targets among `$1`, oldest first, each target's rows looked up by index.
const STREAM_SOME: &str = concat!(
    stream_columns!(),
    "JOIN unnest($1::bigint[]) AS wanted(id) ON wanted.id = t.id \
     LEFT JOIN LATERAL (SELECT array_agg(url ORDER BY id) AS urls, \
     array_agg(sha256 ORDER BY id) AS shas FROM assets WHERE target_id = t.id \
     AND sha256 IS NOT NULL AND error IS NULL AND (status IS NULL OR status LIKE '2%')) a \
     ON true \
     LEFT JOIN LATERAL (SELECT array_agg(kind ORDER BY id) AS kinds, \
     array_agg(value ORDER BY id) AS vals FROM indicators WHERE target_id = t.id \
     AND NOT placeholder) i ON true \
     WHERE t.status = 'DONE' ORDER BY t.id"
);

impl StreamRow {
    fn into_target(self, generic: &GenericValues) -> StoredTarget {
        let library_sha256 = self
            .asset_urls
            .iter()
            .zip(&self.asset_sha256)
            .filter(|(url, _)| generic.is_library(url))
            .map(|(_, sha)| sha.clone())
            .collect();
        StoredTarget {
            id: self.id,
            url: self.url,
            final_url: self.final_url,
            domain: self.domain,
            ip: self.ip,
            favicon_hash: self.favicon_hash,
            favicon_sha256: self.favicon_sha256,
            jarm: self.jarm,
            dom_hash: self.dom_hash,
            headers_hash: self.headers_hash,
            html_tlsh: self.html_tlsh,
            tls_sha256: self.tls_sha256,
            screenshot_phash: self.screenshot_phash,
            asset_sha256: self.asset_sha256,
            library_sha256,
            indicators: self
                .indicator_kinds
                .into_iter()
                .zip(self.indicator_values)
                .collect(),
            chain_hosts: Vec::new(),
        }
    }
}

/// Streams DONE targets (all, or `only`) to `each`, oldest first.
pub async fn stream_targets(
    pool: &PgPool,
    generic: &GenericValues,
    only: Option<&[i64]>,
    mut each: impl FnMut(StoredTarget),
) -> Result<(), sqlx::Error> {
    let mut rows = match only {
        None => sqlx::query_as::<_, StreamRow>(STREAM_ALL).fetch(pool),
        Some(ids) => sqlx::query_as::<_, StreamRow>(STREAM_SOME)
            .bind(ids)
            .fetch(pool),
    };
    while let Some(row) = rows.try_next().await? {
        each(row.into_target(generic));
    }
    Ok(())
}

/// A campaign before re-clustering: id, members and which of them are pinned.
struct OldCampaign {
    id: i64,
    members: Vec<i64>,
    pinned: Vec<i64>,
}

async fn old_campaigns(pool: &PgPool) -> Result<Vec<OldCampaign>, sqlx::Error> {
    let rows: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT c.id, m.target_id, m.pinned FROM campaigns c \
         JOIN campaign_members m ON m.campaign_id = c.id ORDER BY c.id, m.target_id",
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<OldCampaign> = Vec::new();
    for (id, target, pinned) in rows {
        if out.last().is_none_or(|c| c.id != id) {
            out.push(OldCampaign {
                id,
                members: Vec::new(),
                pinned: Vec::new(),
            });
        }
        let last = out.last_mut().expect("pushed above");
        last.members.push(target);
        if pinned {
            last.pinned.push(target);
        }
    }
    Ok(out)
}

/// What a full re-clustering did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReclusterReport {
    /// Targets read.
    pub targets: usize,
    /// Campaigns afterwards.
    pub campaigns: usize,
    /// Campaigns that kept an old key.
    pub kept_keys: usize,
    /// Members afterwards.
    pub members: usize,
}

/// Rebuilds every campaign from the stored targets in memory. Pinned members stay in their
/// campaigns, verdicts hold, keys are kept where the membership allows (see the module doc).
pub async fn recluster(
    pool: &PgPool,
    settings: &ClusterSettings,
) -> Result<ReclusterReport, LinkError> {
    let generic = generic::cached(pool).await?;
    let decisions = Decisions::load(pool, None).await?;
    let old = old_campaigns(pool).await?;

    let mut clusterer = MemoryClusterer::new(*settings);
    let mut index: HashMap<i64, Ix> = HashMap::new();
    stream_targets(pool, &generic, None, |t| {
        let id = t.id;
        index.insert(id, clusterer.add(&t, &generic));
    })
    .await?;
    let constraints = constraints(&index, &decisions, &old);
    let clustering = clusterer.finish(&constraints);

    // Resolve the hashes named by evidence, reading the members again.
    let members: Vec<i64> = clustering
        .sets
        .iter()
        .flatten()
        .map(|&ix| clustering.ids[ix as usize])
        .collect();
    // Many members: one more full pass beats looking each one up.
    let wanted: HashSet<i64> = members.iter().copied().collect();
    let only = (members.len() <= 50_000).then_some(&members[..]);
    let mut text: HashMap<u64, String> = HashMap::new();
    stream_targets(pool, &generic, only, |t| {
        if !wanted.contains(&t.id) {
            return;
        }
        for (kind, value) in values_of(&t) {
            text.entry(value_hash(kind.name, &value)).or_insert(value);
        }
    })
    .await?;
    let evidence = evidence(&clustering, &text, &decisions);

    let report = write(pool, &clustering, &evidence, &old).await?;
    index_missing(pool, &generic).await?;
    record_wide_values(pool, &clustering, &text).await?;
    tracing::info!(
        targets = index.len(),
        campaigns = report.campaigns,
        "campaigns re-clustered"
    );
    Ok(ReclusterReport {
        targets: index.len(),
        ..report
    })
}

/// Records the campaign of every widely shared value whose carriers all ended in one, so
/// that the next copy of a big kit need not read them (see [`store::record_value_campaign`]).
/// A value the graph knows more carriers of (targets not DONE) is left unrecorded.
async fn record_wide_values(
    pool: &PgPool,
    c: &Clustering,
    text: &HashMap<u64, String>,
) -> Result<(), sqlx::Error> {
    if c.wide.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    for wide in &c.wide {
        let Some(value) = text.get(&wide.hash) else {
            continue;
        };
        let Some(now) = store::carriers(pool, KINDS[wide.kind].name, value).await? else {
            continue;
        };
        let member = c.ids[c.sets[wide.set as usize][0] as usize];
        let campaign = store::campaign_of(pool, member).await?;
        if let Some((campaign, _)) = campaign.filter(|_| now.carriers as usize == wide.carriers) {
            store::record_value_campaign(&mut tx, now, campaign).await?;
        }
    }
    tx.commit().await
}

/// Indexes DONE targets that have no node in the graph (their link stage failed when they
/// were stored).
async fn index_missing(pool: &PgPool, generic: &GenericValues) -> Result<(), sqlx::Error> {
    let missing: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM targets t WHERE status = 'DONE' AND NOT EXISTS \
         (SELECT 1 FROM graph_nodes n WHERE n.kind = 'target' AND n.value = t.id::text) \
         ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    for id in missing {
        if let Some(t) = store::load_target(pool, id, generic).await? {
            index_target(pool, &t).await?;
        }
    }
    Ok(())
}

/// Verdicts and pins by index (targets that are not DONE drop out).
fn constraints(
    index: &HashMap<i64, Ix>,
    decisions: &Decisions,
    old: &[OldCampaign],
) -> Constraints {
    let ix = |id: &i64| index.get(id).copied();
    let mut out = Constraints::default();
    for (a, b) in decisions.together_pairs() {
        if let (Some(a), Some(b)) = (ix(&a), ix(&b)) {
            out.together.push((a, b));
        }
    }
    for (&a, &ia) in index {
        for b in decisions.apart_from(a).filter(|b| a < *b) {
            if let Some(ib) = ix(&b) {
                out.apart.push((ia, ib));
            }
        }
    }
    for c in old.iter().filter(|c| !c.pinned.is_empty()) {
        let pinned: Vec<Ix> = c.pinned.iter().filter_map(ix).collect();
        let others: Vec<Ix> = c
            .members
            .iter()
            .filter(|m| !c.pinned.contains(m))
            .filter_map(ix)
            .collect();
        if !pinned.is_empty() {
            out.pinned.push((pinned, others));
        }
    }
    out
}

/// Each member's evidence: the values it shares with others of its set, naming at most
/// [`EVIDENCE_PEERS`] of them per value (the rest counted), so a kit of thousands costs
/// thousands of short lists rather than millions of entries.
fn evidence(
    c: &Clustering,
    text: &HashMap<u64, String>,
    decisions: &Decisions,
) -> HashMap<Ix, Vec<Evidence>> {
    let mut out: HashMap<Ix, Vec<Evidence>> = HashMap::new();
    let id = |ix: Ix| c.ids[ix as usize];
    // `from` and `to` are the same list or disjoint (`same` says which).
    let mut give = |from: &[Ix], to: &[Ix], same: bool, entries: &[(usize, ValueRef)]| {
        let mut by_set: HashMap<u32, Vec<Ix>> = HashMap::new();
        for &o in to {
            let set = c.set_of[o as usize];
            if set != u32::MAX {
                by_set.entry(set).or_default().push(o);
            }
        }
        for &m in from {
            let Some(peers) = by_set.get(&c.set_of[m as usize]) else {
                continue;
            };
            let total = peers.len() - usize::from(same);
            if total == 0 {
                continue;
            }
            let named: Vec<i64> = peers
                .iter()
                .filter(|&&o| o != m)
                .take(EVIDENCE_PEERS)
                .map(|&o| id(o))
                .collect();
            let list = out.entry(m).or_default();
            for (kind, value) in entries {
                let value = match value {
                    ValueRef::Text(t) => t.as_str(),
                    ValueRef::Hash(h) => text.get(h).map_or("", String::as_str),
                };
                let kind = KINDS[*kind].name;
                for &o in &named {
                    push_evidence(list, kind, value, o);
                }
                if let Some(e) = list.iter_mut().find(|e| e.kind == kind && e.value == value) {
                    e.more += total - named.len();
                }
            }
        }
    };
    for s in &c.shared {
        match &s.right {
            None => give(&s.left, &s.left, true, &s.entries),
            Some(right) => {
                give(&s.left, right, false, &s.entries);
                give(right, &s.left, false, &s.entries);
            }
        }
    }
    // Kept-together verdicts that hold are evidence too.
    for set in &c.sets {
        for &m in set {
            for (other, origin) in decisions.together_with(id(m)) {
                // Indexes follow target ids (targets are streamed in id order).
                let same = c.ids.binary_search(other).ok().map(|o| c.set_of[o]);
                if same == Some(c.set_of[m as usize]) {
                    push_evidence(out.entry(m).or_default(), DECISION_KIND, origin, *other);
                }
            }
        }
    }
    out
}

/// Rewrites campaigns and members in one transaction.
async fn write(
    pool: &PgPool,
    c: &Clustering,
    evidence: &HashMap<Ix, Vec<Evidence>>,
    old: &[OldCampaign],
) -> Result<ReclusterReport, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CAMPAIGN_LOCK)
        .execute(&mut *tx)
        .await?;
    store::forget_value_campaigns(&mut tx).await?;

    // Old campaigns by member, pinned members' campaigns ranked first, then oldest.
    let mut old_of: HashMap<i64, Vec<(bool, usize)>> = HashMap::new();
    for (rank, o) in old.iter().enumerate() {
        for m in &o.members {
            old_of
                .entry(*m)
                .or_default()
                .push((!o.pinned.contains(m), rank));
        }
    }
    let pinned: HashSet<i64> = old.iter().flat_map(|o| o.pinned.iter().copied()).collect();
    let mut claimed: HashSet<usize> = HashSet::new();
    let mut campaign_ids: Vec<i64> = Vec::with_capacity(c.sets.len());
    let mut kept_keys = 0;
    let mut fresh: Vec<usize> = Vec::new();
    for (n, set) in c.sets.iter().enumerate() {
        let mut candidates: Vec<(bool, usize)> = set
            .iter()
            .flat_map(|&ix| {
                old_of
                    .get(&c.ids[ix as usize])
                    .into_iter()
                    .flatten()
                    .copied()
            })
            .filter(|(_, rank)| !claimed.contains(rank))
            .collect();
        candidates.sort_unstable();
        match candidates.first() {
            Some(&(_, rank)) => {
                claimed.insert(rank);
                campaign_ids.push(old[rank].id);
                kept_keys += 1;
            }
            None => {
                campaign_ids.push(0);
                fresh.push(n);
            }
        }
    }

    // Drop everything old that is not kept, then create the new campaigns.
    sqlx::query("DELETE FROM campaign_members")
        .execute(&mut *tx)
        .await?;
    let keep: Vec<i64> = campaign_ids.iter().copied().filter(|&id| id != 0).collect();
    sqlx::query("DELETE FROM campaigns WHERE id <> ALL($1)")
        .bind(&keep)
        .execute(&mut *tx)
        .await?;
    for n in fresh {
        let founder = c.ids[c.sets[n][0] as usize];
        campaign_ids[n] = fresh_key(&mut tx, founder).await?.0;
    }
    sqlx::query("UPDATE campaigns SET updated_at = now() WHERE id = ANY($1)")
        .bind(&campaign_ids)
        .execute(&mut *tx)
        .await?;

    let mut members = 0;
    let mut batch = MemberBatch::default();
    for (n, set) in c.sets.iter().enumerate() {
        for &ix in set {
            let id = c.ids[ix as usize];
            let list = evidence.get(&ix).map_or(&[][..], Vec::as_slice);
            batch.push(campaign_ids[n], id, list, pinned.contains(&id));
            members += 1;
            if batch.campaign.len() >= 20_000 {
                batch.flush(&mut tx).await?;
            }
        }
    }
    batch.flush(&mut tx).await?;
    tx.commit().await?;
    Ok(ReclusterReport {
        targets: 0,
        campaigns: c.sets.len(),
        kept_keys,
        members,
    })
}

/// Member rows written in bulk (`unnest`).
#[derive(Default)]
struct MemberBatch {
    campaign: Vec<i64>,
    target: Vec<i64>,
    evidence: Vec<serde_json::Value>,
    pinned: Vec<bool>,
}

impl MemberBatch {
    fn push(&mut self, campaign: i64, target: i64, evidence: &[Evidence], pinned: bool) {
        self.campaign.push(campaign);
        self.target.push(target);
        self.evidence
            .push(serde_json::to_value(evidence).unwrap_or_default());
        self.pinned.push(pinned);
    }

    async fn flush(&mut self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.campaign.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO campaign_members (campaign_id, target_id, evidence, pinned) \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::jsonb[], $4::boolean[])",
        )
        .bind(&self.campaign)
        .bind(&self.target)
        .bind(&self.evidence)
        .bind(&self.pinned)
        .execute(tx)
        .await?;
        *self = MemberBatch::default();
        Ok(())
    }
}

/// The reference path: drops computed membership (pinned rows stay, their evidence cleared) and
/// replays incremental clustering over every DONE target in id order, re-indexing the graph.
/// Slow (several queries per target); [`recluster`](fn@recluster) is the one to use.
pub async fn relink_all(pool: &PgPool, settings: &ClusterSettings) -> Result<i64, LinkError> {
    sqlx::query("DELETE FROM value_campaigns")
        .execute(pool)
        .await?;
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
