//! Why a member is in its campaign: the values it shares and the members it shares them with.
//! Lists name at most [`EVIDENCE_PEERS`] members and count the rest, so a member of a kit with
//! thousands of copies carries a bounded record.

use serde::{Deserialize, Serialize};

use super::decisions::DECISION_KIND;

/// Most members an evidence entry names; further ones are counted in [`Evidence::more`].
pub const EVIDENCE_PEERS: usize = 16;

/// One shared value and the members it is shared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Pivot kind name (or `decision` for the analyst's split and merge).
    pub kind: String,
    /// The shared value (for similarity kinds, the distance: `distance 17`; for decisions,
    /// the decision: `merge c-… c-…`).
    pub value: String,
    /// Target ids of members it is shared with (at most [`EVIDENCE_PEERS`], ascending).
    pub with: Vec<i64>,
    /// Further members sharing it, not named.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Evidence {
    /// Members it is shared with, named or not.
    pub fn count(&self) -> usize {
        self.with.len() + self.more
    }

    /// "shares favicon sha256 90cdaf487716… with 3 members".
    pub fn describe(&self) -> String {
        let n = self.count();
        let members = if n == 1 { "member" } else { "members" };
        if self.kind == DECISION_KIND {
            return format!(
                "kept together by the analyst ({}) with {n} {members}",
                self.value
            );
        }
        let label = super::kinds::kind(&self.kind).map_or(self.kind.as_str(), |k| k.label);
        let value: String = self.value.chars().take(16).collect();
        let more = if self.value.chars().count() > 16 {
            "…"
        } else {
            ""
        };
        format!("shares {label} {value}{more} with {n} {members}")
    }
}

/// Adds `with` to the entry for (`kind`, `value`), creating it; past [`EVIDENCE_PEERS`] names
/// the member is only counted.
pub fn push_evidence(list: &mut Vec<Evidence>, kind: &str, value: &str, with: i64) {
    match list.iter_mut().find(|e| e.kind == kind && e.value == value) {
        Some(e) if e.with.contains(&with) => {}
        Some(e) if e.with.len() >= EVIDENCE_PEERS => e.more += 1,
        Some(e) => {
            e.with.push(with);
            e.with.sort_unstable();
        }
        None => list.push(Evidence {
            kind: kind.to_string(),
            value: value.to_string(),
            with: vec![with],
            more: 0,
        }),
    }
}

/// Counts `n` more members sharing (`kind`, `value`) without naming them, on an existing entry.
pub fn count_unnamed(list: &mut [Evidence], kind: &str, value: &str, n: usize) {
    if let Some(e) = list.iter_mut().find(|e| e.kind == kind && e.value == value) {
        e.more += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_reads_as_a_sentence() {
        let e = Evidence {
            kind: "favicon_sha256".into(),
            value: "90cdaf487716184e4034000935c605d1".into(),
            with: vec![1, 2, 3],
            more: 0,
        };
        assert_eq!(
            e.describe(),
            "shares favicon sha256 90cdaf487716184e… with 3 members"
        );
        let d = Evidence {
            kind: DECISION_KIND.into(),
            value: "merge c-1 c-2".into(),
            with: vec![4],
            more: 2,
        };
        assert_eq!(
            d.describe(),
            "kept together by the analyst (merge c-1 c-2) with 3 members"
        );
    }

    #[test]
    fn evidence_merges_by_value_and_stays_bounded() {
        let mut list = Vec::new();
        push_evidence(&mut list, "ip", "1", 5);
        push_evidence(&mut list, "ip", "1", 3);
        push_evidence(&mut list, "ip", "1", 3);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].with, [3, 5]);
        for id in 100..200 {
            push_evidence(&mut list, "ip", "1", id);
        }
        assert_eq!(list[0].with.len(), EVIDENCE_PEERS);
        assert_eq!(list[0].count(), 102);
    }
}
