//! Telephone numbering facts the phone extractor relies on: which country calling codes are
//! assigned (ITU-T E.164 list, so `+` numbers can be checked), the North American Numbering Plan
//! shape, ranges reserved for fiction, and the national dialling rules used with a country hint.
//!
//! This is deliberately a small table, not libphonenumber: it validates the country code and the
//! overall length, and for NANP the area code and exchange, nothing per carrier or per region.

/// Two-digit country calling codes in use.
const TWO_DIGIT: &[u8] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Three-digit country calling codes in use, as inclusive ranges.
const THREE_DIGIT: &[(u16, u16)] = &[
    (211, 213),
    (216, 216),
    (218, 218),
    (220, 258),
    (260, 269),
    (290, 291),
    (297, 299),
    (350, 359),
    (370, 378),
    (380, 383),
    (385, 387),
    (389, 389),
    (420, 421),
    (423, 423),
    (500, 509),
    (590, 599),
    (670, 670),
    (672, 692),
    (800, 800),
    (808, 808),
    (850, 850),
    (852, 853),
    (855, 856),
    (870, 870),
    (880, 883),
    (886, 886),
    (888, 888),
    (960, 968),
    (970, 977),
    (979, 979),
    (992, 996),
    (998, 998),
];

/// National significant number lengths (inclusive) of frequently seen countries; other codes
/// only get the overall E.164 limit of 15 digits.
const NSN_LENGTHS: &[(&str, usize, usize)] = &[
    ("1", 10, 10),
    ("7", 10, 10),
    ("20", 8, 10),
    ("27", 9, 9),
    ("30", 10, 10),
    ("31", 9, 9),
    ("32", 8, 9),
    ("33", 9, 9),
    ("34", 9, 9),
    ("36", 8, 9),
    ("39", 6, 11),
    ("40", 9, 9),
    ("41", 9, 9),
    ("43", 4, 13),
    ("44", 9, 10),
    ("45", 8, 8),
    ("46", 7, 10),
    ("47", 8, 8),
    ("48", 9, 9),
    ("49", 6, 13),
    ("52", 10, 10),
    ("55", 10, 11),
    ("60", 8, 10),
    ("61", 9, 9),
    ("62", 8, 12),
    ("63", 8, 10),
    ("64", 8, 10),
    ("65", 8, 8),
    ("81", 9, 10),
    ("84", 9, 10),
    ("86", 10, 11),
    ("90", 10, 10),
    ("91", 10, 10),
    ("92", 9, 10),
    ("234", 8, 10),
    ("351", 9, 9),
    ("353", 7, 9),
    ("380", 9, 9),
    ("420", 9, 9),
    ("966", 9, 9),
    ("971", 8, 9),
    ("972", 8, 9),
];

/// Whether a national significant number of `len` digits fits the country `cc`.
pub(crate) fn nsn_len_ok(cc: &str, len: usize) -> bool {
    match NSN_LENGTHS.iter().find(|(code, _, _)| *code == cc) {
        Some(&(_, min, max)) => (min..=max).contains(&len),
        None => len >= 4 && cc.len() + len <= 15,
    }
}

/// Length of the country calling code at the start of `digits` (the digits after `+`), if the
/// code is assigned. Calling codes are prefix-free, so at most one length matches.
pub(crate) fn country_code_len(digits: &str) -> Option<usize> {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u16>().ok());
    if matches!(digits.as_bytes().first(), Some(b'1' | b'7')) {
        return Some(1);
    }
    if prefix(2).is_some_and(|p| TWO_DIGIT.contains(&(p as u8))) {
        return Some(2);
    }
    let three = prefix(3)?;
    THREE_DIGIT
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&three))
        .then_some(3)
}

/// Whether ten digits form a plausible NANP number: area code and exchange start with 2-9, the
/// area code is not an N11 service code and its middle digit is not the reserved 9.
pub(crate) fn is_nanp(ten: &str) -> bool {
    let b = ten.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let area_ok = b[0] >= b'2' && b[1] != b'9' && !(b[1] == b'1' && b[2] == b'1');
    let exchange_ok = b[3] >= b'2' && !(b[4] == b'1' && b[5] == b'1');
    area_ok && exchange_ok
}

