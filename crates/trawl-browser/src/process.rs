//! Ending a browser for good: SIGKILL to the browser process and every process under it.
//!
//! Chromium's renderers, GPU and utility processes are its descendants; killing only the
//! browser process can leave renderers running (a page in a script loop keeps its renderer
//! busy). The tree is read from `/proc` before anything is killed. Errors are ignored: a
//! process that is already gone is the goal.

use std::collections::HashMap;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Kills `pid` and all its descendants with SIGKILL.
pub fn kill_tree(pid: u32) {
    let mut victims = descendants(pid);
    victims.push(pid);
    for victim in victims {
        if let Ok(raw) = i32::try_from(victim) {
            let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
        }
    }
}

/// Every process whose ancestry leads to `pid` (not `pid` itself).
pub fn descendants(pid: u32) -> Vec<u32> {
    let parents = parent_table();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for (&child, &p) in &parents {
            if p == parent && !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

/// pid → parent pid, from `/proc/<pid>/stat`.
fn parent_table() -> HashMap<u32, u32> {
    let mut table = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return table;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some(ppid) = parent_of(&stat) {
            table.insert(pid, ppid);
        }
    }
    table
}

/// The parent pid field of a `/proc/<pid>/stat` line (the command may contain spaces and
/// parentheses, so fields are counted after the last `)`).
fn parent_of(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_pid_is_read_after_the_command_name() {
        assert_eq!(parent_of("42 (chro me) (x)) S 7 42 42 0"), Some(7));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn a_child_process_is_found_and_killed() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let me = std::process::id();
        assert!(descendants(me).contains(&child.id()));

        kill_tree(child.id());
        let status = child.wait().unwrap();
        assert!(!status.success());
    }
}
