//! IPC types of the Targets view: a page request, and a page of summary rows.
//!
//! Sorting, filtering and paging happen in Postgres (`trawl_core::targets::page`); the sort
//! name is checked against the engine's whitelist, and an unknown one is an `invalid_sort`
//! error. The detail of one target crosses as the engine's JSON object unchanged (see
//! `commands::target_detail`).

use serde::{Deserialize, Serialize};
use trawl_core::targets::{Page, PageQuery, SortColumn, TargetSummary};
use ts_rs::TS;

use crate::ipc_types::IpcError;

/// Which rows of the target table to show.
#[derive(Deserialize, TS, Clone, Debug)]
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
        Ok(PageQuery {
            offset: query.offset,
            limit: query.limit,
            sort,
            descending: query.descending,
            status: query.status,
            domain: query.domain,
        })
    }
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
            domain: None,
        }
    }

    #[test]
    fn a_known_sort_converts_with_every_field() {
        let page = PageQuery::try_from(query("risk_score")).unwrap();

        assert_eq!(page.sort, SortColumn::RiskScore);
        assert_eq!((page.offset, page.limit, page.descending), (100, 50, true));
        assert_eq!(page.status.as_deref(), Some("FAILED"));
    }

    #[test]
    fn an_unknown_sort_is_an_invalid_sort_error() {
        let err = PageQuery::try_from(query("capture")).unwrap_err();

        assert_eq!(err.code, "invalid_sort");
        assert!(err.message.contains("capture"), "{}", err.message);
    }
}
