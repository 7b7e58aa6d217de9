//! Unit tests of the in-memory clusterer: the linking rules on postings, and constraints.

use super::*;

fn target(id: i64, fields: &[(&str, &str)]) -> StoredTarget {
    let mut t = StoredTarget {
        id,
        url: format!("http://t{id}.test/"),
        ..StoredTarget::default()
    };
    for (field, value) in fields {
        let v = Some(value.to_string());
        match *field {
            "favicon_sha256" => t.favicon_sha256 = v,
            "ip" => t.ip = v,
            "jarm" => t.jarm = v,
            "headers_hash" => t.headers_hash = v,
            "screenshot_phash" => t.screenshot_phash = v,
            "dom_hash" => t.dom_hash = v,
            "html_tlsh" => t.html_tlsh = v,
            "asset" => t.asset_sha256.push(value.to_string()),
            other => panic!("no field {other}"),
        }
    }
    t
}

fn cluster(targets: &[StoredTarget], constraints: &Constraints) -> Vec<Vec<i64>> {
    let generic = GenericValues::shipped();
    let mut c = MemoryClusterer::new(ClusterSettings::default());
    for t in targets {
        c.add(t, &generic);
    }
    let out = c.finish(constraints);
    out.sets
        .iter()
        .map(|s| s.iter().map(|&ix| out.ids[ix as usize]).collect())
        .collect()
}

#[test]
fn strong_alone_weak_in_pairs_generic_never() {
    let blank = "8000000000000000";
    let yahoo = "19b644434cfa9f5d12e1e90a3c2d062aacf27da9ecbe8393df77383ab3c00208";
    let targets = [
        target(1, &[("favicon_sha256", "aa")]),
        target(2, &[("favicon_sha256", "aa")]),
        target(3, &[("ip", "192.0.2.1"), ("jarm", "j1")]),
        target(4, &[("ip", "192.0.2.1"), ("jarm", "j1")]),
        target(5, &[("ip", "192.0.2.1"), ("jarm", "j2")]),
        target(
            6,
            &[
                ("ip", "192.0.2.9"),
                ("screenshot_phash", "f0f0f0f0f0f0f0f0"),
            ],
        ),
        target(
            7,
            &[
                ("ip", "192.0.2.9"),
                ("screenshot_phash", "f0f0f0f0f0f0f0f3"),
            ],
        ),
        target(
            8,
            &[
                ("ip", "192.0.2.9"),
                ("screenshot_phash", "0f0f0f0f0f0f0f0f"),
            ],
        ),
        target(9, &[("ip", "192.0.2.5"), ("screenshot_phash", blank)]),
        target(10, &[("ip", "192.0.2.5"), ("screenshot_phash", blank)]),
        target(11, &[("asset", yahoo)]),
        target(12, &[("asset", yahoo)]),
    ];
    let sets = cluster(&targets, &Constraints::default());
    assert_eq!(sets, vec![vec![1, 2], vec![3, 4], vec![6, 7]]);
}

#[test]
fn near_html_needs_the_same_dom() {
    let a = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708192";
    let b = "T1A4F0A7C2E4F5D6C7B8A9E0F1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708193";
    let targets = [
        target(1, &[("dom_hash", "d"), ("html_tlsh", a)]),
        target(2, &[("dom_hash", "d"), ("html_tlsh", b)]),
        target(3, &[("dom_hash", "e"), ("html_tlsh", a)]),
        target(4, &[("html_tlsh", a)]),
    ];
    assert_eq!(cluster(&targets, &Constraints::default()), vec![vec![1, 2]]);
}

#[test]
fn kept_apart_never_share_a_set_and_together_always() {
    let kit: Vec<StoredTarget> = (1..=4)
        .map(|id| target(id, &[("favicon_sha256", "k")]))
        .collect();
    let mut all = kit.clone();
    all.push(target(5, &[]));
    let constraints = Constraints {
        // 3 and 4 were split off the kit; 5 was merged with 1.
        apart: vec![(0, 2), (0, 3), (1, 2), (1, 3)],
        together: vec![(0, 4), (2, 3)],
        pinned: Vec::new(),
    };
    assert_eq!(cluster(&all, &constraints), vec![vec![1, 2, 5], vec![3, 4]]);
}

#[test]
fn a_pinned_member_stays_with_the_rest_of_its_old_campaign() {
    let targets = [
        target(1, &[("favicon_sha256", "k")]),
        target(2, &[("favicon_sha256", "k")]),
        target(3, &[]),
        target(4, &[]),
    ];
    let constraints = Constraints {
        pinned: vec![(vec![2], vec![0, 1]), (vec![3], vec![])],
        ..Constraints::default()
    };
    assert_eq!(
        cluster(&targets, &constraints),
        vec![vec![1, 2, 3], vec![4]]
    );
}

#[test]
fn a_weak_value_on_too_many_targets_links_nothing() {
    let targets = [
        target(1, &[("ip", "192.0.2.1"), ("jarm", "j1")]),
        target(2, &[("ip", "192.0.2.1"), ("jarm", "j1")]),
        target(3, &[("ip", "192.0.2.1"), ("jarm", "j1")]),
        target(4, &[("ip", "192.0.2.7"), ("jarm", "j1")]),
        target(5, &[("ip", "192.0.2.7"), ("jarm", "j1")]),
    ];
    let run = |most: usize| {
        let settings = ClusterSettings {
            weak_fanout_max: most,
            ..ClusterSettings::default()
        };
        let mut c = MemoryClusterer::new(settings);
        for t in &targets {
            c.add(t, &GenericValues::shipped());
        }
        let out = c.finish(&Constraints::default());
        out.sets
            .iter()
            .map(|s| s.iter().map(|&ix| out.ids[ix as usize]).collect())
            .collect::<Vec<Vec<i64>>>()
    };
    assert_eq!(run(1000), vec![vec![1, 2, 3], vec![4, 5]]);
    // j1 is on five targets: with at most four it is a server default and links nothing.
    assert_eq!(run(4), Vec::<Vec<i64>>::new());
    // With at most two, j1 (five) and 192.0.2.1 (three) are both busy; 192.0.2.7 alone is a
    // single weak kind, so nothing links.
    assert_eq!(run(2), Vec::<Vec<i64>>::new());
}
