//! Hostile pages for the browser capturer (`/__lab/page/…`) and encoded pages for charset
//! detection (`/__lab/charset/…`).
//!
//! Browser pages are small static HTML with inline scripts; none references anything outside
//! the lab. Charset pages carry a known text in a known encoding, declared (or not) the way
//! [`CHARSET_CASES`] says, so tests can check the decoded text.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::super::site::{html, page};

/// A page served by `/__lab/charset/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharsetCase {
    /// Route segment after `/__lab/charset/`.
    pub name: &'static str,
    /// The WHATWG encoding name a correct detector arrives at (`iso-8859-1` maps to
    /// `windows-1252` in the WHATWG Encoding Standard).
    pub encoding: &'static str,
    /// How the encoding is signalled.
    pub declared_by: &'static str,
    /// The text inside `<p id="text">`, as it reads once decoded.
    pub text: &'static str,
}

/// Every charset page, in route-index order.
pub const CHARSET_CASES: [CharsetCase; 6] = [
    CharsetCase {
        name: "bom-utf8",
        encoding: "UTF-8",
        declared_by: "UTF-8 byte order mark only",
        text: "Вход — 登录 — Connexion sécurisée",
    },
    CharsetCase {
        name: "bom-utf16le",
        encoding: "UTF-16LE",
        declared_by: "UTF-16LE byte order mark only",
        text: "Вход — 登录 — Connexion sécurisée",
    },
    CharsetCase {
        name: "header-windows-1251",
        encoding: "windows-1251",
        declared_by: "Content-Type header charset=windows-1251",
        text: "Вход в личный кабинет",
    },
    CharsetCase {
        name: "meta-shift-jis",
        encoding: "Shift_JIS",
        declared_by: "<meta charset=\"shift_jis\">",
        text: "ログインしてください",
    },
    CharsetCase {
        name: "http-equiv-iso-8859-1",
        encoding: "windows-1252",
        declared_by: "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">",
        text: "Connexion sécurisée à votre compte",
    },
    CharsetCase {
        name: "undeclared-windows-1252",
        encoding: "windows-1252",
        declared_by: "nothing (bytes 0x80-0x9F in windows-1252)",
        text: "Señor’s “smart” quotes cost 5 €",
    },
];

/// `/__lab/charset/<name>`.
pub(super) fn charset(name: &str) -> Response {
    match CHARSET_CASES.iter().find(|c| c.name == name) {
        Some(case) => {
            let (content_type, bytes) = charset_page(case);
            Response::builder()
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(bytes))
                .expect("static response parts are valid")
        }
        None => page(
            StatusCode::NOT_FOUND,
            "Not Found",
            "lab: no such charset case",
        ),
    }
}

/// The Content-Type header and body bytes of one charset case.
fn charset_page(case: &CharsetCase) -> (&'static str, Vec<u8>) {
    let meta = match case.name {
        "meta-shift-jis" => r#"<meta charset="shift_jis">"#,
        "http-equiv-iso-8859-1" => {
            r#"<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">"#
        }
        _ => "",
    };
    let html = format!(
        "<!doctype html>\n<html><head>{meta}<title>lab charset {}</title></head>\n\
         <body><p id=\"text\">{}</p></body></html>\n",
        case.name, case.text
    );

    match case.name {
        "bom-utf8" => ("text/html", [&[0xEF, 0xBB, 0xBF], html.as_bytes()].concat()),
        "bom-utf16le" => {
            let units = html.encode_utf16().flat_map(u16::to_le_bytes);
            ("text/html", [0xFF, 0xFE].into_iter().chain(units).collect())
        }
        "header-windows-1251" => (
            "text/html; charset=windows-1251",
            encode(&html, "windows-1251"),
        ),
        "meta-shift-jis" => ("text/html", encode(&html, "shift_jis")),
        _ => ("text/html", encode(&html, "windows-1252")),
    }
}

fn encode(text: &str, label: &str) -> Vec<u8> {
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    encoding.encode(text).0.into_owned()
}

/// `/__lab/page/<name>`.
pub(super) fn browser_page(name: &str) -> Response {
    let (title, body) = match name {
        "ok" => ("Lab OK", OK_BODY),
        "infinite-loop" => ("Lab infinite loop", INFINITE_LOOP_BODY),
        "never-loads" => ("Lab never loads", NEVER_LOADS_BODY),
        "tall" => ("Lab tall page", TALL_BODY),
        "alert-loop" => ("Lab alert loop", ALERT_LOOP_BODY),
        "auto-download" => ("Lab auto download", AUTO_DOWNLOAD_BODY),
        "popup-storm" => ("Lab popup storm", POPUP_STORM_BODY),
        _ => return page(StatusCode::NOT_FOUND, "Not Found", "lab: no such test page"),
    };
    let document = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body>\n{body}</body></html>\n"
    );
    html(StatusCode::OK, document)
}

