//! IPC types of the analysis views: campaigns, the infrastructure graph, rule editors and
//! alerts.
//!
//! Ids of graph nodes and edges are `graph_nodes.id` / `graph_edges.id`; campaign keys are the
//! stable `c-…` keys. Times cross as RFC 3339 strings.

use serde::Serialize;
use trawl_core::analysis_views::{AlertList, GraphSlice, RuleSummary};
use trawl_core::link::views::{CampaignSummary, CampaignView, MemberDetail, SummaryPage};
use trawl_core::rules::editor::{SourceError, TestMatch};
use trawl_core::rules::editor_store::IokImportReport;
use ts_rs::TS;

use crate::ipc_targets::TargetRow;

/// A fingerprint value shared inside a campaign, with the members sharing it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ValueCount {
    pub kind: String,
    pub value: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// One campaign in the list.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CampaignRow {
    pub key: String,
    /// The analyst's label.
    pub label: Option<String>,
    /// Members.
    #[ts(type = "number")]
    pub size: i64,
    /// Highest member risk score.
    pub risk_max: Option<i32>,
    /// First member's creation time.
    pub first_seen: Option<String>,
    /// Last member's update time.
    pub last_seen: Option<String>,
    /// The most shared values, most members first.
    pub top_values: Vec<ValueCount>,
}

/// A page of campaigns.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CampaignPage {
    pub rows: Vec<CampaignRow>,
    #[ts(type = "number")]
    pub total: i64,
}

/// One member of a campaign.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CampaignMember {
    #[ts(type = "number")]
    pub target_id: i64,
    /// Untrusted text.
    pub url: String,
    pub domain: Option<String>,
    /// Screenshot file; turn it into a URL with `convertFileSrc`.
    pub screenshot_path: Option<String>,
    pub pinned: bool,
    /// Why it belongs here, one sentence per shared value.
    pub evidence: Vec<String>,
}

/// A campaign with its members.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CampaignDetail {
    pub summary: CampaignRow,
    pub members: Vec<CampaignMember>,
}

/// A graph node.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GraphNodeView {
    #[ts(type = "number")]
    pub id: i64,
    /// Pivot kind or `target`.
    pub kind: String,
    /// Short text for the node (a target's URL, a value shortened); untrusted.
    pub label: String,
    /// Campaign of a target node.
    pub campaign: Option<String>,
    /// Edges in the whole graph.
    #[ts(type = "number")]
    pub degree: i64,
    /// Whether the value is marked generic (a hub that links nothing).
    pub generic: bool,
}

/// A graph edge.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GraphEdgeView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub source: i64,
    #[ts(type = "number")]
    pub target: i64,
    /// Pivot kind or `redirect`.
    pub kind: String,
}

/// Part of the graph: at most the requested number of nodes.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GraphView {
    pub nodes: Vec<GraphNodeView>,
    pub edges: Vec<GraphEdgeView>,
    /// Whether nodes were left out to stay under the cap.
    pub truncated: bool,
    /// Nodes matching the query before the cap.
    #[ts(type = "number")]
    pub total_nodes: i64,
}

/// One node with the targets linked to it.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GraphNodeDetail {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: String,
    /// The full value; untrusted text.
    pub value: String,
    pub targets: Vec<TargetRow>,
    /// For the target table's pivot filter (`null` for target nodes).
    pub pivot_kind: Option<String>,
    pub pivot_value: Option<String>,
}

/// A written file.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct SavedFile {
    pub path: String,
}

/// A rule of one of the editors.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RuleView {
    #[ts(type = "number")]
    pub id: i64,
    /// `signature`, `yara` or `alert`.
    pub kind: String,
    pub name: String,
    /// The rule's text as the editor shows it.
    pub source: String,
    pub enabled: bool,
    pub created_at: String,
    #[ts(type = "number")]
    pub match_count: i64,
}

/// A compile error, 1-based line and column.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RuleError {
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The rule the error is in, when the source holds several.
    pub rule: Option<String>,
}

/// The result of compiling a rule's source.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RuleCheck {
    pub errors: Vec<RuleError>,
}

/// One match of a rule tried on a target.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RuleTestMatch {
    pub rule: String,
    /// Where it matched (`html`, `headers`, an asset URL, …).
    pub location: String,
    /// The matched text with a little context; untrusted.
    pub excerpt: String,
}

/// Matches of a rule tried on a target.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RuleTest {
    pub matches: Vec<RuleTestMatch>,
}

/// A field of an imported rule that Trawl cannot evaluate.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct UnsupportedField {
    pub rule: String,
    pub field: String,
}

