//! `trawl settings` as a user runs it: the master key kept in a real Secret Service across
//! separate processes (skipped when none is reachable; `.ci/run` provides gnome-keyring), and
//! no secret in clear anywhere in the database or the log files after a full scan.

mod scan_support;

use std::path::Path;
use std::process::Stdio;

use trawl_core::lab::LabServer;
use trawl_core::settings::keyring::{self, Keyring};

use scan_support::{Env, TRAWL, copy_tree, repo_root, start_lab};

/// Runs `trawl -v ARGS` against `env` with extra environment variables and without
/// `APP_SECRET_KEY` unless `vars` sets it; returns (success, stdout, stderr).
async fn trawl(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(TRAWL);
    cmd.arg("-v")
        .arg("--data-dir")
        .arg(&env.data_dir)
        .arg("--database-url")
        .arg(&env.url)
        .args(args);
    cmd.env_remove("APP_SECRET_KEY")
        .env_remove("APP_SECRET_KEY_NEW")
        .env_remove("TRAWL_DATABASE_URL")
        .env_remove("TRAWL_DATA_DIR");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null());
    let out = cmd.output().await.unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

async fn ok(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> String {
    let (success, stdout, stderr) = trawl(env, vars, args).await;
    assert!(success, "trawl {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyring_keeps_the_key_across_processes() {
    if let Err(e) = keyring::self_test() {
        println!("skipping: no Secret Service reachable ({e})");
        return;
    }
    let env = Env::new().await;
    let account = format!("cli-test-{}", std::process::id());
    let vars = [(keyring::ACCOUNT_ENV, account.as_str())];
    let secret = "fofa-key-0123456789-ZYXW";

    // First run: no key anywhere, so one is made and stored in the keyring.
    let shown = ok(&env, &vars, &["settings", "set", "fofa.api_key", secret]).await;
    assert_eq!(shown.trim(), "fofa.api_key = ****ZYXW");
    let entry = Keyring::connect(&account).unwrap();
    let first = entry
        .load()
        .unwrap()
        .expect("the new key is in the keyring");

    // Later runs are new processes reading the same entry.
    let masked = ok(&env, &vars, &["settings", "get", "fofa.api_key"]).await;
    assert_eq!(masked.trim(), "****ZYXW");
    let clear = ok(
        &env,
        &vars,
        &["settings", "get", "fofa.api_key", "--reveal"],
    )
    .await;
    assert_eq!(clear.trim(), secret);
    let list = ok(&env, &vars, &["settings", "list"]).await;
    assert!(list.contains("fofa.api_key = ****ZYXW"), "{list}");
    assert!(!list.contains(secret), "{list}");

    // Rotation replaces the keyring entry; the value still reads in a new process.
    ok(&env, &vars, &["settings", "rotate-key"]).await;
    let second = entry
        .load()
        .unwrap()
        .expect("the rotated key is in the keyring");
    assert_ne!(first, second);
    let clear = ok(
        &env,
        &vars,
        &["settings", "get", "fofa.api_key", "--reveal"],
    )
    .await;
    assert_eq!(clear.trim(), secret);

    // With the entry deleted, the settings refuse to open rather than make a new key.
    assert!(entry.delete().unwrap());
    let (success, _, stderr) = trawl(&env, &vars, &["settings", "get", "fofa.api_key"]).await;
    assert!(!success);
    assert!(stderr.contains("OS keyring has no Trawl key"), "{stderr}");
    assert!(
        entry.load().unwrap().is_none(),
        "a new key was made over existing settings"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_source_the_error_says_so() {
    let env = Env::new().await;
    // An unusable session bus: the keyring cannot be reached.
    let vars = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let (success, _, stderr) = trawl(&env, &vars, &["settings", "list"]).await;
    assert!(!success);
    assert!(stderr.contains("APP_SECRET_KEY is not set"), "{stderr}");
    assert!(stderr.contains("keyring"), "{stderr}");
}

/// Serves a copy of `tests/sites` and scans its URL list (ports replaced by the served ones).
async fn scan_sample_sites(env: &Env) -> LabServer {
    let sites = env.scratch().join("sites");
    copy_tree(&repo_root().join("tests/sites"), &sites);
    let lab = start_lab(&sites, Some(&sites.join("hosts-plan.tsv")), false).await;
    let text = std::fs::read_to_string(sites.join("urls.txt")).unwrap();
    let list: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let plain = line.replace("[.]", ".");
            let site = lab
                .sites()
                .iter()
                .find(|s| plain.contains(&format!("//{}:", s.hostname)))
                .expect("a served host");
            line.replace(":8080/", &format!(":{}/", site.port))
        })
        .collect();
    let map: Vec<String> = lab.resolver_map().lines().map(String::from).collect();
    let resolve = env.write("resolve.txt", &map);
    let list = env.write("urls.txt", &list);
    let args = [
        "scan",
        "--mode",
        "fast",
        "--resolve-file",
        resolve.to_str().unwrap(),
        list.to_str().unwrap(),
    ];
    let scan = env.run(&args).await;
    assert!(
        scan.success,
        "scan failed:\n{}\n{}",
        scan.stdout, scan.stderr
    );
    lab
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().unwrap().is_dir() {
            found.extend(files_under(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_clear_in_the_database_or_logs_after_a_scan() {
    let env = Env::new().await;
    let key = [("APP_SECRET_KEY", "a long test passphrase for the settings")];
    let secrets = [
        ("fofa.api_key", "FOFA-needle-7c1e5b9a2d"),
        ("urlscan.api_key", "URLSCAN-needle-4f8a0c3e6b"),
        ("search.api_key", "SEARCH-needle-9d2b7e1f5a"),
    ];
    for (name, value) in secrets {
        ok(&env, &key, &["settings", "set", name, value]).await;
    }
    ok(&env, &key, &["settings", "list"]).await;
    ok(&env, &key, &["settings", "get", "fofa.api_key"]).await;
    let lab = scan_sample_sites(&env).await;
    lab.shutdown().await;
    let rotate = [
        key[0],
        ("APP_SECRET_KEY_NEW", "the next passphrase for the settings"),
    ];
    ok(&env, &rotate, &["settings", "rotate-key"]).await;
    let rotated = [("APP_SECRET_KEY", rotate[1].1)];
    let clear = ok(
        &env,
        &rotated,
        &["settings", "get", "urlscan.api_key", "--reveal"],
    )
    .await;
    assert_eq!(clear.trim(), secrets[1].1);

    // Every table's rows as text.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let mut rows = 0;
    for table in &tables {
        let texts: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t"))
            .fetch_all(&env.pool)
            .await
            .unwrap();
        rows += texts.len();
        if table == "settings" {
            // The search sees the settings rows themselves (names in clear, values not).
            assert_eq!(texts.len(), secrets.len());
            assert!(texts.iter().any(|t| t.contains("fofa.api_key")));
        }
        for text in texts {
            for (name, value) in secrets {
                assert!(!text.contains(value), "{name} in clear in table {table}");
            }
        }
    }
    let targets: i64 = sqlx::query_scalar("SELECT count(*) FROM targets")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(targets >= 5, "the scan stored its targets ({targets})");
    assert!(rows > 0);

    // Every log file in the data directory.
    let logs = files_under(&env.data_dir.join("logs"));
    assert!(!logs.is_empty(), "the commands wrote log files");
    for file in logs {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for (name, value) in secrets {
            assert!(
                !text.contains(value),
                "{name} in clear in {}",
                file.display()
            );
        }
    }
}
