//! The hosts plan: which sample is served under which hostname, on which loopback `ip:port`,
//! from which folder.
//!
//! Two sources: a TSV plan file (`id hostname ip port docroot entry_path`, header first, `#`
//! comments and blank lines ignored, columns found by name) or, without a plan, the subfolders of
//! the sites folder. [`validate`] holds the rules every plan must pass before anything is bound.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use super::LabError;

/// Columns a plan file must have (any order, extra columns ignored).
const COLUMNS: [&str; 6] = ["id", "hostname", "ip", "port", "docroot", "entry_path"];

/// Port every folder-mode site listens on.
const FOLDER_MODE_PORT: u16 = 8080;

/// One planned site, with its docroot resolved to a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePlan {
    /// Sample id.
    pub id: String,
    /// Hostname, lowercase, without a trailing dot.
    pub hostname: String,
    /// IP to bind (must be loopback; checked before anything is bound).
    pub ip: IpAddr,
    /// HTTP port.
    pub port: u16,
    /// Folder whose files are served.
    pub docroot: PathBuf,
    /// Path of the landing page, starting with `/`.
    pub entry_path: String,
}

/// Reads a plan file. Relative docroots are resolved against the plan file's folder; when the
/// folder is not there, against `sites_dir`. Absolute docroots are taken as they are.
pub fn load_plan(plan_path: &Path, sites_dir: &Path) -> Result<Vec<SitePlan>, LabError> {
    let text = std::fs::read_to_string(plan_path).map_err(|source| LabError::Read {
        path: plan_path.to_path_buf(),
        source,
    })?;
    let plan_dir = plan_path.parent().unwrap_or(Path::new("."));
    let bad = |line: usize, message: String| LabError::Plan {
        path: plan_path.to_path_buf(),
        line,
        message,
    };

    let mut rows = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (header_line, header) = rows.next().ok_or_else(|| bad(1, "empty plan".into()))?;
    let names: Vec<&str> = header.split('\t').map(str::trim).collect();
    let mut index = [0usize; COLUMNS.len()];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| *n == column)
            .ok_or_else(|| bad(header_line, format!("header lacks column `{column}`")))?;
    }

    let mut sites = Vec::new();
    for (line, row) in rows {
        let fields: Vec<&str> = row.split('\t').map(str::trim).collect();
        if fields.len() < names.len() {
            let msg = format!("{} fields, the header has {}", fields.len(), names.len());
            return Err(bad(line, msg));
        }
        let [id, hostname, ip, port, docroot, entry] = index.map(|i| fields[i]);
        if id.is_empty() {
            return Err(bad(line, "empty id".into()));
        }
        let hostname = normalize_hostname(hostname)
            .ok_or_else(|| bad(line, format!("`{hostname}` is not a hostname")))?;
        let ip = ip
            .parse::<IpAddr>()
            .map_err(|_| bad(line, format!("`{ip}` is not an IP address")))?;
        let port = match port.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return Err(bad(line, format!("`{port}` is not a port (1-65535)"))),
        };
        let entry_path = match entry {
            "" => "/".to_string(),
            e if e.starts_with('/') => e.to_string(),
            e => return Err(bad(line, format!("entry_path `{e}` must start with `/`"))),
        };
        sites.push(SitePlan {
            id: id.to_string(),
            hostname,
            ip,
            port,
            docroot: resolve_docroot(docroot, plan_dir, sites_dir),
            entry_path,
        });
    }
    Ok(sites)
}

fn resolve_docroot(docroot: &str, plan_dir: &Path, sites_dir: &Path) -> PathBuf {
    let path = Path::new(docroot);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let beside_plan = plan_dir.join(path);
    let in_sites = sites_dir.join(path);
    if !beside_plan.is_dir() && in_sites.is_dir() {
        in_sites
    } else {
        beside_plan
    }
}

