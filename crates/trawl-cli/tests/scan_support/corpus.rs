//! The corpus as the scan tests serve it: the lab's sites matched with the hosts plan, the URL
//! list on the served ports (entry pages and the extra pages), and exported targets paired with
//! the sample they belong to. Keys of `reference/assets.json` are paths under `phish/`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use trawl_core::lab::{LabServer, load_plan};

use super::{Env, split_http_url, start_lab, text};

/// One served sample.
pub struct Sample {
    pub id: String,
    pub hostname: String,
    pub port: u16,
    /// `phish/`-relative folder: the prefix of its files' keys in `reference/assets.json`.
    pub key: String,
    pub docroot: PathBuf,
    pub entry_path: String,
}

/// The corpus as served, with the scan's URL list.
pub struct Served {
    pub dir: PathBuf,
    pub samples: Vec<Sample>,
    /// (sample index, URL, is the entry page).
    pub urls: Vec<(usize, String, bool)>,
}

/// One exported target with the sample it belongs to.
pub struct Row<'a> {
    pub target: &'a Value,
    pub sample: &'a Sample,
    pub entry: bool,
}

impl Served {
    /// Matches the lab's sites with the plan and lists the URLs: every entry page
    /// (`urls-hosts.txt`) and every extra page (`urls-local-extra.txt`), on the served ports.
    pub fn new(dir: &Path, lab: &LabServer) -> Served {
        let phish = dir.join("phish");
        let plan = load_plan(&dir.join("hosts-plan.tsv"), &phish).unwrap();
        let samples: Vec<Sample> = plan
            .iter()
            .map(|p| {
                let site = lab
                    .sites()
                    .iter()
                    .find(|s| s.id == p.id)
                    .expect("every sample served");
                let key = p
                    .docroot
                    .strip_prefix(&phish)
                    .expect("docroot under phish/");
                Sample {
                    id: p.id.clone(),
                    hostname: p.hostname.clone(),
                    port: site.port,
                    key: key.to_string_lossy().into_owned(),
                    docroot: p.docroot.clone(),
                    entry_path: p.entry_path.clone(),
                }
            })
            .collect();
        let by_host = |host: &str| samples.iter().position(|s| s.hostname == host);

        let mut urls = Vec::new();
        for line in lines(&dir.join("urls-hosts.txt")) {
            let (host, _, path) = split_http_url(&line).expect("http://HOST:PORT/PATH");
            let i = by_host(&host).unwrap_or_else(|| panic!("{host} is not in the plan"));
            urls.push((i, format!("http://{host}:{}{path}", samples[i].port), true));
        }
        // Extra pages are listed for one-folder serving: http://127.0.0.1:8000/<id>/site/<path>.
        for line in lines(&dir.join("urls-local-extra.txt")) {
            let (_, _, path) = split_http_url(&line).expect("http://HOST:PORT/PATH");
            let (id, page) = path.trim_start_matches('/').split_once("/site").unwrap();
            let i = samples
                .iter()
                .position(|s| s.id == id)
                .expect("extra page of a sample");
            let url = format!("http://{}:{}{page}", samples[i].hostname, samples[i].port);
            urls.push((i, url, false));
        }
        Served {
            dir: dir.to_path_buf(),
            samples,
            urls,
        }
    }

    pub fn url_list(&self) -> Vec<String> {
        self.urls.iter().map(|(_, u, _)| u.clone()).collect()
    }

    /// Pairs every exported target with its sample; panics on a target nobody asked for.
    pub fn rows<'a>(&'a self, targets: &'a [Value]) -> Vec<Row<'a>> {
        targets
            .iter()
            .map(|t| {
                let (i, _, entry) = self
                    .urls
                    .iter()
                    .find(|(_, u, _)| u == text(t, "url"))
                    .unwrap_or_else(|| panic!("target {} was not in the list", t["url"]));
                Row {
                    target: t,
                    sample: &self.samples[*i],
                    entry: *entry,
                }
            })
            .collect()
    }

    pub fn reference(&self, name: &str) -> Value {
        read_json(&self.dir.join("reference").join(name))
    }
}

impl Row<'_> {
    pub fn id(&self) -> String {
        format!("{} ({})", self.sample.id, text(self.target, "url"))
    }

    /// The `reference/assets.json` key of a URL served by this row's own sample.
    pub fn file_key(&self, url: &str) -> Option<String> {
        let (host, port, path) = split_http_url(url)?;
        let own = host == self.sample.hostname && port == self.sample.port;
        own.then(|| format!("{}{path}", self.sample.key))
    }
}

fn lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves the corpus on OS-chosen ports and scans the URLs `pick` chooses from its list, with the
/// lab's resolver map (which seals the scan: other names are refused, not looked up).
pub async fn scan_corpus(env: &Env, dir: &Path, pick: impl Fn(&Served) -> Vec<String>) -> Served {
    scan_corpus_with(env, dir, pick, &["--concurrency", "8"]).await
}

/// [`scan_corpus`] with other `trawl scan` flags (`--mode full`, the concurrency).
pub async fn scan_corpus_with(
    env: &Env,
    dir: &Path,
    pick: impl Fn(&Served) -> Vec<String>,
    flags: &[&str],
) -> Served {
    let lab = start_lab(&dir.join("phish"), Some(&dir.join("hosts-plan.tsv")), false).await;
    let served = Served::new(dir, &lab);
    let map: Vec<String> = lab.resolver_map().lines().map(String::from).collect();
    let resolve = env.write("resolve.txt", &map);
    let list = env.write("urls.txt", &pick(&served));

    let resolve = resolve.to_str().unwrap();
    let mut args = vec!["scan"];
    if !flags.contains(&"--mode") {
        args.extend(["--mode", "fast"]);
    }
    args.extend_from_slice(flags);
    args.extend(["--resolve-file", resolve, list.to_str().unwrap()]);
    let scan = env.run(&args).await;
    lab.shutdown().await;
    assert!(
        scan.success,
        "scan failed:\n{}\n{}",
        scan.stdout, scan.stderr
    );
    served
}
