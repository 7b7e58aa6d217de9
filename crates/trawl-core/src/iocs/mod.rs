//! IOCs the analyst marks: values worth sharing (URLs, domains, IPs, e-mails, file hashes,
//! wallets, phones), each with the target it came from, a note and a source, and their exports
//! as CSV, STIX 2.1 bundles and MISP events (DESIGN.md "The rest of the product").
//!
//! The module owns the `iocs` table: marking (a free value, or the stored values of a target),
//! listing, unmarking, and reading rows back in a fixed order for the exporters. Kinds form a
//! closed set and every value is validated and normalised before it is stored ([`kind`]), so an
//! IOC is the same row however it was typed. Marking a (kind, value) that is already marked is
//! not an error: the existing IOC keeps its id and takes the new note.
//!
//! An IOC keeps a copy of its target's URL and domain: when the target is deleted the row only
//! loses the link (`target_id` becomes NULL) and its exports still say where it was seen.
//! Errors are [`IocError`]; nothing is retried (every operation is one short transaction).

pub mod csv;
pub mod export;
pub mod kind;
pub mod misp;
pub mod stix;
pub mod store;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha1::{Digest, Sha1};
use uuid::Uuid;

pub use export::{ExportFormat, export};
pub use kind::{InvalidValue, IocKind, UnknownKind, wallet_chain};
pub use store::{
    FROM_TARGET_DEFAULT, IocFilter, MarkOutcome, MarkRequest, ioc_by_id, list, mark,
    mark_from_target, unmark,
};

/// The default source of an IOC: marked by a person.
pub const ANALYST: &str = "analyst";

/// One stored IOC.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Ioc {
    /// Row id.
    pub id: i64,
    /// What the value is (a name of [`IocKind`]).
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// The target it was marked from, while that target exists.
    pub target_id: Option<i64>,
    /// The target's URL when the IOC was marked from one.
    pub url: Option<String>,
    /// The target's domain when the IOC was marked from one.
    pub domain: Option<String>,
    /// Who or what marked it (`analyst` unless said otherwise).
    pub source: Option<String>,
    /// The analyst's note.
    pub note: Option<String>,
    /// When it was first marked.
    pub created_at: DateTime<Utc>,
}

impl Ioc {
    /// The kind, when the stored name is one of [`IocKind`] (rows written by other tools may
    /// hold anything).
    pub fn kind(&self) -> Option<IocKind> {
        IocKind::parse(&self.kind).ok()
    }

    /// The IOC's stable identifier: a UUID (version 5) of its kind and value, the same in every
    /// export and every database.
    pub fn uuid(&self) -> Uuid {
        ioc_uuid(&self.kind, &self.value)
    }
}

/// Errors of marking, listing and exporting IOCs.
#[derive(Debug, thiserror::Error)]
pub enum IocError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A kind outside the closed set.
    #[error(transparent)]
    UnknownKind(#[from] UnknownKind),
    /// A value that does not fit its kind.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// No stored target has this id.
    #[error("no target {0}")]
    NoTarget(i64),
    /// No IOC has this id.
    #[error("no IOC {0}")]
    NoIoc(i64),
    /// Writing an export failed.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// The namespace of every UUID Trawl derives for IOCs (fixed forever: changing it would change
/// every exported id).
pub const UUID_NAMESPACE: Uuid = Uuid::from_u128(0x28c99197_c929_4bc6_afae_f254da877f0f);

/// UUID version 5 (RFC 9562: SHA-1 of the namespace and the name) of `name`.
pub fn uuid_v5(namespace: &Uuid, name: &[u8]) -> Uuid {
    let mut hash = Sha1::new();
    hash.update(namespace.as_bytes());
    hash.update(name);
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// The stable UUID of the IOC (`kind`, `value`): version 5 of `kind:value` under
/// [`UUID_NAMESPACE`].
pub fn ioc_uuid(kind: &str, value: &str) -> Uuid {
    uuid_v5(&UUID_NAMESPACE, format!("{kind}:{value}").as_bytes())
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// IOCs written.
    pub written: usize,
    /// IOCs left out because the format has no way to express their kind.
    pub skipped: usize,
}

/// A timestamp as exports write it: RFC 3339, UTC, milliseconds (`2026-01-02T03:04:05.678Z`).
pub fn export_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_the_rfc_construction() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")
        let dns = Uuid::from_u128(0x6ba7b810_9dad_11d1_80b4_00c04fd430c8);
        assert_eq!(
            uuid_v5(&dns, b"www.example.com").to_string(),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        );
    }

    #[test]
    fn ioc_ids_are_stable_and_distinct() {
        let a = ioc_uuid("domain", "evil.test");
        assert_eq!(a, ioc_uuid("domain", "evil.test"));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, ioc_uuid("url", "evil.test"));
        assert_ne!(a, ioc_uuid("domain", "evil.test2"));
        // Pinned: a change of namespace or name layout would silently re-key every export.
        assert_eq!(a.to_string(), "55fe5d62-6967-521e-9fe2-b9e17ea67b9a");
    }

    #[test]
    fn export_times_are_utc_milliseconds() {
        let t = DateTime::parse_from_rfc3339("2026-03-04T05:06:07.891234+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(export_time(&t), "2026-03-04T03:06:07.891Z");
    }
}
