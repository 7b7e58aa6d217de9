//! The script sandbox on synthetic pages, one per obfuscation or browser feature, on its limits
//! (budget, memory, what must not navigate), and on corpus sample 13.

use std::time::Duration;

use base64::Engine;
use scraper::Html;
use url::Url;

use super::{PageScripts, SandboxLimits, SandboxPage, SandboxReport, run};
use crate::capture::charset;
use crate::fingerprint::test_corpus;

/// The target sample 13 builds from char codes (decoded by hand from its array, minus 5).
pub(super) const SAMPLE_13_TARGET: &str =
    "http://fatoff-body4light.world/?a=401336&c=cpcdiet&s=18072018";

fn page_of(scripts: PageScripts) -> SandboxPage {
    SandboxPage {
        url: Url::parse("http://lab.test/dir/page.html?q=1#top").unwrap(),
        base: Url::parse("http://lab.test/dir/page.html?q=1#top").unwrap(),
        scripts,
        user_agent: "TrawlTest/1.0 (Windows NT 10.0)".to_owned(),
    }
}

fn run_with(scripts: &[&str], limits: &SandboxLimits) -> SandboxReport {
    let scripts = PageScripts {
        inline: scripts.iter().map(|s| (*s).to_owned()).collect(),
        body_onload: None,
    };
    run(&page_of(scripts), limits).unwrap()
}

fn run_scripts(scripts: &[&str]) -> SandboxReport {
    run_with(scripts, &SandboxLimits::default())
}

fn target(scripts: &[&str]) -> Option<String> {
    run_scripts(scripts).navigation
}

#[test]
fn page_scripts_are_the_inline_javascript_and_the_body_onload() {
    let html = Html::parse_document(
        "<head><script src='/ext.js'>location = '/no'</script>\
         <script type='application/ld+json'>{}</script><script> </script>\
         <script type='text/javascript'>one()</script></head>\
         <body onload='go()'><script>two()</script></body>",
    );
    let scripts = PageScripts::from_document(&html);
    assert_eq!(scripts.inline, ["one()", "two()"]);
    assert_eq!(scripts.body_onload.as_deref(), Some("go()"));
    assert!(PageScripts::from_document(&Html::parse_document("<p>none</p>")).is_empty());
}

#[test]
fn a_char_code_target_is_decoded() {
    let script = "var c = [107,119,119,115,61,50,50,123,49,104,123,100,112,115,111,104,49,119,\
                  104,118,119,50];\
                  var u = ''; for (var i = 0; i < c.length; i++) u += String.fromCharCode(c[i] - 3);\
                  window.location.href = u;";
    assert_eq!(target(&[script]).as_deref(), Some("http://x.example.test/"));
}

#[test]
fn an_eval_of_atob_redirects() {
    let code = base64::engine::general_purpose::STANDARD.encode("location.replace('/from-b64')");
    let script = format!("eval(atob('{code}'));");
    assert_eq!(target(&[&script]).as_deref(), Some("/from-b64"));
}

#[test]
fn assigning_location_itself_navigates() {
    for script in [
        "window.location = '/w';",
        "location = '/w';",
        "var t = ['/', 'w'].join(''); self.location = t;",
        "document.location = '/w';",
        "window.location.assign('/w');",
    ] {
        assert_eq!(target(&[script]).as_deref(), Some("/w"), "{script}");
    }
    let path = target(&["location.pathname = 'w';"]);
    assert_eq!(path.as_deref(), Some("http://lab.test/w?q=1#top"));
    let search = target(&["location.search = 'x=1';"]);
    assert_eq!(
        search.as_deref(),
        Some("http://lab.test/dir/page.html?x=1#top")
    );
}

#[test]
fn top_location_replace_navigates() {
    let script = "if (top === self) top.location.replace('http://top.example.test/t');";
    assert_eq!(
        target(&[script]).as_deref(),
        Some("http://top.example.test/t")
    );
}

#[test]
fn a_string_timer_callback_is_evaluated() {
    let report = run_scripts(&["setTimeout(\"location.href='/timer'\", 10);"]);
    assert_eq!(report.navigation.as_deref(), Some("/timer"));
    assert_eq!(report.callbacks_run, 1);
}

