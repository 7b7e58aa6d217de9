//! Hostile servers in one fast scan: the lab's test routes (redirect loops, an endless body, a
//! gzip bomb, a server that never answers), its TLS listeners (expired and self-signed
//! certificates, a handshake that never completes) and a benign page, scanned together by the
//! `trawl` binary. Needs no corpus: the benign page is `tests/sites/benign-bakery`.

mod scan_support;

use std::path::Path;

use serde_json::Value;
use trawl_core::lab::{EXPIRED_TLS_HOST, HOSTILE_TLS_HOST, SELF_SIGNED_TLS_HOST};

use scan_support::{Env, chain, repo_root, start_lab, text};

/// Ceiling on the scanning process's peak resident memory (`VmHWM`), in MiB. The scan holds two
/// documents cut at the 5 MiB body cap (an endless body and a gzip bomb) and parses both, maybe
/// at once; it peaks at 160-185 MiB in a debug build. Without the caps a 10 GB body or a 10 GiB
/// bomb would blow far past it, and so did parse-error bookkeeping on the bomb's 5 MiB of NULs
/// (about 390 MiB for that target alone, before scraper's `errors` feature was turned off).
const PEAK_MEMORY_LIMIT_MIB: u64 = 300;

/// Whole-capture time limit given to the scan, in seconds.
const TIMEOUT_SECS: &str = "5";

/// One hostile case: the URL scanned and what its target must end with.
struct Case {
    what: &'static str,
    url: String,
    expect: Expect,
}

