//! What campaign views read: pages of campaign summaries (size, risk, first and last seen, the
//! values most members share), a campaign's members with evidence and screenshot paths, and
//! the graph around a campaign. Plain engine functions returning serialisable structs; the CLI
//! prints them and the desktop app will hand them to its UI unchanged.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::LinkError;
use super::analysis::{LinkGraph, Subgraph};
use super::evidence::Evidence;

/// How a page of summaries is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummarySort {
    /// Most members first.
    #[default]
    Size,
    /// Highest member risk first.
    MaxRisk,
    /// Most recently seen first.
    LastSeen,
    /// Earliest seen first.
    FirstSeen,
    /// By key.
    Key,
}

impl SummarySort {
    /// Parses `size`, `risk`, `last-seen`, `first-seen` or `key`.
    pub fn parse(name: &str) -> Option<SummarySort> {
        Some(match name {
            "size" => SummarySort::Size,
            "risk" | "max-risk" => SummarySort::MaxRisk,
            "last-seen" => SummarySort::LastSeen,
            "first-seen" => SummarySort::FirstSeen,
            "key" => SummarySort::Key,
            _ => return None,
        })
    }

    fn order_by(self) -> &'static str {
        match self {
            SummarySort::Size => "size DESC, c.key",
            SummarySort::MaxRisk => "max_risk DESC NULLS LAST, size DESC, c.key",
            SummarySort::LastSeen => "last_seen DESC, c.key",
            SummarySort::FirstSeen => "first_seen, c.key",
            SummarySort::Key => "c.key",
        }
    }
}

/// A page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryQuery {
    /// Order.
    pub sort: SummarySort,
    /// Campaigns skipped.
    pub offset: i64,
    /// Most campaigns returned.
    pub limit: i64,
    /// Shared values listed per campaign.
    pub top_values: usize,
}

impl Default for SummaryQuery {
    fn default() -> Self {
        SummaryQuery {
            sort: SummarySort::Size,
            offset: 0,
            limit: 100,
            top_values: 5,
        }
    }
}

/// A value shared inside a campaign and how many members list it as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedValue {
    /// Pivot kind (or `decision`).
    pub kind: String,
    /// The value (for similarity kinds, the distance).
    pub value: String,
    /// Members whose evidence names it.
    pub members: i64,
}

/// One line of a campaign list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CampaignSummary {
    /// Stable key.
    pub key: String,
    /// The analyst's label.
    pub label: Option<String>,
    /// Members.
    pub size: i64,
    /// Highest member risk score.
    pub max_risk: Option<i32>,
    /// Mean member risk score.
    pub avg_risk: Option<f64>,
    /// Earliest member capture (submission time when not captured).
    pub first_seen: DateTime<Utc>,
    /// Latest member capture.
    pub last_seen: DateTime<Utc>,
    /// The values most members share, most first.
    pub top_values: Vec<SharedValue>,
}

/// A page of summaries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryPage {
    /// Campaigns in all.
    pub total: i64,
    /// This page.
    pub campaigns: Vec<CampaignSummary>,
}

type SummaryRow = (
    String,
    Option<String>,
    i64,
    Option<i32>,
    Option<f64>,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
);

/// A page of campaign summaries (`key` set: that campaign only).
pub async fn campaign_summaries(
    pool: &PgPool,
    query: &SummaryQuery,
    key: Option<&str>,
) -> Result<SummaryPage, LinkError> {
    let sql = format!(
        "SELECT c.key, c.label, count(*) AS size, max(t.risk_score) AS max_risk, \
         avg(t.risk_score)::float8, min(coalesce(t.captured_at, t.created_at)) AS first_seen, \
         max(coalesce(t.captured_at, t.created_at)) AS last_seen, count(*) OVER () \
         FROM campaigns c JOIN campaign_members m ON m.campaign_id = c.id \
         JOIN targets t ON t.id = m.target_id WHERE $3::text IS NULL OR c.key = $3 \
         GROUP BY c.id ORDER BY {} LIMIT $1 OFFSET $2",
        query.sort.order_by()
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(query.limit.max(0))
        .bind(query.offset.max(0))
        .bind(key)
        .fetch_all(pool)
        .await?;
    let total = match rows.first() {
        Some(r) => r.7,
        None => count_campaigns(pool, key).await?,
    };
    let keys: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut top = top_values(pool, &keys, query.top_values).await?;
    let campaigns = rows
        .into_iter()
        .map(|r| CampaignSummary {
            top_values: top.remove(&r.0).unwrap_or_default(),
            key: r.0,
            label: r.1,
            size: r.2,
            max_risk: r.3,
            avg_risk: r.4,
            first_seen: r.5,
            last_seen: r.6,
        })
        .collect();
    Ok(SummaryPage { total, campaigns })
}

async fn count_campaigns(pool: &PgPool, key: Option<&str>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM campaigns WHERE $1::text IS NULL OR key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
}

/// The `n` values named by most members' evidence, per campaign.
async fn top_values(
    pool: &PgPool,
    keys: &[String],
    n: usize,
) -> Result<BTreeMap<String, Vec<SharedValue>>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT c.key, e->>'kind', e->>'value', count(*) FROM campaigns c \
         JOIN campaign_members m ON m.campaign_id = c.id \
         CROSS JOIN LATERAL jsonb_array_elements(m.evidence) e \
         WHERE c.key = ANY($1) GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3",
    )
    .bind(keys)
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<String, Vec<SharedValue>> = BTreeMap::new();
    for (key, kind, value, members) in rows {
        let list = out.entry(key).or_default();
        if list.len() < n {
            list.push(SharedValue {
                kind,
                value,
                members,
            });
        }
    }
    Ok(out)
}