#[test]
fn timers_run_in_delay_order_and_can_be_cleared() {
    let script = "setTimeout(function () { location = '/late'; }, 500);\
                  var id = setTimeout(function () { location = '/cleared'; }, 1);\
                  setTimeout(() => { location = '/early'; }, 10);\
                  clearTimeout(id);";
    assert_eq!(target(&[script]).as_deref(), Some("/early"));
}

#[test]
fn a_spinner_does_not_starve_a_delayed_redirect() {
    let script = "var spins = 0; setInterval(function () { spins++; }, 100);\
                  requestAnimationFrame(function frame() { requestAnimationFrame(frame); });\
                  setTimeout(function () { location = '/late?' + spins; }, 5000);";
    let report = run_scripts(&[script]);
    assert_eq!(report.navigation.as_deref(), Some("/late?10"));
    assert!(report.callbacks_run < SandboxLimits::default().max_callbacks);
}

#[test]
fn replacing_builtins_does_not_break_the_stub_browser() {
    let script = "String = null; Reflect.get = null; Function.prototype.call = null;\
                  window.onload = function () { location.href = '/still'; };";
    let report = run_scripts(&[script]);
    assert_eq!(report.navigation.as_deref(), Some("/still"), "{report:?}");
}

#[test]
fn load_handlers_run_after_the_scripts() {
    let cases = [
        "window.onload = function () { location.href = '/onload'; };",
        "document.addEventListener('DOMContentLoaded', () => location.replace('/onload'));",
        "window.addEventListener('load', function () { window.location = '/onload'; });",
        "$(function () { location = '/onload'; });",
        "$(document).ready(function () { location = '/onload'; });",
    ];
    for script in cases {
        assert_eq!(target(&[script]).as_deref(), Some("/onload"), "{script}");
    }
    let scripts = PageScripts {
        inline: vec!["function go() { location = '/' + 'body'; }".to_owned()],
        body_onload: Some("go()".to_owned()),
    };
    let report = run(&page_of(scripts), &SandboxLimits::default()).unwrap();
    assert_eq!(report.navigation.as_deref(), Some("/body"));
}

#[test]
fn a_written_meta_refresh_is_a_navigation() {
    let script = "document.write('<meta http-equiv=\"refresh\" content=\"0;url=/written\">');";
    let report = run_scripts(&[script]);
    assert_eq!(
        report.navigation.as_deref(),
        Some("http://lab.test/written")
    );
    assert!(report.navigation_written);
}

#[test]
fn a_written_script_runs_after_the_one_that_wrote_it() {
    let script =
        "document.write(unescape('%3Cscript%3Elocation%3D%22/from-write%22%3C/script%3E'));";
    let report = run_scripts(&[script, "location = '/next-script';"]);
    assert_eq!(report.navigation.as_deref(), Some("/from-write"));
    assert!(!report.navigation_written);
    assert_eq!(report.scripts_run, 2);
}

#[test]
fn the_first_navigation_wins_and_stops_the_page() {
    assert_eq!(
        target(&["location.href = '/first'; location.href = '/second';"]).as_deref(),
        Some("/first")
    );
    // Catching the stop does not let the page go on: the interrupt ends it, not the budget.
    let report = run_scripts(&["try { location = '/caught'; } catch (e) {} while (true) {}"]);
    assert_eq!(report.navigation.as_deref(), Some("/caught"));
    assert!(!report.budget_exhausted);
}

#[test]
fn reloads_hash_changes_and_javascript_urls_are_not_navigations() {
    let script = "location.href = location.href; location.hash = 'x'; location.reload();\
                  location.href = 'javascript:void(0)'; location = '#top2'; location = '/real';";
    assert_eq!(target(&[script]).as_deref(), Some("/real"));
}

#[test]
fn a_click_handler_does_not_navigate() {
    let script = "var b = document.getElementById('go');\
                  b.addEventListener('click', function () { location = '/click'; });\
                  b.onclick = function () { location = '/click'; };\
                  document.querySelector('#go').style.display = 'none';\
                  $('#go').on('click', function () { location = '/click'; }).addClass('x');";
    let report = run_scripts(&[script]);
    assert_eq!(report.navigation, None);
    assert_eq!(report.errors, Vec::<String>::new());
}

