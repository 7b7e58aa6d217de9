//! Linking and campaigns: the infrastructure graph of every fingerprint value, campaigns built
//! from it by the strength rules, pivots, and exports (DESIGN.md "Linking and campaigns").
//!
//! [`link_target`] runs after a target is stored: it indexes the target in the graph and joins
//! it to a campaign. It is idempotent; a failure is returned to the caller (the capture job
//! logs it and keeps the target, since a later `recluster` rebuilds everything).

pub mod analysis;
pub mod cluster;
pub mod decisions;
pub mod evidence;
pub mod export;
pub mod generic;
pub mod graph;
pub mod kinds;
pub mod memory;
pub mod recluster;
pub mod store;
pub mod views;

use sqlx::PgPool;

pub use cluster::{ClusterSettings, link_target};
pub use decisions::{SplitOutcome, merge, split};
pub use evidence::Evidence;
pub use generic::{GenericValues, mark_generic};
pub use recluster::{ReclusterReport, recluster};

/// Errors of the link stage.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A pivot kind that does not exist.
    #[error("unknown pivot kind {0:?}")]
    UnknownKind(String),
    /// No campaign has this key.
    #[error("no campaign {0:?}")]
    NoCampaign(String),
    /// A target named in a decision is not a member of the campaign.
    #[error("target {target} is not a member of campaign {key:?}")]
    NotMember {
        /// The target id.
        target: i64,
        /// The campaign key.
        key: String,
    },
    /// A split that would move no member, or every member.
    #[error("a split of {0:?} must leave at least one member behind and move at least one")]
    NothingToSplit(String),
    /// A merge of a campaign with itself.
    #[error("cannot merge campaign {0:?} with itself")]
    SameCampaign(String),
    /// No stored target has this id.
    #[error("no target {0}")]
    NoTarget(i64),
}

/// Targets (id, URL) sharing `value` of `kind` (exact values), by id.
pub async fn pivot(
    pool: &PgPool,
    kind: &str,
    value: &str,
) -> Result<Vec<(i64, String)>, LinkError> {
    if kinds::kind(kind).is_none() {
        return Err(LinkError::UnknownKind(kind.to_string()));
    }
    let value = match kind {
        "email" | "asset_sha256" | "favicon_sha256" => value.to_ascii_lowercase(),
        _ => value.to_string(),
    };
    let ids = store::targets_with(pool, kind, &value, 0).await?;
    let mut urls = store::target_urls(pool, &ids).await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| Some((id, urls.remove(&id)?)))
        .collect())
}

/// Pins (or unpins) a target in its campaign so re-clustering never moves it.
pub async fn pin(pool: &PgPool, target_id: i64, pinned: bool) -> Result<bool, LinkError> {
    let done = sqlx::query("UPDATE campaign_members SET pinned = $2 WHERE target_id = $1")
        .bind(target_id)
        .bind(pinned)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
