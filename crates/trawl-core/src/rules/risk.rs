//! The risk score: 0–100, the capped sum of the weights of the factors a capture shows, each
//! factor kept with its evidence so the analyst sees why.
//!
//! [`FACTORS`] is the one table of factors and weights. Detection is heuristic and local;
//! brand and domain signals live in [`super::brands`]. Signature and YARA matches both count
//! as rule matches; kit file names are looked for in the chain, the asset URLs and the
//! targets of the page's forms.

use serde::Serialize;

use super::brands::{self, content_brand, registered_domain, title_brand};
use super::matcher::MatchInput;
use super::signature::RuleMatch;
use super::yara::YaraMatch;
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
        description: "a brand named in the title, or repeatedly in a page asking for a \
                      password, is not the registered domain",
    },
    FactorDef {
        name: "lookalike_domain",
        weight: 20,
        description: "punycode host, or a brand misspelt, spelt with digits, in a longer \
                      domain name or in a subdomain of another domain",
    },
    FactorDef {
        name: "new_certificate",
        weight: 10,
        description: "certificate under 30 days old",
    },
    FactorDef {
        name: "kit_file_names",
        weight: 15,
        description: "URLs or form targets with file names typical of phishing kits",
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

/// Mentions of one brand in the visible text of a password page that make a mismatch.
const CONTENT_BRAND_MENTIONS: usize = 2;

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

/// Score a capture from its input and the signatures and YARA rules it matched.
pub fn score(
    capture: &Capture,
    input: &MatchInput,
    matches: &[RuleMatch],
    yara: &[YaraMatch],
) -> Risk {
    let verified = matches.iter().filter(|m| m.verified).map(|m| &m.name);
    let names: Vec<String> = verified
        .chain(yara.iter().map(|m| &m.rule))
        .cloned()
        .collect();
    score_named(capture, input, &names)
}

/// Score a capture from its input and the names of the rules (verified signatures and YARA
/// rules) it matched.
pub fn score_named(capture: &Capture, input: &MatchInput, rules: &[String]) -> Risk {
    let mut found: Vec<(&str, String)> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for name in rules {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    if !names.is_empty() {
        found.push(("rule_match", names.join(", ")));
    }
    let page = Page::read(capture, input);
    forms(&page, &mut found);
    let host = input.hostname.to_ascii_lowercase();
    let registered = registered_domain(&host);
    brand_mismatch(input, &page, &registered, &mut found);
    if let Some(why) = brands::lookalike(&host) {
        found.push(("lookalike_domain", why));
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
        .chain(&page.form_targets)
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

/// What the risk factors read from the document: its forms and its visible text.
struct Page {
    /// Whether some input asks for a password.
    asks_password: bool,
    /// Where password forms post, resolved against the final URL.
    password_targets: Vec<url::Url>,
    /// Where every form posts (resolved when possible, else as written).
    form_targets: Vec<String>,
    /// Lower-cased text outside scripts and styles, and image `alt` texts.
    text: String,
    /// The final URL's origin.
    origin: Option<url::Origin>,
}

impl Page {
    fn read(capture: &Capture, input: &MatchInput) -> Page {
        let doc = scraper::Html::parse_document(&input.html);
        let select = |css: &str| scraper::Selector::parse(css).expect("static selector");
        let (form_sel, pass_sel) = (select("form"), select("input[type=password i]"));
        let base = url::Url::parse(&capture.final_url).ok();
        let resolve = |action: &str| base.as_ref().and_then(|b| b.join(action).ok());
        let mut page = Page {
            asks_password: doc.select(&pass_sel).next().is_some(),
            password_targets: Vec::new(),
            form_targets: Vec::new(),
            text: visible_text(&doc),
            origin: base.as_ref().map(url::Url::origin),
        };
        for form in doc.select(&form_sel) {
            let action = form.value().attr("action").unwrap_or("").trim();
            let target = resolve(action);
            page.form_targets.push(match &target {
                Some(t) => t.to_string(),
                None => action.to_string(),
            });
            if form.select(&pass_sel).next().is_some()
                && let Some(target) = target
            {
                page.password_targets.push(target);
            }
        }
        page.asks_password |= !page.password_targets.is_empty();
        page
    }
}

/// Lower-cased text of the document outside scripts, styles and templates, plus `alt` texts.
fn visible_text(doc: &scraper::Html) -> String {
    let mut text = String::new();
    for node in doc.tree.nodes() {
        if let scraper::Node::Text(t) = node.value() {
            let hidden = node.ancestors().any(|a| {
                a.value().as_element().is_some_and(|e| {
                    matches!(e.name(), "script" | "style" | "noscript" | "template")
                })
            });
            if !hidden {
                text.push_str(t);
                text.push(' ');
            }
        } else if let Some(alt) = node.value().as_element().and_then(|e| e.attr("alt")) {
            text.push_str(alt);
            text.push(' ');
        }
    }
    text.to_lowercase()
}

/// Password forms, and whether one posts to another origin.
fn forms(page: &Page, found: &mut Vec<(&str, String)>) {
    let elsewhere = page
        .password_targets
        .iter()
        .find(|t| page.origin.as_ref().is_some_and(|o| t.origin() != *o));
    if let Some(target) = elsewhere {
        found.push((
            "password_to_other_origin",
            format!("form posts to {target}"),
        ));
    } else if page.asks_password {
        found.push(("password_form", "input type=password".into()));
    }
}

/// Brand words in the title, or repeated in the text of a page asking for a password, that
/// the registered domain does not carry.
fn brand_mismatch(
    input: &MatchInput,
    page: &Page,
    registered: &str,
    found: &mut Vec<(&str, String)>,
) {
    let title = input.titles.join(" ").to_lowercase();
    if let Some(brand) = title_brand(&title, registered) {
        let evidence = format!("title names {brand}, domain is {registered}");
        found.push(("brand_mismatch", evidence));
    } else if page.asks_password
        && let Some((brand, n)) = content_brand(&page.text, registered, CONTENT_BRAND_MENTIONS)
    {
        let evidence = format!("page names {brand} {n} times, domain is {registered}");
        found.push(("brand_mismatch", evidence));
    }
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
        let risk = score(&capture, &input, &[], &[]);
        assert_eq!(
            names(&risk),
            vec![
                "password_to_other_origin",
                "brand_mismatch",
                "kit_file_names"
            ]
        );
        assert_eq!(risk.score, 70);
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
            score(&capture, &input, &[], &[]),
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
        let risk = score(&capture, &input, &[matched], &[]);
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
    fn brands_named_in_a_password_page_count_and_yara_matches_are_rule_matches() {
        let html = "<title>Sign in</title><img alt='Dropbox'><p>Dropbox keeps your files</p>\
                    <script>var dropbox = 1;</script><form action='/next.php'>\
                    <input type=password></form>";
        let (capture, input) = page("http://files-share.example.test/", html);
        let hit = YaraMatch {
            rule_id: 3,
            rule: "PK_Dropbox".into(),
            subject: super::super::yara::Subject::Html,
            url: capture.final_url.clone(),
            sha256: None,
            confidence: 70,
            strings: vec![],
        };
        let risk = score(&capture, &input, &[], &[hit]);
        assert_eq!(
            names(&risk),
            vec![
                "rule_match",
                "brand_mismatch",
                "kit_file_names",
                "password_form"
            ]
        );
        assert_eq!(risk.factors[0].evidence, "PK_Dropbox");
        assert_eq!(
            risk.factors[1].evidence,
            "page names dropbox 2 times, domain is example.test"
        );

        // Without a password field the same text is no mismatch.
        let (capture, input) = page(
            "http://files-share.example.test/",
            &html.replace("password", "text"),
        );
        assert!(!names(&score(&capture, &input, &[], &[])).contains(&"brand_mismatch"));
    }
}
