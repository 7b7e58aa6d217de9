//! IOCs as a STIX 2.1 bundle: one `identity` for Trawl as the producer, then one `indicator` per
//! IOC whose kind STIX can express.
//!
//! Each indicator has a STIX pattern for its kind (`[url:value = '…']`, `[domain-name:value =
//! '…']`, `[ipv4-addr:value = '…']` or `ipv6-addr`, `[email-addr:value = '…']`,
//! `[file:hashes.MD5 = '…']`, `[file:hashes.'SHA-1' = '…']`, `[file:hashes.'SHA-256' = '…']`),
//! with `'` and `\` escaped inside the quoted string. Its id is `indicator--` and the IOC's
//! stable UUID ([`super::ioc_uuid`]), so a re-export carries the same ids and consumers update
//! rather than duplicate. `created`, `modified` and `valid_from` are the time the IOC was marked.
//! The note and the page it was seen on go in `description`; the page's URL and domain also in
//! the custom properties `x_trawl_url` and `x_trawl_domain`.
//!
//! Wallet addresses and phone numbers are skipped: STIX 2.1 defines no cyber-observable object
//! for either, and a pattern on a custom object type would not be understood by consumers. The
//! export reports how many IOCs it skipped. The bundle id is derived from the indicator ids it
//! holds, so the same IOCs give the same bundle; it is written after the objects.

use std::io::{self, Write};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use uuid::Uuid;

use super::{Ioc, IocKind, UUID_NAMESPACE, export_time, uuid_v5};

/// The producer's name in the `identity` object.
pub const PRODUCER: &str = "Trawl";

/// The fixed creation time of the producer identity (so its object never changes).
const IDENTITY_TIME: &str = "2026-01-01T00:00:00.000Z";

/// The producer identity's id.
pub fn identity_id() -> String {
    format!("identity--{}", uuid_v5(&UUID_NAMESPACE, b"identity:trawl"))
}

/// `text` escaped for a single-quoted STIX pattern string (`\` then `'`).
pub fn escape_pattern_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

/// The STIX pattern of an IOC, or `None` for kinds STIX has no object for.
pub fn pattern(kind: IocKind, value: &str) -> Option<String> {
    let path = match kind {
        IocKind::Url => "url:value",
        IocKind::Domain => "domain-name:value",
        IocKind::Ip if value.contains(':') => "ipv6-addr:value",
        IocKind::Ip => "ipv4-addr:value",
        IocKind::Email => "email-addr:value",
        IocKind::Md5 => "file:hashes.MD5",
        IocKind::Sha1 => "file:hashes.'SHA-1'",
        IocKind::Sha256 => "file:hashes.'SHA-256'",
        IocKind::Wallet | IocKind::Phone => return None,
    };
    Some(format!("[{path} = '{}']", escape_pattern_string(value)))
}

/// The `identity` object naming Trawl as the producer.
pub fn identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(),
        "created": IDENTITY_TIME,
        "modified": IDENTITY_TIME,
        "name": PRODUCER,
        "identity_class": "system",
    })
}

/// The `indicator` object of an IOC, or `None` when its kind has no STIX pattern.
pub fn indicator(ioc: &Ioc) -> Option<Value> {
    let pattern = pattern(ioc.kind()?, &ioc.value)?;
    let time = export_time(&ioc.created_at);
    let mut description = Vec::new();
    if let Some(note) = &ioc.note {
        description.push(note.clone());
    }
    match (&ioc.url, &ioc.domain) {
        (Some(url), _) => description.push(format!("Seen at {url}")),
        (None, Some(domain)) => description.push(format!("Seen on {domain}")),
        (None, None) => {}
    }
    let mut labels = vec![format!("trawl-{}", ioc.kind)];
    if let Some(source) = &ioc.source {
        labels.push(format!("source-{source}"));
    }
    let mut object = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", ioc.uuid()),
        "created_by_ref": identity_id(),
        "created": time,
        "modified": time,
        "name": format!("{} {}", ioc.kind, ioc.value),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": time,
        "labels": labels,
    });
    let map = object.as_object_mut().expect("a JSON object");
    if !description.is_empty() {
        map.insert("description".into(), description.join("\n").into());
    }
    if let Some(url) = &ioc.url {
        map.insert("x_trawl_url".into(), url.clone().into());
    }
    if let Some(domain) = &ioc.domain {
        map.insert("x_trawl_domain".into(), domain.clone().into());
    }
    Some(object)
}

/// Writes a STIX 2.1 bundle, one object per line.
pub struct StixWriter<W: Write> {
    out: W,
    ids: Sha1,
    written: usize,
    skipped: usize,
}

impl<W: Write> StixWriter<W> {
    /// Starts the bundle: writes its opening and the producer identity.
    pub fn new(mut out: W) -> io::Result<StixWriter<W>> {
        out.write_all(b"{\"type\":\"bundle\",\"objects\":[\n")?;
        serde_json::to_writer(&mut out, &identity())?;
        Ok(StixWriter {
            out,
            ids: Sha1::new(),
            written: 0,
            skipped: 0,
        })
    }