#[test]
fn window_open_is_recorded_but_not_followed() {
    let report = run_scripts(&["var w = window.open('http://popup.test/'); w.focus();"]);
    assert_eq!(report.navigation, None);
    assert_eq!(report.opened, ["http://popup.test/"]);
    assert_eq!(
        target(&["window.open('/same-tab', '_self');"]).as_deref(),
        Some("/same-tab")
    );
}

#[test]
fn an_error_in_one_script_does_not_stop_the_next() {
    let report = run_scripts(&[
        "var x = ;",
        "undefinedFunction();",
        "location.href = '/second';",
    ]);
    assert_eq!(report.navigation.as_deref(), Some("/second"));
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors[0].starts_with("inline-script-1: SyntaxError"));
    assert!(report.errors[1].starts_with("inline-script-2: ReferenceError"));
}

#[test]
fn an_endless_loop_ends_by_the_budget() {
    let limits = SandboxLimits {
        budget: Duration::from_millis(50),
        ..SandboxLimits::default()
    };
    let report = run_with(&["while (true) {}", "location = '/never';"], &limits);
    assert_eq!(report.navigation, None);
    assert!(report.budget_exhausted);
    assert_eq!(report.scripts_skipped, 1);

    for script in [
        "setInterval(function () { for (;;) {} }, 1);",
        "/(a+)+$/.test('a'.repeat(40) + 'b');",
    ] {
        assert!(run_with(&[script], &limits).budget_exhausted, "{script}");
    }
}

#[test]
fn huge_sparse_arrays_are_refused_before_a_native_loop() {
    for script in [
        "new Array(1e9).join('');",
        "String(new Array(2 ** 32 - 1));",
        "Array.prototype.reverse.call({ length: 4e9 });",
        "[].concat(new Array(1e9));",
    ] {
        let report = run_scripts(&[script, "location = '/after';"]);
        assert_eq!(report.navigation.as_deref(), Some("/after"), "{script}");
        assert_eq!(
            report.errors,
            ["inline-script-1: RangeError: array too long for the sandbox"],
            "{script}"
        );
    }
}

#[test]
fn a_memory_hog_ends_by_the_memory_limit() {
    let limits = SandboxLimits {
        budget: Duration::from_secs(20),
        ..SandboxLimits::default()
    };
    // QuickJS fails the first form without an error object, the second with one.
    for hog in [
        "let a = []; while (1) a.push(new Array(1e6));",
        "let a = []; while (1) a.push(new Array(1e5).fill(1));",
    ] {
        let report = run_with(&[hog], &limits);
        assert_eq!(report.navigation, None, "{hog}");
        assert!(report.out_of_memory, "{hog}: {report:?}");
        assert!(!report.budget_exhausted, "{hog}");
    }
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let report = run_scripts(&[
        "function f(n) { return f(n + 1) + 1; } f(0);",
        "location = '/ok';",
    ]);
    assert_eq!(report.navigation.as_deref(), Some("/ok"));
    assert!(
        report.errors[0].contains("RangeError"),
        "{:?}",
        report.errors
    );
}

#[test]
fn the_script_byte_cap_skips_what_does_not_fit() {
    let limits = SandboxLimits {
        max_script_bytes: 40,
        ..SandboxLimits::default()
    };
    let big = format!("var pad = '{}'; location = '/big';", "x".repeat(64));
    let report = run_with(&[&big, "location = '/small';"], &limits);
    assert_eq!(report.navigation.as_deref(), Some("/small"));
    assert_eq!(report.scripts_skipped, 1);
}

