//! The risk score: 0–100, the capped sum of the weights of the factors a capture shows, each
//! factor kept with its evidence so the analyst sees why.
//!
//! [`FACTORS`] is the one table of factors and weights. Detection is heuristic and local (no
//! public-suffix list: the registered domain is approximated by the host's last two labels,
//! three when the second-level label is short like `co.uk`).

use serde::Serialize;

use super::matcher::MatchInput;
use super::signature::RuleMatch;
use crate::capture::{Capture, HopKind};

/// A factor's definition.
#[derive(Debug, Clone, Copy)]
pub struct FactorDef {
    /// Stable name stored with the score.
    pub name: &'static str,
    /// Points it adds.
    pub weight: u32,
    /// What it means.
    pub description: &'static str,
}

/// Every factor and its weight. The score is `min(100, sum of present factors)`.
pub const FACTORS: &[FactorDef] = &[
    FactorDef {
        name: "rule_match",
        weight: 30,
        description: "a verified signature matched",
    },
    FactorDef {
        name: "password_to_other_origin",
        weight: 30,
        description: "a form with a password field posts to another origin",
    },
    FactorDef {
        name: "brand_mismatch",
        weight: 25,
        description: "a brand named in the title or page is not the registered domain",
    },
    FactorDef {
        name: "lookalike_domain",
        weight: 20,
        description: "punycode host, or a brand spelled with look-alike characters",
    },
    FactorDef {
        name: "new_certificate",
        weight: 10,
        description: "certificate under 30 days old",
    },
    FactorDef {
        name: "kit_file_names",
        weight: 15,
        description: "URLs with file names typical of phishing kits",
    },
    FactorDef {
        name: "shortener_or_free_hosting",
        weight: 10,
        description: "the chain passes through a URL shortener or free hosting",
    },
    FactorDef {
        name: "script_redirect",
        weight: 15,
        description: "a script (possibly obfuscated) redirected the visitor",
    },
    FactorDef {
        name: "password_form",
        weight: 10,
        description: "the page asks for a password",
    },
];

/// Brands looked for in titles and pages (lower case).
const BRANDS: &[&str] = &[
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

/// Kit file names seen in URLs.
const KIT_FILE_NAMES: &[&str] = &[
    "next.php",
    "mailer.php",
    "post.php",
    "send.php",
    "verify.php",
    "login.php",
    "action.php",
    "process.php",
    "submit.php",
    "res.php",
    "rezult",
    "result.php",
    "antibot",
    "blocker.php",
];

/// URL shorteners and free hosting, matched as host suffixes.
const SHORTENERS_AND_FREE_HOSTS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "t.co",
    "is.gd",
    "goo.gl",
    "ow.ly",
    "rebrand.ly",
    "cutt.ly",
    "000webhostapp.com",
    "weebly.com",
    "wixsite.com",
    "firebaseapp.com",
    "web.app",
    "github.io",
    "glitch.me",
    "netlify.app",
    "repl.co",
    "ngrok.io",
    "blogspot.com",
    "sites.google.com",
    "herokuapp.com",
    "vercel.app",
    "pages.dev",
    "workers.dev",
];

/// One factor present on a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Factor {
    /// A [`FACTORS`] name.
    pub name: &'static str,
    /// Its weight.
    pub weight: u32,
    /// What showed it.
    pub evidence: String,
}

/// A score and the factors that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// 0–100.
    pub score: u32,
    /// Present factors, in [`FACTORS`] order.
    pub factors: Vec<Factor>,
}

/// Score a capture from its input and the signatures it matched.
pub fn score(capture: &Capture, input: &MatchInput, matches: &[RuleMatch]) -> Risk {
    let mut found: Vec<(&str, String)> = Vec::new();
    let verified: Vec<&str> = matches
        .iter()
        .filter(|m| m.verified)
        .map(|m| m.name.as_str())
        .collect();
    if !verified.is_empty() {
        found.push(("rule_match", verified.join(", ")));
    }
    forms(capture, input, &mut found);
    let host = input.hostname.to_ascii_lowercase();
    let registered = registered_domain(&host);
    brands(input, &registered, &mut found);
    if host.split('.').any(|l| l.starts_with("xn--")) {
        found.push(("lookalike_domain", format!("punycode host {host}")));
    } else if let Some(brand) = lookalike(&host) {
        found.push(("lookalike_domain", format!("{host} imitates {brand}")));
    }
    if let Some(days) = certificate_age_days(capture)
        && days < 30
    {
        found.push((
            "new_certificate",
            format!("issued {days} days before capture"),
        ));
    }
    let urls = input
        .urls
        .iter()
        .chain(&input.requests)
        .map(|u| u.to_ascii_lowercase());
    let kit: Vec<String> = urls
        .filter_map(|u| {
            KIT_FILE_NAMES
                .iter()
                .find(|k| u.contains(*k))
                .map(|k| k.to_string())
        })
        .collect();
    if let Some(first) = kit.first() {
        found.push(("kit_file_names", first.clone()));
    }
    let hosts = input.urls.iter().filter_map(|u| url::Url::parse(u).ok());
    let free = hosts
        .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
        .find(|h| {
            SHORTENERS_AND_FREE_HOSTS
                .iter()
                .any(|s| h == s || h.ends_with(&format!(".{s}")))
        });
    if let Some(host) = free {
        found.push(("shortener_or_free_hosting", host));
    }
    if let Some(hop) = capture.chain.iter().find(|h| h.kind == HopKind::Script) {
        found.push(("script_redirect", format!("script redirect to {}", hop.url)));
    }
    let factors: Vec<Factor> = FACTORS
        .iter()
        .filter_map(|def| {
            let (_, evidence) = found.iter().find(|(n, _)| *n == def.name)?;
            Some(Factor {
                name: def.name,
                weight: def.weight,
                evidence: evidence.clone(),
            })
        })
        .collect();
    let score = factors.iter().map(|f| f.weight).sum::<u32>().min(100);
    Risk { score, factors }
}