/// Builds a plan from the immediate subfolders of `sites_dir` (hidden ones skipped), in sorted
/// order: `<folder>.lab.test` on `127.0.10.N:8080`, see the module documentation.
pub fn plan_from_folder(sites_dir: &Path) -> Result<Vec<SitePlan>, LabError> {
    let read_err = |source| LabError::Read {
        path: sites_dir.to_path_buf(),
        source,
    };
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(sites_dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.path().is_dir() {
            folders.push((name, entry.path()));
        }
    }
    folders.sort();

    let mut sites = Vec::new();
    for (i, (name, folder)) in folders.into_iter().enumerate() {
        let ip = folder_mode_ip(i).ok_or_else(|| LabError::Plan {
            path: sites_dir.to_path_buf(),
            line: 0,
            message: "too many subfolders for 127.0.10.0-127.0.255.255".into(),
        })?;
        let (docroot, entry_path) = folder_docroot(&folder);
        sites.push(SitePlan {
            hostname: format!("{}.lab.test", hostname_label(&name, i)),
            id: name,
            ip: IpAddr::V4(ip),
            port: FOLDER_MODE_PORT,
            docroot,
            entry_path,
        });
    }
    Ok(sites)
}

/// `127.0.10.1` for the first folder, then up to `.254`, then `127.0.11.1`, …
fn folder_mode_ip(index: usize) -> Option<Ipv4Addr> {
    let third = 10 + index / 254;
    let fourth = 1 + index % 254;
    Some(Ipv4Addr::new(
        127,
        0,
        u8::try_from(third).ok()?,
        fourth as u8,
    ))
}

/// A folder in the corpus layout (`site/` inside, `meta.json` with `entry: "site/…"`) serves its
/// `site/`; any other folder serves itself from `/`.
fn folder_docroot(folder: &Path) -> (PathBuf, String) {
    let site = folder.join("site");
    if !site.is_dir() {
        return (folder.to_path_buf(), "/".into());
    }
    let entry = std::fs::read_to_string(folder.join("meta.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("entry")?.as_str().map(str::to_string))
        .and_then(|e| e.strip_prefix("site/").map(|rest| format!("/{rest}")));
    (site, entry.unwrap_or_else(|| "/".into()))
}

/// Turns a folder name into hostname labels: lowercase, characters outside `[a-z0-9.-]` become
/// `-`, labels trimmed of `-` and cut at 63 characters.
fn hostname_label(name: &str, index: usize) -> String {
    let mapped: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '-' => c,
            _ => '-',
        })
        .collect();
    let labels: Vec<&str> = mapped
        .split('.')
        .map(|l| l.trim_matches('-'))
        .map(|l| &l[..l.len().min(63)])
        .filter(|l| !l.is_empty())
        .collect();
    if labels.is_empty() {
        format!("site-{}", index + 1)
    } else {
        labels.join(".")
    }
}

/// Lowercases and checks a hostname (ASCII letters, digits, `-`, `_`, dots between labels).
pub(crate) fn normalize_hostname(raw: &str) -> Option<String> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (host.len() <= 253 && host.split('.').all(valid_label)).then_some(host)
}