/// How a case must end.
enum Expect {
    /// This status, with a reason containing one of these texts.
    Reason(&'static str, &'static [&'static str]),
    /// DONE, with these words among the certificate's problems.
    TlsProblem(&'static str),
    /// DONE with this title and no reason.
    Page(&'static str),
}

/// The benign sample site alone, as a hosts plan.
fn bakery_plan(dir: &Path) -> std::path::PathBuf {
    let docroot = repo_root().join("tests/sites/benign-bakery");
    let plan = format!(
        "id\thostname\tip\tport\tdocroot\tentry_path\n\
         bakery\tcrumbandcrust.test\t127.0.20.5\t8080\t{}\t/index.html\n",
        docroot.display()
    );
    let path = dir.join("bakery-plan.tsv");
    std::fs::write(&path, plan).unwrap();
    path
}

/// Each hostile target ends DONE or FAILED with a clear reason, within the per-target time
/// limit (the scan finishes at all), while the scanning process's peak resident memory stays
/// under [`PEAK_MEMORY_LIMIT_MIB`] (300 MiB, `VmHWM` of the `trawl scan` process read from
/// `/proc` while it runs); the benign targets of the same scan are unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_with_a_reason_in_bounded_memory() {
    let env = Env::new().await;
    let plan = bakery_plan(env.scratch());
    let sites = repo_root().join("tests/sites");
    let lab = start_lab(&sites, Some(&plan), true).await;
    let hostile = lab.hostile().expect("test routes are on").clone();
    let bakery = lab.sites()[0].entry_url.clone();

    let http = |route: &str| {
        format!(
            "http://{HOSTILE_TLS_HOST}:{}/__lab/{route}",
            hostile.http.port()
        )
    };
    let https = |host: &str, port: u16| format!("https://{host}:{port}/__lab/page/ok");
    let timed_out: &[&str] = &["time limit", "timed out"];
    let cases = [
        Case {
            what: "redirect loop",
            url: http("redirect/loop"),
            expect: Expect::Reason("DONE", &["redirect loop"]),
        },
        Case {
            what: "two-step redirect loop",
            url: http("redirect/loop/a"),
            expect: Expect::Reason("DONE", &["redirect loop"]),
        },
        Case {
            what: "redirect chain past the hop limit",
            url: http("redirect/chain?n=30"),
            expect: Expect::Reason("DONE", &["too many redirects"]),
        },
        Case {
            what: "10 GB body",
            url: http("huge"),
            expect: Expect::Reason("DONE", &["truncated after 5242880 bytes"]),
        },
        Case {
            what: "gzip bomb",
            url: http("gzip-bomb"),
            expect: Expect::Reason("DONE", &["truncated after 5242880 bytes"]),
        },
        Case {
            what: "server that never answers",
            url: http("hang"),
            expect: Expect::Reason("FAILED", timed_out),
        },
        Case {
            what: "TLS handshake that never completes",
            url: https(HOSTILE_TLS_HOST, hostile.tls_hang.port()),
            expect: Expect::Reason("FAILED", timed_out),
        },
        Case {
            what: "expired certificate",
            url: https(EXPIRED_TLS_HOST, hostile.expired_tls.port()),
            expect: Expect::TlsProblem("expired"),
        },
        Case {
            what: "self-signed certificate",
            url: https(SELF_SIGNED_TLS_HOST, hostile.self_signed_tls.port()),
            expect: Expect::TlsProblem("self-signed"),
        },
        Case {
            what: "lab benign page",
            url: http("page/ok"),
            expect: Expect::Page("Lab OK"),
        },
        Case {
            what: "bakery",
            url: bakery,
            expect: Expect::Page("Crumb & Crust Bakery"),
        },
    ];

    let list = env.write(
        "hostile.txt",
        &cases.iter().map(|c| c.url.clone()).collect::<Vec<_>>(),
    );
    let mut args: Vec<String> = [
        "scan",
        "--mode",
        "fast",
        "--concurrency",
        "8",
        "--timeout",
        TIMEOUT_SECS,
    ]
        .map(String::from)
        .into();
    for host in [HOSTILE_TLS_HOST, EXPIRED_TLS_HOST, SELF_SIGNED_TLS_HOST] {
        args.extend([
            "--resolve".to_string(),
            format!("{host}={}", hostile.http.ip()),
        ]);
    }
    args.extend(
        lab.resolver_map()
            .lines()
            .flat_map(|l| ["--resolve".to_string(), l.to_string()]),
    );
    args.push(list.display().to_string());
    let scan = env
        .run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    lab.shutdown().await;
    assert!(
        scan.success,
        "scan failed:\n{}\n{}",
        scan.stdout, scan.stderr
    );

    let targets = env.export_jsonl().await;
    assert_eq!(targets.len(), cases.len());
    let mut problems = Vec::new();
    for case in &cases {
        let target = targets
            .iter()
            .find(|t| text(t, "url") == case.url)
            .expect("a target per case");
        if let Err(problem) = check(case, target) {
            problems.push(format!("{}: {problem}\n    {}", case.what, summary(target)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let peak_mib = scan.peak_kib.expect("VmHWM read while the scan ran") / 1024;
    println!("peak resident memory of `trawl scan`: {peak_mib} MiB");
    assert!(
        peak_mib < PEAK_MEMORY_LIMIT_MIB,
        "peak {peak_mib} MiB ≥ {PEAK_MEMORY_LIMIT_MIB} MiB"
    );
}

fn check(case: &Case, target: &Value) -> Result<(), String> {
    let (status, reason) = (text(target, "status"), text(target, "reason"));
    match case.expect {
        Expect::Reason(want, texts) => {
            if status != want || !texts.iter().any(|t| reason.contains(t)) {
                return Err(format!(
                    "expected {want} with a reason containing {texts:?}"
                ));
            }
            if want == "DONE" && chain(target).is_empty() {
                return Err("DONE without a recorded chain".into());
            }
        }
        Expect::TlsProblem(problem) => {
            let problems = text(target, "tls_problems");
            if status != "DONE" || target["tls_valid"] != false || !problems.contains(problem) {
                return Err(format!(
                    "expected DONE, tls_valid false, problems naming {problem:?}"
                ));
            }
            // Every HTTPS target gets the JARM value of the server that answered.
            let jarm = text(target, "jarm");
            if jarm.len() != 62 || jarm.chars().all(|c| c == '0') {
                return Err(format!("expected the server's JARM value, got {jarm:?}"));
            }
        }
        Expect::Page(title) => {
            if status != "DONE" || text(target, "title") != title || !reason.is_empty() {
                return Err(format!("expected DONE with title {title:?} and no reason"));
            }
        }
    }
    Ok(())
}

fn summary(target: &Value) -> String {
    format!(
        "status {} reason {} title {} tls_problems {} chain {}",
        target["status"],
        target["reason"],
        target["title"],
        target["tls_problems"],
        target["redirect_chain"]
    )
}
