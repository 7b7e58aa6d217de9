//! Unit tests of the phone finder: layouts found, look-alikes rejected, script and `tel:` rules.

use super::*;

/// Values found in visible text, without a hint.
fn phones(text: &str) -> Vec<String> {
    find_phones(text, PhoneMode::Text, None)
        .into_iter()
        .map(|f| f.value)
        .collect()
}

#[test]
fn finds_common_layouts() {
    assert_eq!(phones("Call 1-888-555-0100 now"), ["+18885550100"]);
    assert_eq!(phones("UK: +44 20 7946 0958."), ["+442079460958"]);
    assert_eq!(phones("(800) 555-0199"), ["+18005550199"]);
    assert_eq!(phones("call us on 0800 123 4567, Monday"), ["08001234567"]);
    assert_eq!(phones("+44 (0)20 7946 0958"), ["+442079460958"]);
    assert_eq!(
        phones("US & CA +1 833 292 1232. UK +44 33 3303 4501"),
        ["+18332921232", "+443333034501"]
    );
    assert_eq!(phones("to help.+1-888-776-6999"), ["+18887766999"]);
    assert_eq!(
        phones("Questions? Call 000-800-919-1694"),
        ["0008009191694"]
    );
    assert_eq!(phones("212.555.0100"), ["+12125550100"]);
}

#[test]
fn keeps_the_span_and_flags_fiction() {
    let found = find_phones("Tel 1-888-555-0100 today", PhoneMode::Text, None);
    assert_eq!((found[0].start, found[0].end), (4, 18));
    assert!(found[0].placeholder);
    assert_eq!(found[0].detail.as_deref(), Some("e164"));
    assert!(!find_phones("+1 833 292 1232", PhoneMode::Text, None)[0].placeholder);
}

#[test]
fn splits_numbers_from_neighbouring_digits() {
    assert_eq!(
        phones("Call 1-800-223-4567 24 hours a day"),
        ["+18002234567"]
    );
    assert_eq!(phones("+44 20 7946 0958 24 hours"), ["+442079460958"]);
    // Exchange 123 is not NANP: the label keeps the digits, without the trailing 24.
    assert_eq!(
        phones("Call 1-800-123-4567 24 hours a day"),
        ["18001234567"]
    );
    assert_eq!(phones("ref 12345 800-555-0199"), ["+18005550199"]);
}

#[test]
fn rejects_numbers_that_are_not_phones() {
    for text in [
        "version 1.2.3.4",
        "v2.10.1",
        "build 10.100.200.1000",
        "server 192.168.100.200",
        "on 2023-01-15 and 15.01.2023 or 01/02/2023",
        "id a1b2c3d4e5f6 7a8b9c0d1e2f",
        "hash 5d41402abc4b2a76b9719d911017c592",
        "margin: 0 0 10px 20px; width: 1280px",
        "price $1 234 567 or €800-555-0199",
        "at 12:30:45, ts 1700000000123",
        "order 18005550199 shipped",
        "ids 800-555-0199-22 and sku-212-555-0100",
        "0000 000 000",
        "uuid 12345678-1234-1234-1234-123456789012",
        "total 1 234 567 units",
        "IBAN DE89 3704 0044 0532 0130 00",
        "card 0123 4567 8901 2345",
    ] {
        assert_eq!(phones(text), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn labels_and_tel_links_allow_unformatted_numbers() {
    assert_eq!(phones("Phone: 18005550199"), ["+18005550199"]);
    assert_eq!(phones("Tel: 02079460958"), ["02079460958"]);
    let tel = find_phones("+1-888-776-6999", PhoneMode::Tel, None);
    assert_eq!(tel[0].value, "+18887766999");
    let bare = find_phones("4930901820", PhoneMode::Tel, None);
    assert_eq!(bare[0].value, "4930901820");
    assert_eq!(bare[0].detail.as_deref(), Some("national"));
}

#[test]
fn scripts_only_yield_plus_numbers_with_separators() {
    let script = "window.number = n ? n : '+1800-969-5405'; var a = 18009695405; \
                  x = '212-555-0100'; y = '+18009695405'; href='tel:+1-888-776-6999'";
    let found: Vec<String> = find_phones(script, PhoneMode::Script, None)
        .into_iter()
        .map(|f| f.value)
        .collect();
    assert_eq!(found, ["+18009695405", "+18887766999"]);
}

#[test]
fn country_hint_converts_trunk_numbers() {
    let gb = dialing::region("GB");
    let found = find_phones("call 0800 111 4567", PhoneMode::Text, gb);
    assert_eq!(found[0].value, "+448001114567");
    assert_eq!(found[0].detail.as_deref(), Some("e164"));
}
