//! IPC types of the Targets view: a page request with its filters, and a page of summary rows.
//!
//! Sorting, filtering and paging happen in Postgres (`trawl_core::targets::page`); the sort
//! name is checked against the engine's whitelist, and an unknown one is an `invalid_sort`
//! error. Filters added after the first release are optional keys, so an older caller that
//! leaves them out still works. The detail of one target crosses as the engine's JSON object
//! unchanged (see `commands::target_detail`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use trawl_core::targets::{Page, PageQuery, SortColumn, TargetSummary};
use ts_rs::TS;

use crate::ipc_types::IpcError;

/// Which rows of the target table to show.
#[derive(Deserialize, TS, Clone, Debug, Default)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetQuery {
    #[ts(type = "number")]
    pub offset: i64,
    #[ts(type = "number")]
    pub limit: i64,
    /// `id`, `url`, `domain`, `status`, `risk_score`, `created_at` or `updated_at`.
    pub sort: String,
    pub descending: bool,
    /// Only this status, e.g. `FAILED`.
    pub status: Option<String>,
    /// Only domains containing this text.
    pub domain: Option<String>,
    /// Lowest risk score (0–100); targets without a score are left out.
    #[serde(default)]
    #[ts(optional)]
    pub risk_min: Option<i32>,
    /// Highest risk score (0–100); targets without a score are left out.
    #[serde(default)]
    #[ts(optional)]
    pub risk_max: Option<i32>,
    /// An IP address, or the start of one (`203.0.113.`).
    #[serde(default)]
    #[ts(optional)]
    pub ip: Option<String>,
    /// Only targets carrying this tag.
    #[serde(default)]
    #[ts(optional)]
    pub tag: Option<String>,
    /// Only targets with (true) or without (false) signature or YARA matches.
    #[serde(default)]
    #[ts(optional)]
    pub has_matches: Option<bool>,
    /// Only members of the campaign with this key.
    #[serde(default)]
    #[ts(optional)]
    pub campaign: Option<String>,
    /// Created at or after this time (RFC 3339).
    #[serde(default)]
    #[ts(optional)]
    pub since: Option<String>,
    /// Created before this time (RFC 3339).
    #[serde(default)]
    #[ts(optional)]
    pub until: Option<String>,
    /// With `pivot_value`: only targets sharing this fingerprint (a pivot kind name).
    #[serde(default)]
    #[ts(optional)]
    pub pivot_kind: Option<String>,
    /// The fingerprint value for `pivot_kind`.
    #[serde(default)]
    #[ts(optional)]
    pub pivot_value: Option<String>,
}

/// One row of the target table.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetRow {
    #[ts(type = "number")]
    pub id: i64,
    pub url: String,
    pub status: String,
    pub risk_score: Option<i32>,
    pub domain: Option<String>,
    pub ip: Option<String>,
    /// The captured page title: untrusted text, never markup.
    pub title: Option<String>,
    /// Why the target failed or was skipped.
    pub reason: Option<String>,
    /// The analyst's tags, sorted.
    pub tags: Vec<String>,
    /// Key of the campaign the target belongs to.
    pub campaign: Option<String>,
    /// Signature and YARA matches.
    #[ts(type = "number")]
    pub match_count: i64,
    /// When the target was submitted (RFC 3339).
    pub created_at: String,
    /// Average hash of the screenshot (full mode), for thumbnails and grouping.
    pub screenshot_ahash: Option<String>,
}

/// A page of the target table and the number of matching targets.
#[derive(Serialize, TS, Clone, Debug, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct TargetPage {
    pub rows: Vec<TargetRow>,
    #[ts(type = "number")]
    pub total: i64,
}

impl TryFrom<TargetQuery> for PageQuery {
    type Error = IpcError;

