//! Rule storage: signatures (analysts' regexes and imported IOK rules), alert rules, the
//! rules version counter, and the per-target results (matches, alerts, risk). YARA rules
//! are stored by [`super::yara_store`].
//!
//! Every rule change bumps `rules_state.version` in the same transaction, so handlers know
//! when to rebuild their compiled set. Match results of a target are replaced as a whole;
//! alerts are only ever added (one per target and alert rule).

use serde::Serialize;
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use super::iok::IokRule;
use super::risk::Risk;
use super::signature::{CompiledRule, Field, RuleMatch, iok_confidence};
use super::yara::YaraMatch;

/// A signature row as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignatureRow {
    pub id: i64,
    pub name: String,
    pub pattern: String,
    pub target_field: String,
    pub source: String,
    pub rule_format: String,
    pub confidence: i32,
    pub enabled: bool,
    pub unsupported: serde_json::Value,
}

/// An alert rule row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AlertRuleRow {
    pub id: i64,
    pub name: String,
    pub pattern: String,
    pub target_field: String,
    pub enabled: bool,
}

async fn bump(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rules_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The current rules version.
pub async fn version(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM rules_state WHERE id = 1")
        .fetch_one(pool)
        .await
}

/// Insert or replace (by name) an IOK rule; returns its id.
pub async fn upsert_iok(pool: &PgPool, rule: &IokRule, field: Field) -> Result<i64, sqlx::Error> {
    let unsupported: Vec<&String> = rule
        .selections
        .values()
        .flat_map(|s| s.alternatives.iter().flatten())
        .map(|t| &t.field)
        .filter(|f| Field::from_iok(f).is_none())
        .collect();
    let description = match &rule.description {
        Some(d) => format!("{}\n\n{d}", rule.title),
        None => rule.title.clone(),
    };
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar(
        "INSERT INTO signatures (name, pattern, target_field, source, rule_format, \
           \"references\", description, confidence, unsupported) \
         VALUES ($1, $2, $3, 'iok', 'iok', $4, $5, $6, $7) \
         ON CONFLICT (source, name) DO UPDATE SET pattern = $2, target_field = $3, \
           \"references\" = $4, description = $5, confidence = $6, unsupported = $7, \
           updated_at = now() RETURNING id",
    )
    .bind(&rule.name)
    .bind(&rule.text)
    .bind(field.column())
    .bind(json!(rule.references))
    .bind(description)
    .bind(iok_confidence(rule))
    .bind(json!(unsupported))
    .fetch_one(&mut *tx)
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Add an analyst's regex signature; returns its id.
pub async fn add_signature(
    pool: &PgPool,
    name: &str,
    field: &str,
    pattern: &str,
    confidence: i32,
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar(
        "INSERT INTO signatures (name, pattern, target_field, confidence) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (source, name) DO UPDATE SET pattern = $2, target_field = $3, \
           confidence = $4, updated_at = now() RETURNING id",
    )
    .bind(name)
    .bind(pattern)
    .bind(field)
    .bind(confidence)
    .fetch_one(&mut *tx)
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Add an alert rule; returns its id.
pub async fn add_alert_rule(
    pool: &PgPool,
    name: &str,
    field: &str,
    pattern: &str,
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar(
        "INSERT INTO alert_rules (name, pattern, target_field) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(pattern)
    .bind(field)
    .fetch_one(&mut *tx)
    .await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// Delete a signature (`alert = false`) or an alert rule by id; whether it existed.
pub async fn remove(pool: &PgPool, id: i64, alert: bool) -> Result<bool, sqlx::Error> {
    let sql = match alert {
        true => "DELETE FROM alert_rules WHERE id = $1",
        false => "DELETE FROM signatures WHERE id = $1",
    };
    let mut tx = pool.begin().await?;
    let gone = sqlx::query(sql)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    bump(&mut tx).await?;
    tx.commit().await?;
    Ok(gone)
}

/// Every signature, by id.
pub async fn list_signatures(pool: &PgPool) -> Result<Vec<SignatureRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, pattern, target_field, source, rule_format, confidence, enabled, \
           unsupported FROM signatures ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Every alert rule, by id.
pub async fn list_alert_rules(pool: &PgPool) -> Result<Vec<AlertRuleRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, pattern, target_field, enabled FROM alert_rules ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Compile every enabled signature; rules that fail to compile are returned as messages.
pub fn compile(rows: &[SignatureRow]) -> (Vec<CompiledRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for row in rows.iter().filter(|r| r.enabled) {
        let compiled = match row.rule_format.as_str() {
            "iok" => super::iok::parse(&row.name, &row.pattern)
                .map_err(|e| e.to_string())
                .and_then(|r| CompiledRule::from_iok(row.id, &r).map_err(|e| e.to_string())),
            _ => CompiledRule::from_regex(
                row.id,
                &row.name,
                &row.target_field,
                &row.pattern,
                row.confidence,
            )
            .map_err(|e| e.to_string()),
        };
        match compiled {
            Ok(rule) => rules.push(rule),
            Err(e) => errors.push(e),
        }
    }
    (rules, errors)
}

/// Holds the target's row until `tx` ends, so that two writers of one target's matches (a
/// capture and a retro-hunt, or two hunts) replace them one after the other instead of
/// interleaving their deletes and inserts.
pub async fn lock_results(
    tx: &mut Transaction<'_, Postgres>,
    target_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM targets WHERE id = $1 FOR NO KEY UPDATE")
        .bind(target_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replace the target's signature and YARA matches, insert new alerts, store the risk.
pub async fn store_results(
    pool: &PgPool,
    target_id: i64,
    matches: &[RuleMatch],
    yara: &[YaraMatch],
    alerts: &[(i64, String)],
    risk: &Risk,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    lock_results(&mut tx, target_id).await?;
    sqlx::query("DELETE FROM signature_matches WHERE target_id = $1")
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    for m in matches {
        sqlx::query(
            "INSERT INTO signature_matches (target_id, signature_id, verified, confidence, \
               evidence) SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
               (SELECT 1 FROM signatures WHERE id = $2)",
        )
        .bind(target_id)
        .bind(m.signature_id)
        .bind(m.verified)
        .bind(m.confidence)
        .bind(json!(m.evidence))
        .execute(&mut *tx)
        .await?;
    }
    super::yara_store::replace_matches(&mut tx, target_id, yara, None).await?;
    for (rule_id, message) in alerts {
        sqlx::query(
            "INSERT INTO alerts (target_id, kind, message, alert_rule_id) \
             SELECT $1, 'alert_rule', $3, $2 WHERE EXISTS (SELECT 1 FROM alert_rules WHERE id = $2) \
             ON CONFLICT (target_id, alert_rule_id) DO NOTHING",
        )
        .bind(target_id)
        .bind(rule_id)
        .bind(message)
        .execute(&mut *tx)
        .await?;
    }
    store_risk(&mut tx, target_id, risk).await?;
    tx.commit().await
}

/// Store the target's risk score and factors.
pub async fn store_risk(
    tx: &mut Transaction<'_, Postgres>,
    target_id: i64,
    risk: &Risk,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE targets SET risk_score = $2, risk_factors = $3 WHERE id = $1")
        .bind(target_id)
        .bind(risk.score as i32)
        .bind(json!(risk.factors))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
