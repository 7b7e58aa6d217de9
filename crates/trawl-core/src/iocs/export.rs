//! Exporting IOCs: reads the matching rows in a fixed order (kind, value, id) as a stream and
//! hands each to the writer of the chosen format, so memory stays bounded by one row whatever
//! the number of IOCs. The formats themselves live in [`super::csv`], [`super::stix`] and
//! [`super::misp`].

use std::io::Write;

use futures::TryStreamExt;
use sqlx::PgPool;

use super::csv::CsvWriter;
use super::misp::{EventInfo, MispWriter};
use super::stix::StixWriter;
use super::store::{IocFilter, stream};
use super::{ExportSummary, IocError};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with a header row (see [`super::csv`]).
    Csv,
    /// A STIX 2.1 bundle (see [`super::stix`]).
    Stix,
    /// A MISP event (see [`super::misp`]).
    Misp,
}

impl ExportFormat {
    /// The format named `csv`, `stix` or `misp`.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "stix" | "stix2" | "stix2.1" => Some(ExportFormat::Stix),
            "misp" => Some(ExportFormat::Misp),
            _ => None,
        }
    }
}

/// Writes the IOCs matching `filter` (its limit ignored) to `out` in `format`, with `event`
/// giving the MISP event's fields. Returns how many were written and skipped; on an error the
/// output holds a partial document and should be discarded.
pub async fn export(
    pool: &PgPool,
    filter: &IocFilter,
    format: ExportFormat,
    event: EventInfo,
    out: &mut dyn Write,
) -> Result<ExportSummary, IocError> {
    let mut rows = stream(pool, filter);
    let summary = match format {
        ExportFormat::Csv => {
            let mut w = CsvWriter::new(&mut *out)?;
            let mut written = 0;
            while let Some(ioc) = rows.try_next().await? {
                w.push(&ioc)?;
                written += 1;
            }
            w.finish()?;
            ExportSummary {
                written,
                skipped: 0,
            }
        }
        ExportFormat::Stix => {
            let mut w = StixWriter::new(&mut *out)?;
            while let Some(ioc) = rows.try_next().await? {
                w.push(&ioc)?;
            }
            let (written, skipped) = w.finish()?;
            ExportSummary { written, skipped }
        }
        ExportFormat::Misp => {
            let mut w = MispWriter::new(&mut *out, event)?;
            while let Some(ioc) = rows.try_next().await? {
                w.push(&ioc)?;
            }
            ExportSummary {
                written: w.finish()?,
                skipped: 0,
            }
        }
    };
    tracing::info!(
        ?format,
        written = summary.written,
        skipped = summary.skipped,
        "IOCs exported"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        assert_eq!(ExportFormat::parse("CSV"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("stix"), Some(ExportFormat::Stix));
        assert_eq!(ExportFormat::parse("misp"), Some(ExportFormat::Misp));
        assert_eq!(ExportFormat::parse("json"), None);
    }
}
