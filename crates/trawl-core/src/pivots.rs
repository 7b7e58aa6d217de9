//! Pivots of one target: each fingerprint value it has in the infrastructure graph, and how
//! many other targets share it ("14 other targets share this favicon").
//!
//! Values and kinds come from the graph the link stage writes (`graph_nodes`, `graph_edges`);
//! labels and order from the pivot-kind table in `link::kinds`. Values are returned exactly as
//! stored, so a pivot can be handed back to the target table's `pivot` filter unchanged.
//! Read-only; database errors go to the caller.

use serde::Serialize;
use sqlx::PgPool;

use crate::link::kinds::{self, KINDS};

/// One fingerprint value of a target and the number of other targets sharing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PivotCount {
    /// Pivot kind name (`favicon_sha256`, `ip`, …).
    pub kind: String,
    /// The kind's label for people (`favicon sha256`).
    pub label: String,
    /// The value as stored in the graph.
    pub value: String,
    /// Other targets linked to the same value.
    pub count: i64,
}

/// Each value target `id` is linked to, with the count of other targets sharing it, in the
/// order of the pivot-kind table, then by value. Empty for a target not in the graph.
pub async fn target_pivots(pool: &PgPool, id: i64) -> Result<Vec<PivotCount>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT v.kind, v.value, (SELECT count(*) FROM graph_edges e2 \
           JOIN graph_nodes t2 ON t2.id = e2.from_node AND t2.kind = 'target' \
           WHERE e2.to_node = v.id AND e2.kind = v.kind AND t2.id <> tn.id) \
         FROM graph_nodes tn \
         JOIN graph_edges e ON e.from_node = tn.id \
         JOIN graph_nodes v ON v.id = e.to_node AND v.kind = e.kind \
         WHERE tn.kind = 'target' AND tn.value = $1::text",
    )
    .bind(id.to_string())
    .fetch_all(pool)
    .await?;

    let mut pivots: Vec<PivotCount> = rows
        .into_iter()
        .filter_map(|(kind, value, count)| {
            let def = kinds::kind(&kind)?;
            Some(PivotCount {
                label: def.label.to_string(),
                kind,
                value,
                count,
            })
        })
        .collect();
    pivots.sort_by(|a, b| (rank(&a.kind), &a.value).cmp(&(rank(&b.kind), &b.value)));
    Ok(pivots)
}

/// Position of a kind in the pivot-kind table.
fn rank(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|k| k.name == kind)
        .unwrap_or(KINDS.len())
}