/// Password forms, and whether one posts to another origin.
fn forms(capture: &Capture, input: &MatchInput, found: &mut Vec<(&str, String)>) {
    let doc = scraper::Html::parse_document(&input.html);
    let form_sel = scraper::Selector::parse("form").expect("static selector");
    let pass_sel = scraper::Selector::parse("input[type=password i]").expect("static selector");
    let page = url::Url::parse(&capture.final_url).ok();
    let mut asks = doc.select(&pass_sel).next().is_some();
    for form in doc.select(&form_sel) {
        if form.select(&pass_sel).next().is_none() {
            continue;
        }
        asks = true;
        let action = form.value().attr("action").unwrap_or("").trim();
        let target = page.as_ref().and_then(|p| p.join(action).ok());
        if let (Some(page), Some(target)) = (&page, target)
            && target.origin() != page.origin()
        {
            found.push((
                "password_to_other_origin",
                format!("form posts to {target}"),
            ));
            return;
        }
    }
    if asks {
        found.push(("password_form", "input type=password".into()));
    }
}

/// The host's registrable part, approximated without a public-suffix list.
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

fn brands(input: &MatchInput, registered: &str, found: &mut Vec<(&str, String)>) {
    let squashed = registered.replace(['-', '.'], "");
    let title = input.titles.join(" ").to_lowercase();
    for brand in BRANDS {
        let word = brand.replace(' ', "");
        if squashed.contains(&word) || !contains_word(&title, brand) {
            continue;
        }
        found.push((
            "brand_mismatch",
            format!("title names {brand}, domain is {registered}"),
        ));
        return;
    }
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A brand spelled with digits for letters (`paypa1`, `g00gle`) in the host.
fn lookalike(host: &str) -> Option<&'static str> {
    let unconfused: String = host
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '3' => 'e',
            '5' => 's',
            _ => c,
        })
        .collect();
    let compact = |s: &str| s.replace(' ', "");
    BRANDS
        .iter()
        .find(|b| b.len() > 3 && unconfused.contains(&compact(b)) && !host.contains(&compact(b)))
        .copied()
}

fn certificate_age_days(capture: &Capture) -> Option<i64> {
    let tls = capture.tls.as_ref()?;
    let issued = chrono::DateTime::parse_from_rfc3339(&tls.not_before).ok()?;
    Some((capture.started_at - issued.with_timezone(&chrono::Utc)).num_days())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::capture::{CaptureMode, Hop};

    fn page(url: &str, html: &str) -> (Capture, MatchInput) {
        let mut capture = Capture::new(CaptureMode::Fast, url, Utc::now());
        capture.final_url = url.into();
        capture.html_text = Some(html.into());
        let input =
            MatchInput::from_capture(&capture, &crate::blobs::BlobStore::new("/nonexistent"));
        (capture, input)
    }

    fn names(risk: &Risk) -> Vec<&str> {
        risk.factors.iter().map(|f| f.name).collect()
    }

    #[test]
    fn a_brand_login_posting_elsewhere_scores_high_with_its_evidence() {
        let html = "<title>PayPal: Log in</title><form action='https://collect.test/next.php'>\
                    <input type=password></form>";
        let (capture, input) = page("http://secure-login.example.test/", html);
        let risk = score(&capture, &input, &[]);
        assert_eq!(
            names(&risk),
            vec!["password_to_other_origin", "brand_mismatch"]
        );
        assert_eq!(risk.score, 55);
        assert_eq!(
            risk.factors[0].evidence,
            "form posts to https://collect.test/next.php"
        );
        assert_eq!(
            risk.factors[1].evidence,
            "title names paypal, domain is example.test"
        );
    }

    #[test]
    fn the_brand_on_its_own_domain_scores_nothing() {
        let html = "<title>PayPal</title><form action='/signin'><input type=text></form>";
        let (capture, input) = page("https://www.paypal.com/signin", html);
        assert_eq!(
            score(&capture, &input, &[]),
            Risk {
                score: 0,
                factors: vec![]
            }
        );
    }

    #[test]
    fn lookalikes_script_redirects_and_free_hosting_add_up_and_cap_at_100() {
        let html = "<title>Netflix</title><form action='https://x.test/'><input type=password>";
        let (mut capture, mut input) = page("http://netf1ix-account.web.app/", html);
        capture.chain.push(Hop {
            url: "http://netf1ix-account.web.app/".into(),
            status: None,
            kind: HopKind::Script,
            ip: None,
            error: None,
            body: None,
        });
        input.urls.insert(0, "https://bit.ly/abc".into());
        let matched = RuleMatch {
            signature_id: 1,
            name: "netflix-kit".into(),
            verified: true,
            confidence: 70,
            evidence: vec![],
        };
        let risk = score(&capture, &input, &[matched]);
        assert_eq!(
            names(&risk),
            vec![
                "rule_match",
                "password_to_other_origin",
                "brand_mismatch",
                "lookalike_domain",
                "shortener_or_free_hosting",
                "script_redirect"
            ]
        );
        assert_eq!(risk.score, 100);
    }

    #[test]
    fn registered_domains_keep_short_second_levels() {
        assert_eq!(registered_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(registered_domain("login.example.com"), "example.com");
        assert_eq!(registered_domain("localhost"), "localhost");
    }
}