/// A member as campaign views show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberDetail {
    /// `targets.id`.
    pub target_id: i64,
    /// The submitted URL.
    pub url: String,
    /// Where the capture ended.
    pub final_url: Option<String>,
    /// Page title (captured text: show it as text only).
    pub title: Option<String>,
    /// Risk score.
    pub risk_score: Option<i32>,
    /// Screenshot as stored (`targets.screenshot_path`, a path in the blob store).
    pub screenshot_path: Option<String>,
    /// When it was captured.
    pub captured_at: Option<DateTime<Utc>>,
    /// Whether the analyst pinned it here.
    pub pinned: bool,
    /// The values it shares, and with whom.
    pub evidence: Vec<Evidence>,
}

type MemberRow = (
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<DateTime<Utc>>,
    bool,
    serde_json::Value,
);

/// Members of each campaign in `keys`, by target id.
pub async fn campaign_members(
    pool: &PgPool,
    keys: &[String],
) -> Result<BTreeMap<String, Vec<MemberDetail>>, LinkError> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT c.key, t.id, t.url, t.final_url, t.title, t.risk_score, t.screenshot_path, \
         t.captured_at, m.pinned, m.evidence FROM campaigns c \
         JOIN campaign_members m ON m.campaign_id = c.id JOIN targets t ON t.id = m.target_id \
         WHERE c.key = ANY($1) ORDER BY c.key, t.id",
    )
    .bind(keys)
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<String, Vec<MemberDetail>> = BTreeMap::new();
    for r in rows {
        out.entry(r.0).or_default().push(MemberDetail {
            target_id: r.1,
            url: r.2,
            final_url: r.3,
            title: r.4,
            risk_score: r.5,
            screenshot_path: r.6,
            captured_at: r.7,
            pinned: r.8,
            evidence: serde_json::from_value(r.9).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A summary with its members, as `trawl campaigns list|show --json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CampaignView {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: CampaignSummary,
    /// Members by target id.
    pub members: Vec<MemberDetail>,
}

/// A page of summaries with their members.
pub async fn campaign_views(
    pool: &PgPool,
    query: &SummaryQuery,
    key: Option<&str>,
) -> Result<(i64, Vec<CampaignView>), LinkError> {
    let page = campaign_summaries(pool, query, key).await?;
    let keys: Vec<String> = page.campaigns.iter().map(|c| c.key.clone()).collect();
    let mut members = campaign_members(pool, &keys).await?;
    let views = page
        .campaigns
        .into_iter()
        .map(|summary| CampaignView {
            members: members.remove(&summary.key).unwrap_or_default(),
            summary,
        })
        .collect();
    Ok((page.total, views))
}

/// The graph around campaign `key`: its members and everything within `depth` hops of them
/// (generic values left out), at most `max_nodes` nodes.
pub async fn campaign_graph(
    pool: &PgPool,
    key: &str,
    depth: usize,
    max_nodes: usize,
) -> Result<Subgraph, LinkError> {
    let members: Vec<i64> = sqlx::query_scalar(
        "SELECT m.target_id FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id \
         WHERE c.key = $1 ORDER BY 1",
    )
    .bind(key)
    .fetch_all(pool)
    .await?;
    if members.is_empty() {
        return Err(LinkError::NoCampaign(key.to_string()));
    }
    let graph = LinkGraph::load_around(pool, &members, depth, max_nodes).await?;
    Ok(graph.around_targets(&members, depth, max_nodes))
}