const OK_BODY: &str = r#"<h1>Lab OK</h1>
<p style="font-family: sans-serif">lab: a benign page with no outside references.</p>
<p><a href="/__lab/">test routes</a></p>
"#;

const INFINITE_LOOP_BODY: &str = r#"<h1>lab: infinite loop after first paint</h1>
<script>
requestAnimationFrame(function () {
  setTimeout(function () { while (true) {} }, 50);
});
</script>
"#;

const NEVER_LOADS_BODY: &str = r#"<h1>lab: this page never finishes loading</h1>
<img src="/__lab/hang" alt="never arrives" width="16" height="16">
"#;

const TALL_BODY: &str = r#"<h1 id="top">lab: 50,000 px tall</h1>
<div style="height: 50000px; background: linear-gradient(#ffffff, #3366cc)"></div>
<p id="bottom">lab: bottom of the tall page</p>
"#;

const ALERT_LOOP_BODY: &str = r#"<h1>lab: dialogs in a loop</h1>
<script>
window.addEventListener('beforeunload', function (event) {
  event.preventDefault();
  event.returnValue = 'lab: stay';
  return 'lab: stay';
});
for (var i = 0; i < 3; i++) { alert('lab: alert ' + i); }
var round = 0;
setInterval(function () {
  round += 1;
  if (round % 3 === 0) { alert('lab: alert ' + round); }
  else if (round % 3 === 1) { confirm('lab: confirm ' + round); }
  else { prompt('lab: prompt ' + round, 'answer'); }
}, 200);
</script>
"#;

const AUTO_DOWNLOAD_BODY: &str = r#"<h1>lab: starts a download on load</h1>
<p><a href="/__lab/download">the download</a></p>
<script>
window.addEventListener('load', function () { location.href = '/__lab/download'; });
</script>
"#;

const POPUP_STORM_BODY: &str = r#"<h1>lab: popup storm</h1>
<script>
var opened = 0;
function storm() {
  if (opened >= 200) { return; }
  opened += 1;
  window.open('/__lab/page/ok?popup=' + opened, '_blank');
}
for (var i = 0; i < 20; i++) { storm(); }
setInterval(storm, 250);
</script>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a charset page the way its declaration says and finds the expected text.
    #[test]
    fn charset_pages_decode_to_their_text() {
        for case in &CHARSET_CASES {
            let (content_type, bytes) = charset_page(case);
            let encoding = encoding_rs::Encoding::for_label(case.encoding.as_bytes()).unwrap();
            let (text, used, had_errors) = encoding.decode(&bytes);

            assert!(!had_errors, "{}", case.name);
            assert_eq!(used.name(), case.encoding, "{}", case.name);
            assert!(text.contains(case.text), "{}: {text}", case.name);
            assert_eq!(
                content_type.contains("charset"),
                case.name.starts_with("header")
            );
        }
    }

    #[test]
    fn non_utf8_cases_are_not_valid_utf8() {
        for case in CHARSET_CASES
            .iter()
            .filter(|c| !c.name.starts_with("bom-utf8"))
        {
            let (_, bytes) = charset_page(case);
            assert!(std::str::from_utf8(&bytes).is_err(), "{}", case.name);
        }
    }

    #[test]
    fn encoders_map_every_character() {
        for (label, text) in [
            ("windows-1251", CHARSET_CASES[2].text),
            ("shift_jis", CHARSET_CASES[3].text),
        ] {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
            assert!(!encoding.encode(text).2, "{label}");
        }
        let win1252 = encoding_rs::WINDOWS_1252;
        assert!(!win1252.encode(CHARSET_CASES[5].text).2);
        assert!(!win1252.encode(CHARSET_CASES[4].text).2);
    }

    #[test]
    fn every_browser_page_exists_and_stays_local() {
        for name in [
            "ok",
            "infinite-loop",
            "never-loads",
            "tall",
            "alert-loop",
            "auto-download",
            "popup-storm",
        ] {
            let response = browser_page(name);
            assert_eq!(response.status(), StatusCode::OK, "{name}");
        }
        for body in [
            OK_BODY,
            INFINITE_LOOP_BODY,
            NEVER_LOADS_BODY,
            TALL_BODY,
            ALERT_LOOP_BODY,
        ] {
            assert!(!body.contains("http"), "{body}");
        }
        assert_eq!(browser_page("nope").status(), StatusCode::NOT_FOUND);
    }
}