/// What an IOK import did.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct IokImport {
    pub imported: u32,
    pub unsupported: Vec<UnsupportedField>,
    /// Files left out, each with why (not YAML of a rule, a bad expression, …).
    pub skipped: Vec<String>,
}

/// One alert.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct AlertRow {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub target_id: i64,
    /// Untrusted text.
    pub url: String,
    pub kind: String,
    pub message: String,
    pub created_at: String,
    pub acknowledged_at: Option<String>,
}

/// A page of alerts, newest first.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct AlertPage {
    pub rows: Vec<AlertRow>,
    #[ts(type = "number")]
    pub total: i64,
}

impl From<CampaignSummary> for CampaignRow {
    fn from(c: CampaignSummary) -> Self {
        Self {
            key: c.key,
            label: c.label,
            size: c.size,
            risk_max: c.max_risk,
            first_seen: Some(c.first_seen.to_rfc3339()),
            last_seen: Some(c.last_seen.to_rfc3339()),
            top_values: c
                .top_values
                .into_iter()
                .map(|v| ValueCount {
                    kind: v.kind,
                    value: v.value,
                    count: v.members,
                })
                .collect(),
        }
    }
}

impl From<SummaryPage> for CampaignPage {
    fn from(page: SummaryPage) -> Self {
        Self {
            rows: page.campaigns.into_iter().map(Into::into).collect(),
            total: page.total,
        }
    }
}

impl From<MemberDetail> for CampaignMember {
    fn from(m: MemberDetail) -> Self {
        let host = |u: &str| tauri::Url::parse(u).ok()?.host_str().map(String::from);
        Self {
            domain: m
                .final_url
                .as_deref()
                .and_then(host)
                .or_else(|| host(&m.url)),
            target_id: m.target_id,
            url: m.url,
            screenshot_path: m.screenshot_path,
            pinned: m.pinned,
            evidence: m.evidence.iter().map(|e| e.describe()).collect(),
        }
    }
}

impl From<CampaignView> for CampaignDetail {
    fn from(view: CampaignView) -> Self {
        Self {
            summary: view.summary.into(),
            members: view.members.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<GraphSlice> for GraphView {
    fn from(slice: GraphSlice) -> Self {
        Self {
            nodes: slice
                .nodes
                .into_iter()
                .map(|n| GraphNodeView {
                    id: n.id,
                    kind: n.kind,
                    label: n.label,
                    campaign: n.campaign,
                    degree: n.degree,
                    generic: n.generic,
                })
                .collect(),
            edges: slice
                .edges
                .into_iter()
                .map(|e| GraphEdgeView {
                    id: e.id,
                    source: e.source,
                    target: e.target,
                    kind: e.kind,
                })
                .collect(),
            truncated: slice.truncated,
            total_nodes: slice.total_nodes,
        }
    }
}

impl RuleView {
    /// The view of a rule of `kind`.
    pub fn new(kind: &str, r: RuleSummary) -> Self {
        Self {
            id: r.id,
            kind: kind.to_string(),
            name: r.name,
            source: r.source,
            enabled: r.enabled,
            created_at: r.created_at.to_rfc3339(),
            match_count: r.match_count,
        }
    }
}

impl From<SourceError> for RuleError {
    fn from(e: SourceError) -> Self {
        Self {
            line: u32::try_from(e.line).unwrap_or(u32::MAX),
            column: u32::try_from(e.column).unwrap_or(u32::MAX),
            message: e.message,
            rule: e.rule,
        }
    }
}

impl From<TestMatch> for RuleTestMatch {
    fn from(m: TestMatch) -> Self {
        Self {
            rule: m.rule,
            location: m.location,
            excerpt: m.excerpt,
        }
    }
}

impl From<IokImportReport> for IokImport {
    fn from(report: IokImportReport) -> Self {
        Self {
            imported: u32::try_from(report.imported).unwrap_or(u32::MAX),
            unsupported: report
                .unsupported
                .into_iter()
                .map(|(rule, field)| UnsupportedField { rule, field })
                .collect(),
            skipped: report.skipped,
        }
    }
}

impl From<AlertList> for AlertPage {
    fn from(list: AlertList) -> Self {
        Self {
            rows: list
                .rows
                .into_iter()
                .map(|a| AlertRow {
                    id: a.id,
                    target_id: a.target_id,
                    url: a.url,
                    kind: a.kind,
                    message: a.message,
                    created_at: a.created_at.to_rfc3339(),
                    acknowledged_at: a.acknowledged_at.map(|t| t.to_rfc3339()),
                })
                .collect(),
            total: list.total,
        }
    }
}
