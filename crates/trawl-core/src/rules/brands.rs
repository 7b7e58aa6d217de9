//! Brand and domain signals for the risk score: the brands looked for, the registered domain
//! (approximated without a public-suffix list), brand names in a page that its domain does not
//! carry, and host names that imitate a brand (punycode, digits for letters, one typo, the
//! brand as one word of a longer domain, or the brand in a subdomain of someone else's
//! domain).
//!
//! Everything here is a heuristic on lower-cased text, local and deterministic; false
//! positives are bounded by matching whole words only and by typo checks on long brand names.

/// Brands looked for in titles, pages and host names (lower case).
pub const BRANDS: &[&str] = &[
    "paypal",
    "apple",
    "icloud",
    "microsoft",
    "office 365",
    "outlook",
    "netflix",
    "amazon",
    "facebook",
    "instagram",
    "google",
    "gmail",
    "dropbox",
    "chase",
    "dhl",
    "linkedin",
    "yahoo",
    "adobe",
    "docusign",
    "wells fargo",
    "american express",
    "amex",
    "steam",
    "twitter",
    "coinbase",
    "binance",
    "metamask",
    "spotify",
    "ebay",
    "vk",
];

/// Shortest brand name (without spaces) checked for one-character typos in host names.
const TYPO_MIN_LEN: usize = 6;

/// The host's registrable part, approximated without a public-suffix list: the last two
/// labels, three when the second-level label is short and the top level is a country code
/// (`example.co.uk`).
pub fn registered_domain(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let take = match n {
        0..=2 => n,
        _ if labels[n - 2].len() <= 3 && labels[n - 1].len() == 2 => 3,
        _ => 2,
    };
    labels[n - take..].join(".")
}

fn compact(brand: &str) -> String {
    brand.replace(' ', "")
}

/// Whether `word` occurs in `text` with no letter or digit either side.
pub fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Whether the registered domain carries `brand` (so the page may be the brand's own).
fn domain_carries(registered: &str, brand: &str) -> bool {
    registered.replace(['-', '.'], "").contains(&compact(brand))
}

/// A brand the title names that the registered domain does not carry.
pub fn title_brand(title: &str, registered: &str) -> Option<&'static str> {
    BRANDS
        .iter()
        .find(|b| contains_word(title, b) && !domain_carries(registered, b))
        .copied()
}

/// The brand the page text names most often (at least `min` times) that the registered
/// domain does not carry, with its count.
pub fn content_brand(text: &str, registered: &str, min: usize) -> Option<(&'static str, usize)> {
    BRANDS
        .iter()
        .filter(|b| !domain_carries(registered, b))
        .map(|b| (*b, count_words(text, b)))
        .filter(|(_, n)| *n >= min)
        .max_by_key(|(_, n)| *n)
}

fn count_words(text: &str, word: &str) -> usize {
    text.match_indices(word)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .count()
}

/// Why `host` looks like an imitation of a brand, if it does.
pub fn lookalike(host: &str) -> Option<String> {
    if host.split('.').any(|l| l.starts_with("xn--")) {
        return Some(format!("punycode host {host}"));
    }
    let registered = registered_domain(host);
    let owner = registered.split('.').next().unwrap_or_default();
    let owner_words: Vec<&str> = owner.split(['-', '_']).collect();
    let subdomains: Vec<&str> = match host.strip_suffix(registered.as_str()) {
        Some(rest) if !rest.is_empty() => rest.trim_end_matches('.').split('.').collect(),
        _ => Vec::new(),
    };
    let labels: Vec<&str> = subdomains.iter().copied().chain([owner]).collect();
    for brand in BRANDS.iter().map(|b| compact(b)) {
        let spelled = |l: &&str| undigit(l).contains(&brand) && !l.contains(&brand);
        if brand.len() > 3 && labels.iter().any(spelled) {
            return Some(format!("{host} spells {brand} with digits"));
        }
        if owner_words.len() > 1 && owner_words.contains(&brand.as_str()) {
            return Some(format!("{host} puts {brand} in a longer domain name"));
        }
        if !owner.contains(&brand) && subdomains.iter().any(|l| is_brand_word(l, &brand)) {
            return Some(format!(
                "{host} puts {brand} in a subdomain of {registered}"
            ));
        }
        let words = labels.iter().flat_map(|l| l.split(['-', '_']));
        if brand.len() >= TYPO_MIN_LEN && words.clone().any(|w| one_edit(w, &brand)) {
            return Some(format!("{host} misspells {brand}"));
        }
    }
    None
}

/// `label` is the brand, or the brand as one `-`-separated word of it.
fn is_brand_word(label: &str, brand: &str) -> bool {
    label == brand || label.split('-').any(|w| w == brand)
}

/// Digits commonly used for letters, replaced by those letters.
fn undigit(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '3' => 'e',
            '5' => 's',
            _ => c,
        })
        .collect()
}

/// `a` and `b` differ by exactly one insertion, deletion, substitution or swap of neighbours.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let suffix = ra
        .iter()
        .rev()
        .zip(rb.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&ra[..ra.len() - suffix], &rb[..rb.len() - suffix]);
    let swap = ma.len() == 2 && mb.len() == 2 && ma[0] == mb[1] && ma[1] == mb[0];
    (ma.len() <= 1 && mb.len() <= 1) || swap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domains_keep_short_second_levels() {
        assert_eq!(registered_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(registered_domain("login.example.com"), "example.com");
        assert_eq!(registered_domain("localhost"), "localhost");
    }

    #[test]
    fn lookalikes_are_named_with_their_reason() {
        let cases = [
            ("xn--pypal-4ve.com", Some("punycode")),
            ("www.paypa1.com", Some("with digits")),
            ("paypal-login-verify.com", Some("longer domain")),
            ("paypal.com.secure-check.net", Some("subdomain")),
            ("login.netflx.com", Some("misspells netflix")),
            ("www.paypal.com", None),
            ("www.amazonaws.com", None),
            ("apply.example.com", None),
            ("accounts.g.cdcde.com", None),
        ];
        for (host, want) in cases {
            let got = lookalike(host);
            match want {
                Some(part) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(part)),
                    "{host}: {got:?}"
                ),
                None => assert_eq!(got, None, "{host}"),
            }
        }
    }

    #[test]
    fn brands_in_titles_and_text_count_only_when_the_domain_lacks_them() {
        assert_eq!(
            title_brand("paypal: log in", "example.test"),
            Some("paypal")
        );
        assert_eq!(title_brand("paypal: log in", "paypal.com"), None);
        assert_eq!(title_brand("apples and pears", "example.test"), None);
        let text = "sign in to dropbox. dropbox keeps files. google";
        assert_eq!(content_brand(text, "a.test", 2), Some(("dropbox", 2)));
        assert_eq!(content_brand(text, "dropbox.com", 2), None);
    }

    #[test]
    fn one_edit_covers_typos_but_not_equal_or_distant_words() {
        assert!(one_edit("netflx", "netflix"));
        assert!(one_edit("googel", "google"));
        assert!(one_edit("paypall", "paypal"));
        assert!(!one_edit("paypal", "paypal"));
        assert!(!one_edit("pypl", "paypal"));
    }
}
