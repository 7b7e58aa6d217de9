//! IOCs as one MISP event (the MISP core JSON format), ready for "Add event from JSON" or the
//! REST API: `{"Event": {info, date, threat_level_id, analysis, distribution, Attribute: […]}}`.
//!
//! Each IOC becomes one attribute with MISP's type and category for its kind:
//!
//! | IOC kind | MISP type | category | to_ids |
//! | --- | --- | --- | --- |
//! | url | `url` | Network activity | yes |
//! | domain | `domain` | Network activity | yes |
//! | ip | `ip-dst` | Network activity | yes |
//! | email | `email-src` | Payload delivery | yes |
//! | md5, sha1, sha256 | `md5`, `sha1`, `sha256` | Payload delivery | yes |
//! | wallet, Bitcoin or Monero (checksum verified) | `btc`, `xmr` | Financial fraud | yes |
//! | wallet, other chains or unrecognised | `text` | Financial fraud | no |
//! | phone | `phone-number` | Financial fraud | no |
//! | anything else | `text` | Other | no |
//!
//! The attribute's `comment` carries the note and the page it was seen on; its `uuid` is the
//! IOC's stable UUID, so importing a re-export updates attributes instead of adding copies. The
//! event's date is the day of the newest IOC and its uuid is derived from the attribute uuids;
//! both are written after the attributes, which stream one at a time.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::{Ioc, IocKind, UUID_NAMESPACE, uuid_v5, wallet_chain};

/// MISP's type, category and IDS flag for an IOC.
pub fn attribute_type(ioc: &Ioc) -> (&'static str, &'static str, bool) {
    const NET: &str = "Network activity";
    const PAYLOAD: &str = "Payload delivery";
    const FRAUD: &str = "Financial fraud";
    match ioc.kind() {
        Some(IocKind::Url) => ("url", NET, true),
        Some(IocKind::Domain) => ("domain", NET, true),
        Some(IocKind::Ip) => ("ip-dst", NET, true),
        Some(IocKind::Email) => ("email-src", PAYLOAD, true),
        Some(IocKind::Md5) => ("md5", PAYLOAD, true),
        Some(IocKind::Sha1) => ("sha1", PAYLOAD, true),
        Some(IocKind::Sha256) => ("sha256", PAYLOAD, true),
        Some(IocKind::Wallet) => match wallet_chain(&ioc.value).as_deref() {
            Some("btc") => ("btc", FRAUD, true),
            Some("xmr") => ("xmr", FRAUD, true),
            _ => ("text", FRAUD, false),
        },
        Some(IocKind::Phone) => ("phone-number", FRAUD, false),
        None => ("text", "Other", false),
    }
}

/// The attribute's comment: the note, the wallet's chain when it is exported as text, and
/// where the IOC was seen.
fn comment(ioc: &Ioc, misp_type: &str) -> String {
    let mut parts = Vec::new();
    if let Some(note) = &ioc.note {
        parts.push(note.clone());
    }
    if ioc.kind() == Some(IocKind::Wallet) && misp_type == "text" {
        match wallet_chain(&ioc.value) {
            Some(chain) => parts.push(format!("{chain} wallet")),
            None => parts.push("wallet".to_string()),
        }
    } else if ioc.kind().is_none() {
        parts.push(format!("{} (kind)", ioc.kind));
    }
    match (&ioc.url, &ioc.domain) {
        (Some(url), _) => parts.push(format!("seen at {url}")),
        (None, Some(domain)) => parts.push(format!("seen on {domain}")),
        (None, None) => {}
    }
    parts.join("; ")
}

/// The MISP attribute of an IOC.
pub fn attribute(ioc: &Ioc) -> Value {
    let (misp_type, category, to_ids) = attribute_type(ioc);
    json!({
        "uuid": ioc.uuid().to_string(),
        "type": misp_type,
        "category": category,
        "value": ioc.value,
        "to_ids": to_ids,
        "comment": comment(ioc, misp_type),
        "timestamp": ioc.created_at.timestamp().to_string(),
    })
}

/// The event-level fields.
#[derive(Debug, Clone)]
pub struct EventInfo {
    /// The event's title.
    pub info: String,
    /// 1 high, 2 medium, 3 low, 4 undefined.
    pub threat_level_id: u8,
    /// 0 initial, 1 ongoing, 2 completed.
    pub analysis: u8,
    /// 0 your organisation only … 3 all communities.
    pub distribution: u8,
    /// The event date when there are no IOCs.
    pub now: DateTime<Utc>,
}

impl Default for EventInfo {
    /// "Trawl: analyst-marked IOCs", medium threat, analysis completed, shared with the
    /// analyst's organisation only (widen it in MISP when publishing).
    fn default() -> EventInfo {
        EventInfo {
            info: "Trawl: analyst-marked IOCs".into(),
            threat_level_id: 2,
            analysis: 2,
            distribution: 0,
            now: Utc::now(),
        }
    }
}

/// Writes one MISP event, one attribute per line.
pub struct MispWriter<W: Write> {
    out: W,
    event: EventInfo,
    uuids: Sha1,
    newest: Option<DateTime<Utc>>,
    written: usize,
}