/// Checks what must hold before binding: loopback IPs only, each hostname once, every docroot
/// an existing folder.
pub(crate) fn validate(sites: &[SitePlan]) -> Result<(), LabError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for site in sites {
        if !site.ip.is_loopback() {
            return Err(LabError::NotLoopback {
                id: site.id.clone(),
                ip: site.ip,
            });
        }
        if let Some(first) = seen.insert(&site.hostname, &site.id) {
            return Err(LabError::DuplicateHost {
                hostname: site.hostname.clone(),
                first: first.to_string(),
                second: site.id.clone(),
            });
        }
        if !site.docroot.is_dir() {
            return Err(LabError::Docroot {
                id: site.id.clone(),
                path: site.docroot.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id\thostname\tip\tport\tdocroot\tentry_path\n";

    fn write_plan(dir: &Path, rows: &str) -> PathBuf {
        let path = dir.join("plan.tsv");
        std::fs::write(&path, format!("{HEADER}{rows}")).unwrap();
        path
    }

    #[test]
    fn reads_rows_and_resolves_docroots_beside_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("s/a")).unwrap();
        let abs = dir.path().join("s/a");
        let rows = format!(
            "# comment\na\tA.Test.\t127.0.10.1\t8080\ts/a\t/x.html\n\
             b\tb.test\t127.0.10.1\t8080\t{}\t\n",
            abs.display()
        );
        let plan = write_plan(dir.path(), &rows);
        let sites = load_plan(&plan, Path::new("/nonexistent")).unwrap();

        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0].hostname, "a.test");
        assert_eq!(sites[0].docroot, dir.path().join("s/a"));
        assert_eq!(sites[0].entry_path, "/x.html");
        assert_eq!(sites[1].docroot, abs);
        assert_eq!(sites[1].entry_path, "/");
        validate(&sites).unwrap();
    }

    #[test]
    fn falls_back_to_the_sites_folder_for_relative_docroots() {
        let plan_dir = tempfile::tempdir().unwrap();
        let sites_dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(sites_dir.path().join("one")).unwrap();
        let plan = write_plan(plan_dir.path(), "1\tone.test\t127.0.0.1\t80\tone\t/\n");

        let sites = load_plan(&plan, sites_dir.path()).unwrap();
        assert_eq!(sites[0].docroot, sites_dir.path().join("one"));
    }

    #[test]
    fn reports_malformed_lines_with_their_number() {
        let dir = tempfile::tempdir().unwrap();
        let plan = write_plan(dir.path(), "a\ta.test\t127.0.0.1\t0\t.\t/\n");
        let err = load_plan(&plan, dir.path()).unwrap_err();
        assert!(matches!(err, LabError::Plan { line: 2, .. }), "{err}");

        let plan = write_plan(dir.path(), "a\tbad host\t127.0.0.1\t80\t.\t/\n");
        let err = load_plan(&plan, dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a hostname"), "{err}");

        std::fs::write(&plan, "id\thostname\tip\n").unwrap();
        let err = load_plan(&plan, dir.path()).unwrap_err();
        assert!(err.to_string().contains("`port`"), "{err}");
    }

    #[test]
    fn refuses_non_loopback_ips_and_duplicate_hostnames() {
        let dir = tempfile::tempdir().unwrap();
        let plan = write_plan(dir.path(), "a\ta.test\t10.0.0.1\t80\t.\t/\n");
        let sites = load_plan(&plan, dir.path()).unwrap();
        let err = validate(&sites).unwrap_err();
        assert!(matches!(err, LabError::NotLoopback { .. }), "{err}");

        let rows = "a\ta.test\t127.0.0.1\t80\t.\t/\nb\ta.test\t127.0.0.2\t80\t.\t/\n";
        let plan = write_plan(dir.path(), rows);
        let err = validate(&load_plan(&plan, dir.path()).unwrap()).unwrap_err();
        assert!(matches!(err, LabError::DuplicateHost { .. }), "{err}");

        let plan = write_plan(dir.path(), "a\ta.test\t::1\t80\tmissing\t/\n");
        let err = validate(&load_plan(&plan, dir.path()).unwrap()).unwrap_err();
        assert!(matches!(err, LabError::Docroot { .. }), "{err}");
    }

    #[test]
    fn folder_mode_serves_sorted_subfolders_on_consecutive_ips() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b_Site", "a", ".hidden"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::create_dir(dir.path().join("a/site")).unwrap();
        std::fs::write(
            dir.path().join("a/meta.json"),
            r#"{"entry": "site/login.html"}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("file.txt"), "not a site").unwrap();

        let sites = plan_from_folder(dir.path()).unwrap();
        let hosts: Vec<_> = sites.iter().map(|s| s.hostname.as_str()).collect();
        assert_eq!(hosts, ["a.lab.test", "b-site.lab.test"]);
        assert_eq!(sites[0].ip, "127.0.10.1".parse::<IpAddr>().unwrap());
        assert_eq!(sites[1].ip, "127.0.10.2".parse::<IpAddr>().unwrap());
        assert_eq!(sites[0].docroot, dir.path().join("a/site"));
        assert_eq!(sites[0].entry_path, "/login.html");
        assert_eq!(sites[1].entry_path, "/");
        assert_eq!(folder_mode_ip(254), Some(Ipv4Addr::new(127, 0, 11, 1)));
    }

    #[test]
    fn corpus_plan_is_valid() {
        let Some(corpus) = super::super::test_corpus() else {
            return;
        };
        let sites = load_plan(&corpus.join("hosts-plan.tsv"), &corpus.join("phish")).unwrap();
        assert_eq!(sites.len(), 55);
        validate(&sites).unwrap();
    }
}
