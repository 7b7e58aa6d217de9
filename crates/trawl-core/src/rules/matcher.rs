//! What rules read: one target's captured text gathered into a [`MatchInput`], and a compiled
//! [`RuleSet`] run over it.
//!
//! The input is built from a [`Capture`] (in memory after a capture, or read back from
//! `targets.capture` for a retro-hunt) and the blob store: the decoded document, its titles,
//! inline scripts and styles, headers, cookies, the redirect chain's URLs, asset URLs, and the
//! bodies of script and stylesheet assets. Asset bodies are read up to [`MAX_ASSET_BYTES`]
//! each and [`MAX_ASSET_TOTAL`] per target; a missing blob is skipped, never an error.

use scraper::{Html, Selector};

use super::signature::{CompiledRule, Field, RuleMatch};
use crate::blobs::BlobStore;
use crate::capture::{AssetType, Capture};

/// Most bytes of one asset body matched.
pub const MAX_ASSET_BYTES: u64 = 2 << 20;
/// Most asset bytes matched for one target.
pub const MAX_ASSET_TOTAL: u64 = 16 << 20;

/// One target's text, by field.
#[derive(Debug, Clone, Default)]
pub struct MatchInput {
    /// The final document as text.
    pub html: String,
    /// The rendered DOM (full mode).
    pub dom: Option<String>,
    /// Text of each `<title>`.
    pub titles: Vec<String>,
    /// Inline scripts, then script asset bodies.
    pub scripts: Vec<String>,
    /// Inline styles, then stylesheet asset bodies.
    pub styles: Vec<String>,
    /// Header lines, `Name: value\n`.
    pub headers: String,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
    /// Every URL of the chain, the final one last.
    pub urls: Vec<String>,
    /// The final URL's host.
    pub hostname: String,
    /// Asset URLs.
    pub requests: Vec<String>,
}

impl MatchInput {
    /// Build the input of `capture`, reading document and asset bodies from `blobs`.
    pub fn from_capture(capture: &Capture, blobs: &BlobStore) -> MatchInput {
        let html = match (&capture.html_text, &capture.html) {
            (Some(text), _) => text.clone(),
            (None, Some(body)) => blobs
                .read(&body.blob)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        let mut input = MatchInput {
            dom: capture.rendered_dom.clone(),
            headers: capture
                .headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}\n"))
                .collect(),
            cookies: capture
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
                .map(|(_, v)| v.clone())
                .collect(),
            urls: capture.chain.iter().map(|h| h.url.clone()).collect(),
            hostname: url::Url::parse(&capture.final_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
            requests: capture.assets.iter().map(|a| a.url.clone()).collect(),
            ..MatchInput::default()
        };
        if input.urls.last() != Some(&capture.final_url) {
            input.urls.push(capture.final_url.clone());
        }
        input.read_document(&html);
        input.html = html;
        input.read_assets(capture, blobs);
        input
    }

    /// Titles, inline scripts and inline styles of the document.
    fn read_document(&mut self, html: &str) {
        let doc = Html::parse_document(html);
        let select = |css: &str| Selector::parse(css).expect("static selector");
        let text = |e: scraper::ElementRef<'_>| e.text().collect::<String>();
        self.titles = doc.select(&select("title")).map(text).collect();
        self.scripts = doc.select(&select("script")).map(text).collect();
        self.styles = doc.select(&select("style")).map(text).collect();
    }

    /// Script and stylesheet bodies, within the size caps.
    fn read_assets(&mut self, capture: &Capture, blobs: &BlobStore) {
        let mut budget = MAX_ASSET_TOTAL;
        for asset in &capture.assets {
            let Some(body) = &asset.body else { continue };
            if !matches!(asset.asset_type, AssetType::Js | AssetType::Css)
                || body.size > MAX_ASSET_BYTES
                || body.size > budget
            {
                continue;
            }
            let Ok(bytes) = blobs.read(&body.blob) else {
                continue;
            };
            budget -= body.size;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match asset.asset_type {
                AssetType::Js => self.scripts.push(text),
                _ => self.styles.push(text),
            }
        }
    }

    /// The texts a test on `field` reads.
    pub fn texts(&self, field: Field) -> Vec<&str> {
        fn all(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        match field {
            Field::Html => vec![self.html.as_str()],
            Field::Dom => vec![self.dom.as_deref().unwrap_or(&self.html)],
            Field::Title => all(&self.titles),
            Field::Js => all(&self.scripts),
            Field::Css => all(&self.styles),
            Field::Headers => vec![self.headers.as_str()],
            Field::Cookies => all(&self.cookies),
            Field::Url => all(&self.urls),
            Field::Hostname => vec![self.hostname.as_str()],
            Field::Requests => all(&self.requests),
            Field::Asset => {
                let mut texts = all(&self.requests);
                texts.extend(self.scripts.iter().map(String::as_str));
                texts.extend(self.styles.iter().map(String::as_str));
                texts
            }
        }
    }

    /// Bytes of text the rules read (for throughput figures).
    pub fn size(&self) -> usize {
        let sum = |v: &[String]| v.iter().map(String::len).sum::<usize>();
        self.html.len() + sum(&self.scripts) + sum(&self.styles) + self.headers.len()
    }
}

/// Every enabled signature, compiled.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The rules in id order.
    pub rules: Vec<CompiledRule>,
    /// `rules_state.version` the set was built at.
    pub version: i64,
}

impl RuleSet {
    /// The rules that match `input`, in rule order.
    pub fn run(&self, input: &MatchInput) -> Vec<RuleMatch> {
        self.rules.iter().filter_map(|r| r.run(input)).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::capture::{CaptureMode, CapturedAsset, FetchedBody};

    #[test]
    fn the_input_holds_inline_and_asset_scripts_titles_and_cookies() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let script = blobs.put(b"grecaptcha.render('x')").unwrap();
        let mut capture = Capture::new(CaptureMode::Fast, "http://a.test/", Utc::now());
        capture.final_url = "http://a.test/login".into();
        capture.html_text =
            Some("<title>Sign in</title><script>var a=1</script><style>.x{}</style>".into());
        capture.headers = vec![("Set-Cookie".into(), "cazanova=1; path=/".into())];
        capture.assets.push(CapturedAsset {
            url: "http://a.test/s.js".into(),
            asset_type: AssetType::Js,
            status: Some(200),
            body: Some(FetchedBody {
                size: script.size,
                blob: script,
                truncated: false,
                content_type: None,
            }),
            error: None,
        });

        let input = MatchInput::from_capture(&capture, &blobs);
        assert_eq!(input.titles, vec!["Sign in"]);
        assert_eq!(input.scripts, vec!["var a=1", "grecaptcha.render('x')"]);
        assert_eq!(input.styles, vec![".x{}"]);
        assert_eq!(input.cookies, vec!["cazanova=1; path=/"]);
        assert_eq!(input.hostname, "a.test");
        assert_eq!(input.requests, vec!["http://a.test/s.js"]);
        assert_eq!(input.urls.last().unwrap(), "http://a.test/login");
    }
}