impl<W: Write> MispWriter<W> {
    /// Starts the event.
    pub fn new(mut out: W, event: EventInfo) -> io::Result<MispWriter<W>> {
        out.write_all(b"{\"Event\":{\"Attribute\":[")?;
        Ok(MispWriter {
            out,
            event,
            uuids: Sha1::new(),
            newest: None,
            written: 0,
        })
    }

    /// Writes the attribute of one IOC.
    pub fn push(&mut self, ioc: &Ioc) -> io::Result<()> {
        if self.written > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, &attribute(ioc))?;
        self.uuids.update(ioc.uuid().as_bytes());
        self.newest = self.newest.max(Some(ioc.created_at));
        self.written += 1;
        Ok(())
    }

    /// Ends the event with its fields and flushes; returns the number of attributes.
    pub fn finish(mut self) -> io::Result<usize> {
        let digest = self.uuids.finalize();
        let uuid = uuid_v5(
            &UUID_NAMESPACE,
            &[b"misp-event:".as_slice(), &digest].concat(),
        );
        let date = self.newest.unwrap_or(self.event.now).format("%Y-%m-%d");
        let fields = json!({
            "info": self.event.info,
            "date": date.to_string(),
            "threat_level_id": self.event.threat_level_id.to_string(),
            "analysis": self.event.analysis.to_string(),
            "distribution": self.event.distribution.to_string(),
            "published": false,
            "uuid": uuid.to_string(),
        });
        // The fields object without its braces, after the attribute list.
        let text = serde_json::to_string(&fields)?;
        write!(self.out, "\n],{}}}\n", &text[1..])?;
        self.out.flush()?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn ioc(kind: &str, value: &str) -> Ioc {
        Ioc {
            id: 1,
            kind: kind.into(),
            value: value.into(),
            target_id: None,
            url: None,
            domain: Some("a.test".into()),
            source: Some("analyst".into()),
            note: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    #[test]
    fn types_and_categories_per_kind() {
        let cases = [
            ("url", "http://a.test/", ("url", "Network activity", true)),
            ("domain", "a.test", ("domain", "Network activity", true)),
            ("ip", "192.0.2.1", ("ip-dst", "Network activity", true)),
            ("email", "x@a.test", ("email-src", "Payload delivery", true)),
            ("md5", &"a".repeat(32), ("md5", "Payload delivery", true)),
            ("sha1", &"a".repeat(40), ("sha1", "Payload delivery", true)),
            (
                "sha256",
                &"a".repeat(64),
                ("sha256", "Payload delivery", true),
            ),
            (
                "wallet",
                "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
                ("btc", "Financial fraud", true),
            ),
            (
                "wallet",
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                ("btc", "Financial fraud", true),
            ),
            (
                "wallet",
                &"Z".repeat(30),
                ("text", "Financial fraud", false),
            ),
            (
                "phone",
                "+18005550199",
                ("phone-number", "Financial fraud", false),
            ),
            ("favicon", "-123", ("text", "Other", false)),
        ];
        for (kind, value, want) in cases {
            assert_eq!(attribute_type(&ioc(kind, value)), want, "{kind} {value}");
        }
    }

    #[test]
    fn attributes_carry_note_context_and_stable_uuid() {
        let mut i = ioc("domain", "evil.test");
        i.note = Some("kit, \"A\"".into());
        i.url = Some("http://evil.test/login".into());
        let a = attribute(&i);
        assert_eq!(a["uuid"], "55fe5d62-6967-521e-9fe2-b9e17ea67b9a");
        assert_eq!(a["comment"], "kit, \"A\"; seen at http://evil.test/login");
        assert_eq!(a["value"], "evil.test");
        assert_eq!(a["timestamp"], i.created_at.timestamp().to_string());
        let w = ioc("wallet", &"Z".repeat(30));
        assert_eq!(attribute(&w)["comment"], "wallet; seen on a.test");
    }

    #[test]
    fn events_parse_with_their_fields() {
        let mut buf = Vec::new();
        let event = EventInfo {
            now: Utc.with_ymd_and_hms(2030, 5, 6, 0, 0, 0).unwrap(),
            ..EventInfo::default()
        };
        let mut w = MispWriter::new(&mut buf, event.clone()).unwrap();
        w.push(&ioc("url", "http://a.test/")).unwrap();
        let mut newer = ioc("ip", "192.0.2.1");
        newer.created_at = Utc.with_ymd_and_hms(2026, 2, 3, 23, 0, 0).unwrap();
        w.push(&newer).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let v: Value = serde_json::from_slice(&buf).unwrap();
        let e = &v["Event"];
        assert_eq!(e["date"], "2026-02-03", "the newest IOC's day");
        assert_eq!(e["threat_level_id"], "2");
        assert_eq!(e["analysis"], "2");
        assert_eq!(e["distribution"], "0");
        assert_eq!(e["info"], "Trawl: analyst-marked IOCs");
        assert_eq!(e["Attribute"].as_array().unwrap().len(), 2);
        assert_eq!(e["Attribute"][1]["type"], "ip-dst");

        let mut empty = Vec::new();
        MispWriter::new(&mut empty, event)
            .unwrap()
            .finish()
            .unwrap();
        let v: Value = serde_json::from_slice(&empty).unwrap();
        assert_eq!(v["Event"]["date"], "2030-05-06");
        assert_eq!(v["Event"]["Attribute"], json!([]));
        assert_ne!(v["Event"]["uuid"], e["uuid"]);
    }
}