#[test]
fn the_page_sees_a_browser_but_reaches_nothing_else() {
    let probe = "var reachable = [typeof require, typeof process, typeof std, typeof os,\
                 typeof Deno, typeof host, typeof page].join(',');\
                 location = '/probe?' + reachable + '&ua=' + navigator.userAgent\
                 + '&href=' + location.href + '&w=' + (window === globalThis && self === top)\
                 + '&c=' + (document.cookie = 'a=1', document.cookie);";
    let expected = "/probe?undefined,undefined,undefined,undefined,undefined,undefined,\
                    undefined&ua=TrawlTest/1.0 (Windows NT 10.0)\
                    &href=http://lab.test/dir/page.html?q=1#top&w=true&c=a=1";
    assert_eq!(target(&[probe]).as_deref(), Some(expected));

    // No network answer ever arrives, so neither branch of a request runs.
    let request = "fetch('/api').then(() => { location = '/ok'; }, () => { location = '/failed'; });\
                   var x = new XMLHttpRequest(); x.onload = () => { location = '/xhr'; };\
                   x.open('GET', '/api'); x.send();";
    assert_eq!(target(&[request]), None);
}

#[test]
fn promises_and_async_functions_run() {
    let script = "(async function () { await null; location = '/async'; })();";
    assert_eq!(target(&[script]).as_deref(), Some("/async"));
}

#[test]
fn sample_13_decodes_to_its_outside_host() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let entry = test_corpus::entry_page(&corpus, "13-pk-js-redirect-obfuscated");
    let bytes = std::fs::read(&entry).unwrap();
    let text = charset::decode_document(&bytes, Some("text/html")).text;
    let scripts = PageScripts::from_document(&Html::parse_document(&text));
    let report = run(&page_of(scripts), &SandboxLimits::default()).unwrap();

    assert_eq!(report.navigation.as_deref(), Some(SAMPLE_13_TARGET));
    assert_eq!(
        report.callbacks_run, 1,
        "the target is set by a string timer callback"
    );
    assert_eq!(report.errors, Vec::<String>::new());
}

/// Runs every corpus entry page; prints the sandbox's cost (a figure, not a check).
#[test]
fn corpus_entry_pages_run_and_only_the_redirector_navigates() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let manifest = test_corpus::json(&corpus, "manifest.json");
    let mut navigating = Vec::new();
    let (mut total, mut worst) = (Duration::ZERO, (Duration::ZERO, String::new()));
    let mut pages_with_scripts = 0;
    for sample in manifest.as_array().unwrap() {
        let id = sample["id"].as_str().unwrap();
        let bytes = std::fs::read(test_corpus::entry_page(&corpus, id)).unwrap();
        let text = charset::decode_document(&bytes, Some("text/html")).text;
        let scripts = PageScripts::from_document(&Html::parse_document(&text));
        if scripts.is_empty() {
            continue;
        }
        pages_with_scripts += 1;
        let report = run(&page_of(scripts), &SandboxLimits::default()).unwrap();
        println!(
            "{id}: {:.1} ms, {} scripts, {} callbacks, {} errors {:?}",
            report.elapsed.as_secs_f64() * 1000.0,
            report.scripts_run,
            report.callbacks_run,
            report.errors.len(),
            report.errors.first()
        );
        total += report.elapsed;
        if report.elapsed > worst.0 {
            worst = (report.elapsed, id.to_owned());
        }
        if let Some(target) = report.navigation {
            navigating.push((id.to_owned(), target));
        }
    }
    println!(
        "sandbox on {} of {} corpus entry pages: {:.1} ms in all, worst {:.1} ms ({})",
        pages_with_scripts,
        manifest.as_array().unwrap().len(),
        total.as_secs_f64() * 1000.0,
        worst.0.as_secs_f64() * 1000.0,
        worst.1
    );
    let expected = [(
        "13-pk-js-redirect-obfuscated".to_owned(),
        SAMPLE_13_TARGET.to_owned(),
    )];
    assert_eq!(navigating, expected);
}

/// The fast capturer following what the sandbox found, against loopback servers.
mod through_the_fast_capturer {
    use axum::response::Html;
    use axum::routing::get;

    use super::SAMPLE_13_TARGET;
    use crate::capture::fast::CaptureOptions;
    use crate::capture::model::HopKind;
    use crate::capture::testkit::{
        MAP, capture_lab, capturer, kinds, lab_url, landing, options, path_of, serve, serve_dir,
    };
    use crate::fingerprint::test_corpus;

