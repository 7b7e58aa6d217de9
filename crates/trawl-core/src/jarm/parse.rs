//! Reading a server's answer to one JARM probe into the reference's
//! `cipher|version|alpn|extensions` string.
//!
//! The reference reads fixed offsets of the first bytes the server sent (at most 1484, one
//! read) without validating lengths, and its answers on malformed input are part of the
//! fingerprint. This module reproduces them: slices past the end are short rather than
//! errors (Python slicing), a missing byte where the reference indexes one fails the whole
//! probe (`|||`) or only its extension part (`cipher|version||`) exactly where the reference
//! does. Nothing here panics on hostile input.

/// The result of a probe that got no usable ServerHello.
pub const FAILED: &str = "|||";

/// The probe result for `data`, the first read of the server's answer (`None`: the
/// connection failed before anything was read).
pub fn probe_result(data: Option<&[u8]>) -> String {
    data.and_then(server_hello)
        .unwrap_or_else(|| FAILED.to_owned())
}

/// `cipher|version|alpn|extensions` of a ServerHello record, `None` when the reference
/// answers `|||` (an alert, not a ServerHello, or too short to read).
fn server_hello(data: &[u8]) -> Option<String> {
    // An alert, or anything that is not a handshake record holding a ServerHello.
    if *data.first()? == 21 || *data.first()? != 22 || *data.get(5)? != 2 {
        return None;
    }
    // `int.from_bytes` in the reference: no bytes read as zero.
    let record_len = be_number(slice(data, 3, 5)).unwrap_or(0);
    let session_len = usize::from(*data.get(43)?);
    let cipher = hex::encode(slice(data, session_len + 44, session_len + 46));
    let version = hex::encode(slice(data, 9, 11));
    let extensions = extension_info(data, session_len, record_len)?;
    Some(format!("{cipher}|{version}|{extensions}"))
}

/// `alpn|types` of the ServerHello's extensions; `|` where the reference gives up on them,
/// `None` where the reference fails the whole probe.
fn extension_info(data: &[u8], counter: usize, record_len: usize) -> Option<String> {
    const NO_EXTENSIONS: &str = "|";
    let Some(&after_cipher) = data.get(counter + 47) else {
        return Some(NO_EXTENSIONS.to_owned());
    };
    // A Certificate message right after the ServerHello, or the reference's two known
    // error patterns.
    if after_cipher == 11
        || slice(data, counter + 50, counter + 53) == b"\x0e\xac\x0b"
        || slice(data, 82, 85) == b"\x0f\xf0\x0b"
        || counter + 42 >= record_len
    {
        return Some(NO_EXTENSIONS.to_owned());
    }

    let mut at = counter + 49;
    let length = be_number(slice(data, counter + 47, counter + 49))?;
    let end = (length + at).saturating_sub(1);
    let mut types: Vec<&[u8]> = Vec::new();
    // `None`: a zero-length extension, which the reference stores as a `str`, not bytes.
    let mut values: Vec<Option<&[u8]>> = Vec::new();
    while at < end {
        types.push(slice(data, at, at + 2));
        let ext_len = be_number(slice(data, at + 2, at + 4))?;
        values.push((ext_len > 0).then(|| slice(data, at + 4, at + 4 + ext_len)));
        at += ext_len + 4;
    }

    let alpn = match types.iter().position(|t| *t == b"\x00\x10") {
        // The reference fails the probe on a zero-length or non-UTF-8 ALPN value.
        Some(i) => {
            let value = values[i]?;
            std::str::from_utf8(value.get(3..).unwrap_or_default())
                .ok()?
                .to_owned()
        }
        None => String::new(),
    };
    let types: Vec<String> = types.iter().map(hex::encode).collect();
    Some(format!("{alpn}|{}", types.join("-")))
}

/// `data[start:end]` with Python's semantics: clipped to the data, empty when out of range.
fn slice(data: &[u8], start: usize, end: usize) -> &[u8] {
    let end = end.min(data.len());
    data.get(start.min(end)..end).unwrap_or_default()
}