    fn try_from(query: TargetQuery) -> Result<Self, IpcError> {
        let sort = SortColumn::parse(&query.sort).ok_or_else(|| {
            IpcError::new(
                "invalid_sort",
                format!("cannot sort targets by `{}`", query.sort),
            )
        })?;
        for risk in [query.risk_min, query.risk_max].into_iter().flatten() {
            if !(0..=100).contains(&risk) {
                return Err(invalid_filter(format!("risk {risk} is outside 0–100")));
            }
        }
        let pivot = match (query.pivot_kind, query.pivot_value) {
            (Some(kind), Some(value)) => {
                if trawl_core::link::kinds::kind(&kind).is_none() {
                    return Err(invalid_filter(format!("unknown pivot kind `{kind}`")));
                }
                Some((kind, value))
            }
            (None, None) => None,
            _ => {
                return Err(invalid_filter(
                    "pivot_kind and pivot_value go together".into(),
                ));
            }
        };
        Ok(PageQuery {
            offset: query.offset,
            limit: query.limit,
            sort,
            descending: query.descending,
            status: query.status,
            domain: query.domain,
            risk_min: query.risk_min,
            risk_max: query.risk_max,
            ip: query.ip,
            tag: query.tag,
            has_matches: query.has_matches,
            campaign: query.campaign,
            since: parse_time("since", query.since.as_deref())?,
            until: parse_time("until", query.until.as_deref())?,
            pivot,
        })
    }
}

/// An RFC 3339 time of a filter; an empty string counts as none.
pub(crate) fn parse_time(
    name: &str,
    text: Option<&str>,
) -> Result<Option<DateTime<Utc>>, IpcError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|err| invalid_filter(format!("{name} `{text}` is not an RFC 3339 time: {err}")))
}

fn invalid_filter(message: String) -> IpcError {
    IpcError::new("invalid_filter", message)
}

impl From<TargetSummary> for TargetRow {
    fn from(t: TargetSummary) -> Self {
        Self {
            id: t.id,
            url: t.url,
            status: t.status,
            risk_score: t.risk_score,
            domain: t.domain,
            ip: t.ip,
            title: t.title,
            reason: t.reason,
            tags: trawl_core::targets::split_tags(t.tags.as_deref()),
            campaign: t.campaign,
            match_count: t.match_count,
            created_at: t.created_at.to_rfc3339(),
            screenshot_ahash: t.screenshot_ahash,
        }
    }
}

impl From<Page> for TargetPage {
    fn from(page: Page) -> Self {
        Self {
            rows: page.rows.into_iter().map(Into::into).collect(),
            total: page.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(sort: &str) -> TargetQuery {
        TargetQuery {
            offset: 100,
            limit: 50,
            sort: sort.into(),
            descending: true,
            status: Some("FAILED".into()),
            ..TargetQuery::default()
        }
    }

    #[test]
    fn a_known_sort_converts_with_every_field() {
        let page = PageQuery::try_from(TargetQuery {
            risk_min: Some(40),
            tag: Some("kit".into()),
            since: Some("2026-01-02T03:04:05Z".into()),
            pivot_kind: Some("favicon_sha256".into()),
            pivot_value: Some("ab".into()),
            ..query("risk_score")
        })
        .unwrap();

        assert_eq!(page.sort, SortColumn::RiskScore);
        assert_eq!((page.offset, page.limit, page.descending), (100, 50, true));
        assert_eq!(page.status.as_deref(), Some("FAILED"));
        assert_eq!(page.risk_min, Some(40));
        assert_eq!(page.tag.as_deref(), Some("kit"));
        assert_eq!(
            page.since.unwrap().to_rfc3339(),
            "2026-01-02T03:04:05+00:00"
        );
        assert_eq!(page.pivot, Some(("favicon_sha256".into(), "ab".into())));
    }

    #[test]
    fn an_unknown_sort_is_an_invalid_sort_error() {
        let err = PageQuery::try_from(query("capture")).unwrap_err();

        assert_eq!(err.code, "invalid_sort");
        assert!(err.message.contains("capture"), "{}", err.message);
    }

    #[test]
    fn bad_filters_are_invalid_filter_errors() {
        let bad = [
            TargetQuery {
                risk_max: Some(101),
                ..query("id")
            },
            TargetQuery {
                until: Some("yesterday".into()),
                ..query("id")
            },
            TargetQuery {
                pivot_kind: Some("ip".into()),
                ..query("id")
            },
        ];
        for q in bad {
            assert_eq!(PageQuery::try_from(q).unwrap_err().code, "invalid_filter");
        }
    }

    #[test]
    fn filters_left_out_by_an_older_caller_default_to_none() {
        let json = serde_json::json!({
            "offset": 0, "limit": 10, "sort": "id", "descending": false,
            "status": null, "domain": null
        });
        let q: TargetQuery = serde_json::from_value(json).unwrap();

        assert!(q.risk_min.is_none() && q.tag.is_none() && q.pivot_kind.is_none());
    }
}
