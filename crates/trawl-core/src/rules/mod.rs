//! Matching: signatures (analysts' regexes and imported IOK rules), YARA rules, alert rules,
//! retro-hunts and the risk score, run on every capture after it is stored.
//!
//! [`RuleCache`] holds the compiled rules of one handler and rebuilds them when
//! `rules_state.version` changes. [`match_and_store`] gathers a capture's text
//! ([`matcher::MatchInput`]), runs signatures and alert rules, scans the document and assets
//! with YARA (on a blocking thread), scores the risk and stores everything. Database errors
//! go back to the caller (the job retries); a rule that fails to compile is logged and left
//! out, never stopping the others.

pub mod alerts;
pub mod archive;
pub mod brands;
pub mod condition;
pub mod editor;
pub mod editor_store;
pub mod iok;
pub mod matcher;
pub mod retro;
pub mod risk;
pub mod signature;
pub mod store;
pub mod yara;
pub mod yara_store;

use std::sync::{Arc, Mutex};

use serde::Serialize;
pub use sqlx::PgPool;

use crate::blobs::BlobStore;
use crate::capture::Capture;
use matcher::{MatchInput, RuleSet};
use yara::{YaraMatch, YaraRules};

pub use retro::{RETROHUNT_JOB, RetroHuntJob, queue_retrohunt, queue_yara_retrohunt};

/// Signatures, YARA rules and alert rules compiled at one rules version.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The signatures.
    pub signatures: RuleSet,
    /// The YARA rules.
    pub yara: YaraRules,
    /// The alert rules.
    pub alerts: Vec<alerts::AlertRule>,
}

/// The compiled rules of one handler, rebuilt when the stored rules change.
#[derive(Debug, Default)]
pub struct RuleCache {
    current: Mutex<Option<Arc<Compiled>>>,
}

impl RuleCache {
    /// The rules at the database's current version.
    pub async fn get(&self, pool: &PgPool) -> Result<Arc<Compiled>, sqlx::Error> {
        let version = store::version(pool).await?;
        if let Some(c) = self.current.lock().expect("rule cache").as_ref()
            && c.signatures.version == version
        {
            return Ok(c.clone());
        }
        let compiled = Arc::new(load(pool, version).await?);
        *self.current.lock().expect("rule cache") = Some(compiled.clone());
        Ok(compiled)
    }
}

/// Compile every enabled rule, logging the ones that fail.
pub async fn load(pool: &PgPool, version: i64) -> Result<Compiled, sqlx::Error> {
    let (rules, mut errors) = store::compile(&store::list_signatures(pool).await?);
    let (alert_rules, alert_errors) = alerts::compile(&store::list_alert_rules(pool).await?);
    errors.extend(alert_errors);
    let yara_rows = yara_store::list_rules(pool).await?;
    let yara = tokio::task::spawn_blocking(move || YaraRules::compile(&yara_rows))
        .await
        .unwrap_or_else(|e| {
            tracing::error!("YARA compilation crashed: {e}");
            YaraRules::default()
        });
    errors.extend(yara.issues.iter().map(|i| format!("YARA {i}")));
    for e in &errors {
        tracing::warn!("rule left out: {e}");
    }
    tracing::debug!(
        signatures = rules.len(),
        yara = yara.len(),
        alerts = alert_rules.len(),
        version,
        "rules built"
    );
    Ok(Compiled {
        signatures: RuleSet { rules, version },
        yara,
        alerts: alert_rules,
    })
}

/// What matching found on one target.
#[derive(Debug, Clone, Serialize)]
pub struct MatchOutcome {
    /// Names of the signatures that matched.
    pub signatures: Vec<String>,
    /// Names of the YARA rules that matched (each once).
    pub yara: Vec<String>,
    /// Alerts raised (new or already stored).
    pub alerts: usize,
    /// The risk score.
    pub risk: u32,
}

/// Match `capture` (of target `target_id`) and store matches, alerts and risk.
pub async fn match_and_store(
    pool: &PgPool,
    blobs: &BlobStore,
    rules: &Compiled,
    target_id: i64,
    capture: &Capture,
) -> Result<MatchOutcome, sqlx::Error> {
    let input = MatchInput::from_capture(capture, blobs);
    let matches = rules.signatures.run(&input);
    let raised = alerts::run(&rules.alerts, &input);
    let found = scan_yara(&rules.yara, capture, blobs, target_id).await;
    let risk = risk::score(capture, &input, &matches, &found);
    store::store_results(pool, target_id, &matches, &found, &raised, &risk).await?;
    Ok(MatchOutcome {
        signatures: matches.into_iter().map(|m| m.name).collect(),
        yara: yara_names(&found),
        alerts: raised.len(),
        risk: risk.score,
    })
}

/// Scan `capture` with the YARA rules on a blocking thread (nothing when there are none).
pub async fn scan_yara(
    rules: &YaraRules,
    capture: &Capture,
    blobs: &BlobStore,
    target_id: i64,
) -> Vec<YaraMatch> {
    if rules.is_empty() {
        return Vec::new();
    }
    let (rules, capture, blobs) = (rules.clone(), capture.clone(), blobs.clone());
    let scan = move || yara::scan_capture(&rules, &capture, &blobs, target_id);
    tokio::task::spawn_blocking(scan).await.unwrap_or_else(|e| {
        tracing::warn!(target_id, "YARA scan crashed: {e}");
        Vec::new()
    })
}

/// The distinct rule names of `found`, in order of first match.
pub fn yara_names(found: &[YaraMatch]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for m in found {
        if !names.contains(&m.rule) {
            names.push(m.rule.clone());
        }
    }
    names
}

/// The capture record stored for target `id`, when it has a readable one.
pub async fn stored_capture(pool: &PgPool, id: i64) -> Result<Option<Capture>, sqlx::Error> {
    let record: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT capture FROM targets WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .flatten();
    Ok(record.and_then(|r| serde_json::from_value(r).ok()))
}