/// A big-endian number of 1 or 2 bytes; `None` for no bytes (where Python's
/// `int('', 16)` raises and the reference fails the probe).
fn be_number(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [] => None,
        _ => Some(bytes.iter().fold(0, |n, b| n << 8 | usize::from(*b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ServerHello record: TLS 1.2, a 32-byte session id, suite `c030`, with `extensions`
    /// (type, value) pairs.
    fn server_hello_record(extensions: &[(u16, &[u8])]) -> Vec<u8> {
        let mut ext = Vec::new();
        for (kind, value) in extensions {
            ext.extend(kind.to_be_bytes());
            ext.extend((value.len() as u16).to_be_bytes());
            ext.extend(*value);
        }
        let mut body = vec![0x03, 0x03];
        body.extend([7; 32]);
        body.push(32);
        body.extend([9; 32]);
        body.extend([0xc0, 0x30, 0x00]);
        body.extend((ext.len() as u16).to_be_bytes());
        body.extend(ext);
        let mut handshake = vec![0x02, 0x00];
        handshake.extend((body.len() as u16).to_be_bytes());
        handshake.extend(body);
        let mut record = vec![0x16, 0x03, 0x03];
        record.extend((handshake.len() as u16).to_be_bytes());
        record.extend(handshake);
        record
    }

    #[test]
    fn a_server_hello_gives_cipher_version_alpn_and_extension_types() {
        let record = server_hello_record(&[
            (0xff01, b"\x00"),
            (0x0010, b"\x00\x03\x02h2"),
            (0x000b, b"\x03\x00\x01\x02"),
            (0x0017, b""),
        ]);
        assert_eq!(
            probe_result(Some(&record)),
            "c030|0303|h2|ff01-0010-000b-0017"
        );
    }

    #[test]
    fn no_answer_an_alert_or_garbage_is_a_failed_probe() {
        assert_eq!(probe_result(None), FAILED);
        assert_eq!(probe_result(Some(b"")), FAILED);
        assert_eq!(probe_result(Some(b"\x15\x03\x03\x00\x02\x02\x28")), FAILED);
        assert_eq!(probe_result(Some(b"HTTP/1.1 400 Bad Request\r\n")), FAILED);
        // A ServerHello cut before the session id length.
        assert_eq!(probe_result(Some(&server_hello_record(&[])[..40])), FAILED);
    }

    #[test]
    fn a_server_hello_without_extensions_keeps_cipher_and_version() {
        let mut record = server_hello_record(&[]);
        // Drop the empty extensions block, as a server without extensions sends it.
        record.truncate(record.len() - 2);
        let len = (record.len() - 5) as u16;
        record[3..5].copy_from_slice(&len.to_be_bytes());
        record[6..9].copy_from_slice(&[0, 0, (len - 4) as u8]);
        assert_eq!(probe_result(Some(&record)), "c030|0303||");
    }

    #[test]
    fn a_certificate_right_after_the_hello_means_no_extension_part() {
        let mut record = server_hello_record(&[(0xff01, b"\x00")]);
        let at = 32 + 47;
        record[at] = 11;
        assert_eq!(probe_result(Some(&record)), "c030|0303||");
    }

    #[test]
    fn an_empty_or_binary_alpn_fails_the_probe_as_the_reference_does() {
        let empty = server_hello_record(&[(0x0010, b"")]);
        assert_eq!(probe_result(Some(&empty)), FAILED);
        let binary = server_hello_record(&[(0x0010, b"\x00\x03\x02\xff\xfe")]);
        assert_eq!(probe_result(Some(&binary)), FAILED);
    }

    #[test]
    fn an_extension_list_running_past_the_read_is_clipped_not_a_panic() {
        let record = server_hello_record(&[(0xff01, b"\x00"), (0x0023, b"")]);
        let cut = &record[..record.len() - 3];
        // The second extension's length is missing: the reference fails the probe.
        assert_eq!(probe_result(Some(cut)), FAILED);
        let cut = &record[..record.len() - 1];
        assert_eq!(probe_result(Some(cut)), "c030|0303||ff01-0023");
    }
}
