//! Storing the rules the desktop editors write: listing each kind with its editor text,
//! saving (insert or replace by id) and deleting one rule, trying a text on a stored target,
//! and importing an IOK folder. Texts and their compilation are [`super::editor`]'s.
//!
//! Every change bumps `rules_state.version` in its own transaction, so handlers rebuild their
//! rule sets, then queues a retro-hunt: of the saved rule alone for YARA (as `trawl rules
//! import-yara` does), of every rule otherwise (as `trawl rules add` and `import-iok` do; a
//! deletion also rescores the targets the rule had matched). Nothing is retried; database
//! errors go to the caller.

use std::path::Path;

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use super::editor::{self, Draft, EditorError, TestMatch};
use super::iok::{self, IokRule};
use super::signature::{CompiledRule, Field, iok_confidence};
use super::{queue_retrohunt, queue_yara_retrohunt, store, yara_store};
use crate::analysis_views::{RuleFamily, RuleSummary};
use crate::blobs::BlobStore;
use crate::capture::Capture;

/// Unique-violation SQLSTATE.
const UNIQUE_VIOLATION: &str = "23505";

const LIST_SIGNATURES: &str = "SELECT r.id, r.name, r.pattern AS text, r.target_field, \
    r.rule_format, r.enabled, r.created_at, \
    (SELECT count(*) FROM signature_matches m WHERE m.signature_id = r.id) AS match_count \
    FROM signatures r WHERE ($1::bigint IS NULL OR r.id = $1) ORDER BY r.name, r.id";

const LIST_YARA: &str = "SELECT r.id, r.name, r.rule_text AS text, r.target_field, \
    'yara' AS rule_format, r.enabled, r.created_at, \
    (SELECT count(*) FROM yara_matches m WHERE m.rule_id = r.id) AS match_count \
    FROM yara_rules r WHERE ($1::bigint IS NULL OR r.id = $1) ORDER BY r.name, r.id";

const LIST_ALERTS: &str = "SELECT r.id, r.name, r.pattern AS text, r.target_field, \
    'regex' AS rule_format, r.enabled, r.created_at, \
    (SELECT count(*) FROM alerts a WHERE a.alert_rule_id = r.id) AS match_count \
    FROM alert_rules r WHERE ($1::bigint IS NULL OR r.id = $1) ORDER BY r.name, r.id";

/// Insert and update of a regex signature.
const REGEX_SIGNATURE: (&str, &str) = (
    "INSERT INTO signatures (name, pattern, target_field, source, rule_format) \
     VALUES ($1, $2, $3, 'user', 'regex') RETURNING id",
    "UPDATE signatures SET name = $2, pattern = $3, target_field = $4, rule_format = 'regex', \
     unsupported = '[]'::jsonb, updated_at = now() WHERE id = $1 RETURNING id",
);

/// Insert and update of an alert rule.
const ALERT_RULE: (&str, &str) = (
    "INSERT INTO alert_rules (name, pattern, target_field) VALUES ($1, $2, $3) RETURNING id",
    "UPDATE alert_rules SET name = $2, pattern = $3, target_field = $4, updated_at = now() \
     WHERE id = $1 RETURNING id",
);

const INSERT_IOK_SIGNATURE: &str = "INSERT INTO signatures (name, pattern, target_field, \
    source, rule_format, \"references\", description, confidence, unsupported) \
    VALUES ($1, $2, $3, 'user', 'iok', $4, $5, $6, $7) RETURNING id";

const UPDATE_IOK_SIGNATURE: &str = "UPDATE signatures SET name = $2, pattern = $3, \
    target_field = $4, rule_format = 'iok', \"references\" = $5, description = $6, \
    confidence = $7, unsupported = $8, updated_at = now() WHERE id = $1 RETURNING id";

/// A rule row with its stored text, before it becomes the editor's text.
#[derive(sqlx::FromRow)]
struct StoredRule {
    id: i64,
    name: String,
    text: String,
    target_field: String,
    rule_format: String,
    enabled: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    match_count: i64,
}

impl StoredRule {
    /// The rule as the editor shows it: regex rules as `FIELD: PATTERN`, others as stored.
    fn into_summary(self) -> RuleSummary {
        let source = match self.rule_format.as_str() {
            "regex" => editor::line_source(&self.target_field, &self.text),
            _ => self.text,
        };
        RuleSummary {
            id: self.id,
            name: self.name,
            source,
            enabled: self.enabled,
            created_at: self.created_at,
            match_count: self.match_count,
        }
    }
}

/// A saved rule and the retro-hunt queued for it.
#[derive(Debug, Clone)]
pub struct SavedRule {
    /// The rule as the editor lists it.
    pub rule: RuleSummary,
    /// The retro-hunt job queued after the change.
    pub retrohunt_job: i64,
}