/// Whether a NANP number (ten digits) is toll-free (800, 833, 844, 855, 866, 877, 888).
pub(crate) fn is_nanp_toll_free(ten: &str) -> bool {
    matches!(
        ten.get(..3),
        Some("800" | "833" | "844" | "855" | "866" | "877" | "888")
    )
}

/// Whether an E.164 number lies in a range reserved for fiction: NANP 555-0100..0199 and
/// Ofcom's drama ranges for London (020 7946 0xxx) and mobiles (07700 900xxx).
pub(crate) fn is_fictional(e164: &str) -> bool {
    let nanp_fiction = e164.len() == 12
        && e164.starts_with("+1")
        && e164.get(5..8) == Some("555")
        && e164.get(8..10) == Some("01");
    let uk_fiction = ["+442079460", "+447700900"]
        .iter()
        .any(|p| e164.starts_with(p) && e164.len() == 13);
    nanp_fiction || uk_fiction
}

/// National dialling rules for a country hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    /// Country calling code, digits only.
    pub calling_code: &'static str,
    /// Whether national numbers are written with a leading trunk `0` that E.164 drops.
    pub trunk_zero: bool,
}

/// The regions a country hint can name (ISO 3166-1 alpha-2, any case).
pub(crate) fn region(iso: &str) -> Option<Region> {
    let (calling_code, trunk_zero) = match iso.to_ascii_uppercase().as_str() {
        "US" | "CA" => ("1", false),
        "GB" | "UK" => ("44", true),
        "IE" => ("353", true),
        "DE" => ("49", true),
        "AT" => ("43", true),
        "CH" => ("41", true),
        "FR" => ("33", true),
        "NL" => ("31", true),
        "BE" => ("32", true),
        "SE" => ("46", true),
        "AU" => ("61", true),
        "NZ" => ("64", true),
        "IN" => ("91", true),
        "ZA" => ("27", true),
        "JP" => ("81", true),
        _ => return None,
    };
    Some(Region {
        calling_code,
        trunk_zero,
    })
}

/// Converts a national number (digits as dialled inside the country) to E.164 under `region`.
/// Numbers starting with `00` are international access codes and are never converted.
pub(crate) fn national_to_e164(digits: &str, region: Region) -> Option<String> {
    if digits.starts_with("00") {
        return None;
    }
    let nsn = if region.trunk_zero {
        digits.strip_prefix('0')?
    } else {
        digits
    };
    let fits = nsn_len_ok(region.calling_code, nsn.len());
    let nanp_ok = region.calling_code != "1" || is_nanp(nsn);
    (fits && nanp_ok).then(|| format!("+{}{}", region.calling_code, nsn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes() {
        assert_eq!(country_code_len("18005550100"), Some(1));
        assert_eq!(country_code_len("442079460958"), Some(2));
        assert_eq!(country_code_len("353123456789"), Some(3));
        // 28x and 425 are spare codes.
        assert_eq!(country_code_len("281234567"), None);
        assert_eq!(country_code_len("42512345"), None);
    }

    #[test]
    fn national_number_lengths() {
        assert!(nsn_len_ok("44", 10));
        assert!(!nsn_len_ok("44", 12));
        assert!(nsn_len_ok("995", 9));
        assert!(!nsn_len_ok("995", 13));
    }

    #[test]
    fn nanp_shape() {
        assert!(is_nanp("8332921232"));
        assert!(!is_nanp("1234567890"));
        assert!(!is_nanp("9111234567"));
        assert!(!is_nanp("2120551234"));
        assert!(is_nanp_toll_free("8889695405"));
        assert!(!is_nanp_toll_free("2125550100"));
    }

    #[test]
    fn fictional_ranges() {
        assert!(is_fictional("+18885550100"));
        assert!(!is_fictional("+18885551234"));
        assert!(is_fictional("+442079460958"));
        assert!(!is_fictional("+442079461958"));
    }

    #[test]
    fn hint_conversion() {
        let gb = region("gb").unwrap();
        assert_eq!(
            national_to_e164("08001114567", gb).as_deref(),
            Some("+448001114567")
        );
        assert_eq!(
            national_to_e164("0008009191694", region("IN").unwrap()),
            None
        );
        assert_eq!(national_to_e164("8001114567", gb), None);
        assert!(region("XX").is_none());
    }
}