    /// `location.href = '/landing'`, with the target built from char codes.
    const OBFUSCATED: &str = "<html><body><script>\
        var c = [48,109,98,111,101,106,111,104]; var u = '';\
        for (var i = 0; i < c.length; i++) u += String.fromCharCode(c[i] - 5 + 4);\
        function go() { window.location.href = u; } setTimeout(go(), 100);\
        </script></body></html>";

    #[tokio::test]
    async fn an_obfuscated_script_redirect_is_a_script_hop() {
        let router = landing().route("/o", get(|| async { Html(OBFUSCATED) }));
        let (_dir, capture) = capture_lab(router, "/o").await;

        assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Script]);
        assert_eq!(path_of(&capture.final_url), "/landing");
        assert_eq!(capture.title.as_deref(), Some("Landed"));
        assert_eq!(capture.error, None);
    }

    #[tokio::test]
    async fn a_script_navigation_beats_a_meta_refresh() {
        let page = "<meta http-equiv=refresh content='3;url=/meta'>\
                    <script>location = ['/lan', 'ding'].join('');</script>";
        let router = landing().route("/both", get(move || async move { Html(page) }));
        let (_dir, capture) = capture_lab(router, "/both").await;

        assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Script]);
        assert_eq!(path_of(&capture.final_url), "/landing");
    }

    #[tokio::test]
    async fn without_the_sandbox_the_obfuscated_page_is_final() {
        let router = landing().route("/o", get(|| async { Html(OBFUSCATED) }));
        let addr = serve(router).await;
        let off = CaptureOptions {
            script_sandbox: None,
            ..options()
        };
        let (_dir, capturer) = capturer(MAP, off);
        let capture = capturer.capture(&lab_url(addr, "/o")).await;

        assert_eq!(kinds(&capture), [HopKind::Initial]);
        assert_eq!(path_of(&capture.final_url), "/o");
    }

    #[tokio::test]
    async fn an_outside_target_ends_in_a_refused_fetch() {
        let page = "<script>var h = 'fatoff-' + 'outside.test';\
                    top.location.replace('http://' + h + '/?a=1');</script>";
        let router = axum::Router::new().route("/redir", get(move || async move { Html(page) }));
        let (_dir, capture) = capture_lab(router, "/redir").await;

        let reason = "fatoff-outside.test is not in the resolver map \
                      (lab mode; pass --dns to resolve other names)";
        assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Script]);
        let last = capture.chain.last().unwrap();
        assert_eq!(last.url, "http://fatoff-outside.test/?a=1");
        assert_eq!(last.error.as_deref(), Some(reason));
        assert_eq!(capture.error.as_deref(), Some(reason));
        assert_eq!(capture.blocked[0].url, "http://fatoff-outside.test/?a=1");
        assert_eq!(path_of(&capture.final_url), "/redir");
    }

    #[tokio::test]
    async fn sample_13_ends_in_a_failed_fetch_of_its_outside_host() {
        let Some(corpus) = test_corpus::dir() else {
            return;
        };
        let addr = serve_dir(corpus.join("phish")).await;
        let (_dir, capturer) = capturer(MAP, options());
        let url = lab_url(addr, "/13-pk-js-redirect-obfuscated/site/index.html");
        let capture = capturer.capture(&url).await;

        let reason = "fatoff-body4light.world is not in the resolver map \
                      (lab mode; pass --dns to resolve other names)";
        assert_eq!(kinds(&capture), [HopKind::Initial, HopKind::Script]);
        assert_eq!(capture.chain[0].status, Some(200));
        assert_eq!(capture.chain[1].url, SAMPLE_13_TARGET);
        assert_eq!(capture.chain[1].error.as_deref(), Some(reason));
        assert_eq!(capture.error.as_deref(), Some(reason));
        assert_eq!(capture.blocked.len(), 1);
        assert_eq!(capture.blocked[0].url, SAMPLE_13_TARGET);
        assert_eq!(capture.final_url, url.as_str());
        assert_eq!(capture.http_status, Some(200));
    }
}