/// What an IOK folder import did.
#[derive(Debug, Clone, Default)]
pub struct IokImportReport {
    /// Rules stored (new or replacing one of the same name).
    pub imported: usize,
    /// Files left out, each with why.
    pub skipped: Vec<String>,
    /// (rule, field) pairs of fields Trawl does not capture; those selections never match.
    pub unsupported: Vec<(String, String)>,
    /// The retro-hunt queued, when anything was imported.
    pub retrohunt_job: Option<i64>,
}

/// Every rule of `family` with its editor text, by name then id.
pub async fn list(pool: &PgPool, family: RuleFamily) -> Result<Vec<RuleSummary>, sqlx::Error> {
    let rows: Vec<StoredRule> = sqlx::query_as(list_sql(family))
        .bind(None::<i64>)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(StoredRule::into_summary).collect())
}

/// One rule of `family` with its editor text.
pub async fn get(
    pool: &PgPool,
    family: RuleFamily,
    id: i64,
) -> Result<Option<RuleSummary>, sqlx::Error> {
    let row: Option<StoredRule> = sqlx::query_as(list_sql(family))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(StoredRule::into_summary))
}

fn list_sql(family: RuleFamily) -> &'static str {
    match family {
        RuleFamily::Signature => LIST_SIGNATURES,
        RuleFamily::Yara => LIST_YARA,
        RuleFamily::Alert => LIST_ALERTS,
    }
}

/// Compile `source` and store it as rule `id` of `family` (a new rule when `id` is `None`)
/// named `name`, then queue its retro-hunt. A text that does not compile is refused with
/// every error ([`EditorError::Invalid`]).
pub async fn save(
    pool: &PgPool,
    family: RuleFamily,
    id: Option<i64>,
    name: &str,
    source: &str,
) -> Result<SavedRule, EditorError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(EditorError::NoName);
    }
    let draft = editor::compile(family, source).map_err(EditorError::Invalid)?;

    let mut tx = pool.begin().await?;
    let written = match (family, &draft) {
        (RuleFamily::Signature, Draft::Iok(rule)) => {
            let rule = IokRule {
                name: name.to_string(),
                ..rule.clone()
            };
            write_iok(&mut tx, id, &rule).await
        }
        (RuleFamily::Signature, Draft::Regex { field, pattern }) => {
            write_pattern(&mut tx, REGEX_SIGNATURE, id, name, field, pattern).await
        }
        (RuleFamily::Alert, Draft::Regex { field, pattern }) => {
            write_pattern(&mut tx, ALERT_RULE, id, name, field, pattern).await
        }
        (RuleFamily::Yara, Draft::Yara { text, .. }) => write_yara(&mut tx, id, name, text).await,
        _ => unreachable!("compile gives each family its own draft"),
    };
    let saved = match written {
        Ok(Some(saved)) => saved,
        Ok(None) => return Err(EditorError::RuleNotFound(id.unwrap_or_default())),
        Err(e) if is_unique_violation(&e) => return Err(EditorError::NameTaken(name.into())),
        Err(e) => return Err(e.into()),
    };
    bump(&mut tx).await?;
    tx.commit().await?;

    let job = match family {
        RuleFamily::Yara => queue_yara_retrohunt(pool, &[saved]).await?,
        _ => queue_retrohunt(pool).await?,
    };
    tracing::info!(
        rule_id = saved,
        job_id = job,
        "rule saved, retro-hunt queued"
    );
    let rule = get(pool, family, saved).await?;
    Ok(SavedRule {
        rule: rule.ok_or(EditorError::RuleNotFound(saved))?,
        retrohunt_job: job,
    })
}

/// Delete rule `id` of `family` (its matches and alerts go with it) and queue a retro-hunt
/// that rescores the stored targets; returns the job's id.
pub async fn delete(pool: &PgPool, family: RuleFamily, id: i64) -> Result<i64, EditorError> {
    let gone = match family {
        RuleFamily::Yara => yara_store::remove_rule(pool, id).await?,
        RuleFamily::Signature => store::remove(pool, id, false).await?,
        RuleFamily::Alert => store::remove(pool, id, true).await?,
    };
    if !gone {
        return Err(EditorError::RuleNotFound(id));
    }
    let job = queue_retrohunt(pool).await?;
    tracing::info!(
        rule_id = id,
        job_id = job,
        "rule deleted, retro-hunt queued"
    );
    Ok(job)
}

