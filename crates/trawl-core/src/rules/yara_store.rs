//! Storage of YARA rules (`yara_rules`) and of their matches (`yara_matches`).
//!
//! Rules are unique by name: importing a rule again replaces its text. Every change bumps
//! `rules_state.version` in the same transaction, like the other rule kinds, so handlers
//! rebuild their compiled sets. A target's YARA matches are replaced as a whole (or, for a
//! retro-hunt of some rules only, those rules' matches), so a rescan never duplicates them.

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use super::yara::{YaraMatch, YaraRuleRow};

const SELECT_RULES: &str = "SELECT id, name, rule_text, target_field, confidence, enabled, \
    source_file FROM yara_rules ORDER BY id";

const UPSERT_RULE: &str = "INSERT INTO yara_rules (name, rule_text, target_field, confidence, \
    source_file) VALUES ($1, $2, $3, $4, $5) \
    ON CONFLICT (name) DO UPDATE SET rule_text = $2, target_field = $3, confidence = $4, \
      source_file = $5, enabled = true, updated_at = now() \
    RETURNING id, (xmax = 0) AS inserted";

const INSERT_MATCH: &str = "INSERT INTO yara_matches (target_id, asset_id, rule_id, verified, \
    confidence, subject, url, sha256, strings) \
    SELECT $1, (SELECT id FROM assets WHERE target_id = $1 AND url = $3 ORDER BY id LIMIT 1), \
      $2, true, $4, $5, $3, $6, $7 \
    WHERE EXISTS (SELECT 1 FROM yara_rules WHERE id = $2)";

/// A YARA rule to store.
#[derive(Debug, Clone)]
pub struct NewYaraRule<'a> {
    /// Rule name (its YARA identifier).
    pub name: &'a str,
    /// Source text (the rule, with the imports it needs).
    pub text: &'a str,
    /// `html`, `asset` or `any`.
    pub target_field: &'a str,
    /// Confidence of its matches, 0–100.
    pub confidence: i32,
    /// The file it came from.
    pub source_file: Option<&'a str>,
}

/// Whether a stored rule was new or replaced one of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// A new row with this id.
    New(i64),
    /// The row with this id was replaced.
    Replaced(i64),
}

impl Upserted {
    /// The row's id.
    pub fn id(self) -> i64 {
        match self {
            Upserted::New(id) | Upserted::Replaced(id) => id,
        }
    }
}

/// Store `rules` (insert or replace by name) in one transaction with one version bump.
pub async fn upsert_rules(
    pool: &PgPool,
    rules: &[NewYaraRule<'_>],
) -> Result<Vec<Upserted>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(rules.len());
    for rule in rules {
        let (id, inserted): (i64, bool) = sqlx::query_as(UPSERT_RULE)
            .bind(rule.name)
            .bind(rule.text)
            .bind(rule.target_field)
            .bind(rule.confidence.clamp(0, 100))
            .bind(rule.source_file)
            .fetch_one(&mut *tx)
            .await?;
        out.push(match inserted {
            true => Upserted::New(id),
            false => Upserted::Replaced(id),
        });
    }
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Delete a YARA rule (its matches go with it); whether it existed.
pub async fn remove_rule(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("DELETE FROM yara_rules WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(gone)
}

/// Every YARA rule, by id.
pub async fn list_rules(pool: &PgPool) -> Result<Vec<YaraRuleRow>, sqlx::Error> {
    sqlx::query_as(SELECT_RULES).fetch_all(pool).await
}

/// Replace the target's YARA matches (of `only` these rules, or of every rule) with `found`.
pub async fn replace_matches(
    tx: &mut Transaction<'_, Postgres>,
    target_id: i64,
    found: &[YaraMatch],
    only: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    match only {
        None => {
            sqlx::query("DELETE FROM yara_matches WHERE target_id = $1")
                .bind(target_id)
                .execute(&mut **tx)
                .await?
        }
        Some(ids) => {
            sqlx::query("DELETE FROM yara_matches WHERE target_id = $1 AND rule_id = ANY($2)")
                .bind(target_id)
                .bind(ids)
                .execute(&mut **tx)
                .await?
        }
    };
    for m in found {
        sqlx::query(INSERT_MATCH)
            .bind(target_id)
            .bind(m.rule_id)
            .bind(&m.url)
            .bind(m.confidence)
            .bind(m.subject.column())
            .bind(&m.sha256)
            .bind(json!(m.strings))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Names of the YARA rules stored as matching the target (for rescoring after a partial hunt).
pub async fn matched_rule_names(pool: &PgPool, target_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT r.name FROM yara_matches m JOIN yara_rules r ON r.id = m.rule_id \
         WHERE m.target_id = $1 ORDER BY r.name",
    )
    .bind(target_id)
    .fetch_all(pool)
    .await
}

async fn bump(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rules_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