    /// Writes the indicator of one IOC; returns false when its kind was skipped.
    pub fn push(&mut self, ioc: &Ioc) -> io::Result<bool> {
        let Some(object) = indicator(ioc) else {
            self.skipped += 1;
            return Ok(false);
        };
        self.ids.update(ioc.uuid().as_bytes());
        self.out.write_all(b",\n")?;
        serde_json::to_writer(&mut self.out, &object)?;
        self.written += 1;
        Ok(true)
    }

    /// Ends the bundle (its id goes last) and flushes; returns (written, skipped).
    pub fn finish(mut self) -> io::Result<(usize, usize)> {
        let digest = self.ids.finalize();
        let bundle: Uuid = uuid_v5(&UUID_NAMESPACE, &[b"bundle:".as_slice(), &digest].concat());
        write!(self.out, "\n],\"id\":\"bundle--{bundle}\"}}\n")?;
        self.out.flush()?;
        Ok((self.written, self.skipped))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn ioc(kind: &str, value: &str) -> Ioc {
        Ioc {
            id: 1,
            kind: kind.into(),
            value: value.into(),
            target_id: Some(3),
            url: Some("http://login.a.test/x".into()),
            domain: Some("login.a.test".into()),
            source: Some("analyst".into()),
            note: Some("kit \"A\"".into()),
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    #[test]
    fn patterns_per_kind() {
        let cases = [
            (
                IocKind::Url,
                "http://a.test/",
                "[url:value = 'http://a.test/']",
            ),
            (IocKind::Domain, "a.test", "[domain-name:value = 'a.test']"),
            (IocKind::Ip, "192.0.2.1", "[ipv4-addr:value = '192.0.2.1']"),
            (
                IocKind::Ip,
                "2001:db8::1",
                "[ipv6-addr:value = '2001:db8::1']",
            ),
            (
                IocKind::Email,
                "x@a.test",
                "[email-addr:value = 'x@a.test']",
            ),
            (IocKind::Md5, "ab", "[file:hashes.MD5 = 'ab']"),
            (IocKind::Sha1, "ab", "[file:hashes.'SHA-1' = 'ab']"),
            (IocKind::Sha256, "ab", "[file:hashes.'SHA-256' = 'ab']"),
        ];
        for (kind, value, want) in cases {
            assert_eq!(pattern(kind, value).as_deref(), Some(want), "{kind}");
        }
        assert_eq!(
            pattern(IocKind::Wallet, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
            None
        );
        assert_eq!(pattern(IocKind::Phone, "+18005550199"), None);
    }

    #[test]
    fn pattern_strings_escape_quotes_and_backslashes() {
        assert_eq!(escape_pattern_string(r"a'b\c"), r"a\'b\\c");
        assert_eq!(
            pattern(IocKind::Url, r"http://a.test/it's\here").unwrap(),
            r"[url:value = 'http://a.test/it\'s\\here']"
        );
        // A backslash before a quote is escaped on its own, so the quote stays escaped.
        assert_eq!(escape_pattern_string(r"\'"), r"\\\'");
    }

    #[test]
    fn indicators_are_deterministic_and_complete() {
        let a = indicator(&ioc("domain", "evil.test")).unwrap();
        let mut again = ioc("domain", "evil.test");
        again.id = 99;
        assert_eq!(
            a,
            indicator(&again).unwrap(),
            "the row id must not change the object"
        );
        assert_eq!(a["id"], "indicator--55fe5d62-6967-521e-9fe2-b9e17ea67b9a");
        assert_eq!(a["type"], "indicator");
        assert_eq!(a["spec_version"], "2.1");
        assert_eq!(a["pattern_type"], "stix");
        assert_eq!(a["pattern"], "[domain-name:value = 'evil.test']");
        assert_eq!(a["created"], "2026-01-02T03:04:05.000Z");
        assert_eq!(a["modified"], a["created"]);
        assert_eq!(a["valid_from"], a["created"]);
        assert_eq!(a["created_by_ref"], identity_id());
        assert_eq!(a["description"], "kit \"A\"\nSeen at http://login.a.test/x");
        assert_eq!(a["x_trawl_domain"], "login.a.test");
        assert_eq!(a["labels"], json!(["trawl-domain", "source-analyst"]));
        assert!(indicator(&ioc("wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")).is_none());
        assert!(
            indicator(&ioc("favicon", "x")).is_none(),
            "unknown kinds are skipped"
        );
    }

    #[test]
    fn bundles_parse_and_count_skips() {
        let render = |iocs: &[Ioc]| {
            let mut buf = Vec::new();
            let mut w = StixWriter::new(&mut buf).unwrap();
            for i in iocs {
                w.push(i).unwrap();
            }
            let counts = w.finish().unwrap();
            (serde_json::from_slice::<Value>(&buf).unwrap(), counts)
        };
        let iocs = [ioc("url", "http://a.test/"), ioc("phone", "+18005550199")];
        let (bundle, counts) = render(&iocs);
        assert_eq!(counts, (1, 1));
        assert_eq!(bundle["type"], "bundle");
        let objects = bundle["objects"].as_array().unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0]["type"], "identity");
        assert_eq!(objects[1]["pattern"], "[url:value = 'http://a.test/']");
        let id = bundle["id"].as_str().unwrap();
        assert!(id.starts_with("bundle--"), "{id}");
        assert_eq!(render(&iocs).0["id"], id, "same IOCs, same bundle id");
        assert_ne!(render(&iocs[..0]).0["id"], id);
    }
}