/// Compile `source` as a rule of `family` and try it on stored target `target_id`, as
/// matching after a capture would; stores nothing.
pub async fn test_on_target(
    pool: &PgPool,
    blobs: &BlobStore,
    family: RuleFamily,
    source: &str,
    target_id: i64,
) -> Result<Vec<TestMatch>, EditorError> {
    let draft = editor::compile(family, source).map_err(EditorError::Invalid)?;
    let record: Option<Option<serde_json::Value>> =
        sqlx::query_scalar("SELECT capture FROM targets WHERE id = $1")
            .bind(target_id)
            .fetch_optional(pool)
            .await?;
    let record = record.ok_or(EditorError::TargetNotFound(target_id))?;
    let capture: Capture = record
        .and_then(|r| serde_json::from_value(r).ok())
        .ok_or(EditorError::NotCaptured(target_id))?;

    let blobs = blobs.clone();
    let run = move || editor::try_on(family, &draft, &capture, &blobs);
    Ok(tokio::task::spawn_blocking(run).await.unwrap_or_else(|e| {
        tracing::warn!(target_id, "trying a rule crashed: {e}");
        Vec::new()
    }))
}

/// Import every IOK rule file of `dir` as `trawl rules import-iok` does: each file that
/// parses and compiles is stored (replacing an imported rule of the same name), the others
/// are reported, and one retro-hunt is queued when anything was stored.
pub async fn import_iok_dir(pool: &PgPool, dir: &Path) -> Result<IokImportReport, EditorError> {
    let mut report = IokImportReport::default();
    for parsed in iok::read_dir(dir)? {
        let rule = match parsed {
            Ok(rule) => rule,
            Err(e) => {
                report.skipped.push(e.to_string());
                continue;
            }
        };
        let compiled = match CompiledRule::from_iok(0, &rule) {
            Ok(compiled) => compiled,
            Err(e) => {
                report.skipped.push(e.to_string());
                continue;
            }
        };
        store::upsert_iok(pool, &rule, primary_field(&rule)).await?;
        report.imported += 1;
        let fields = compiled.unsupported.into_iter();
        report
            .unsupported
            .extend(fields.map(|f| (rule.name.clone(), f)));
    }
    for skipped in &report.skipped {
        tracing::warn!(dir = %dir.display(), "IOK rule skipped: {skipped}");
    }
    if report.imported > 0 {
        report.retrohunt_job = Some(queue_retrohunt(pool).await?);
    }
    tracing::info!(
        imported = report.imported,
        skipped = report.skipped.len(),
        "IOK rules imported"
    );
    Ok(report)
}

/// The field an IOK rule is filed under: the first field of its tests that Trawl captures,
/// else the document.
pub fn primary_field(rule: &IokRule) -> Field {
    rule.selections
        .values()
        .flat_map(|s| s.alternatives.iter().flatten())
        .find_map(|t| Field::from_iok(&t.field))
        .unwrap_or(Field::Html)
}

async fn write_iok(
    tx: &mut Transaction<'_, Postgres>,
    id: Option<i64>,
    rule: &IokRule,
) -> Result<Option<i64>, sqlx::Error> {
    let unsupported = CompiledRule::from_iok(0, rule)
        .map(|c| c.unsupported)
        .unwrap_or_default();
    let description = match &rule.description {
        Some(d) => format!("{}\n\n{d}", rule.title),
        None => rule.title.clone(),
    };
    let query = match id {
        None => sqlx::query_scalar(INSERT_IOK_SIGNATURE),
        Some(id) => sqlx::query_scalar(UPDATE_IOK_SIGNATURE).bind(id),
    };
    query
        .bind(&rule.name)
        .bind(&rule.text)
        .bind(primary_field(rule).column())
        .bind(json!(rule.references))
        .bind(description)
        .bind(iok_confidence(rule))
        .bind(json!(unsupported))
        .fetch_optional(&mut **tx)
        .await
}

/// Inserts (`id` `None`) or updates a rule stored as name, pattern and field, with the
/// statements of its table (`$1` the id in the update, then name, pattern, field).
async fn write_pattern(
    tx: &mut Transaction<'_, Postgres>,
    (insert, update): (&'static str, &'static str),
    id: Option<i64>,
    name: &str,
    field: &str,
    pattern: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let query = match id {
        None => sqlx::query_scalar(insert),
        Some(id) => sqlx::query_scalar(update).bind(id),
    };
    query
        .bind(name)
        .bind(pattern)
        .bind(field)
        .fetch_optional(&mut **tx)
        .await
}

async fn write_yara(
    tx: &mut Transaction<'_, Postgres>,
    id: Option<i64>,
    name: &str,
    text: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let query = match id {
        None => sqlx::query_scalar(
            "INSERT INTO yara_rules (name, rule_text) VALUES ($1, $2) RETURNING id",
        ),
        Some(id) => sqlx::query_scalar(
            "UPDATE yara_rules SET name = $2, rule_text = $3, updated_at = now() \
             WHERE id = $1 RETURNING id",
        )
        .bind(id),
    };
    query.bind(name).bind(text).fetch_optional(&mut **tx).await
}

async fn bump(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rules_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.code().as_deref() == Some(UNIQUE_VIOLATION))
}
