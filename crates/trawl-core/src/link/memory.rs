//! Full clustering in memory: union-find over value postings, for re-clustering every stored
//! target in one pass instead of one indexed lookup per value per target.
//!
//! Targets are fed in id order ([`MemoryClusterer::add`]); values are kept as 64-bit hashes of
//! (kind, value), never as text. The rules are those of [`super::cluster`], applied to postings
//! rather than to one target's lookups: every strong exact value unites its targets; two weak
//! exact kinds unite targets sharing both (postings of value pairs); a near-duplicate
//! screenshot unites targets that also share a weak exact value; near-duplicate HTML is found
//! by TLSH distance among distinct digests with the same DOM hash. The analyst's verdicts and
//! pins are constraints ([`Constraints`]): every union is refused that would put two targets
//! kept apart into one set. Without kept-apart verdicts the result equals incremental
//! clustering (connected components do not depend on order); with them, both paths guarantee
//! the verdicts but may choose different survivors among conflicting links.
//!
//! Evidence comes out as [`Shared`] records naming values by hash; the caller resolves hashes
//! to text for the members only.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use tlsh2::TlshDefault;

use super::cluster::{ClusterSettings, READ_IN_FULL};
use super::generic::GenericValues;
use super::kinds::{KINDS, Matching, StoredTarget, Strength, values_of};

/// Index of a target in the clusterer (dense, in the order targets were added).
pub type Ix = u32;

/// Hash of a (kind, value) pair.
pub fn value_hash(kind: &str, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (kind, value).hash(&mut h);
    h.finish()
}

/// A value as evidence names it: by hash (resolved to text later) or as text already.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueRef {
    /// `value_hash(kind, value)` of a stored value.
    Hash(u64),
    /// Text such as `distance 3`.
    Text(String),
}

/// Targets that share values: `left` and `right` members each share `entries` with the other
/// side (for one posting both sides are the same list).
#[derive(Clone, Debug)]
pub struct Shared {
    /// (kind index in [`KINDS`], value) shared.
    pub entries: Vec<(usize, ValueRef)>,
    /// One side.
    pub left: Vec<Ix>,
    /// The other side (`None`: the same as `left`).
    pub right: Option<Vec<Ix>>,
}

/// Verdicts and pins, by index.
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    /// Pairs kept together.
    pub together: Vec<(Ix, Ix)>,
    /// Pairs kept apart.
    pub apart: Vec<(Ix, Ix)>,
    /// Pinned members per old campaign, with the old campaign's other members.
    pub pinned: Vec<(Vec<Ix>, Vec<Ix>)>,
}

/// Union-find with sizes and, per root, the targets its members are kept apart from.
struct Sets {
    parent: Vec<Ix>,
    size: Vec<u32>,
    apart: HashMap<Ix, Vec<Ix>>,
}

impl Sets {
    fn new(n: usize) -> Sets {
        Sets {
            parent: (0..n as Ix).collect(),
            size: vec![1; n],
            apart: HashMap::new(),
        }
    }

    fn find(&mut self, mut x: Ix) -> Ix {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    /// Unites the sets of `a` and `b` unless a kept-apart pair would end up in one.
    fn union(&mut self, a: Ix, b: Ix) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        if !self.apart.is_empty() {
            let pa = self.apart.get(&ra).cloned().unwrap_or_default();
            let pb = self.apart.get(&rb).cloned().unwrap_or_default();
            if pa.iter().any(|&p| self.find(p) == rb) || pb.iter().any(|&p| self.find(p) == ra) {
                return false;
            }
        }
        let (big, small) = match self.size[ra as usize] >= self.size[rb as usize] {
            true => (ra, rb),
            false => (rb, ra),
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        if let Some(moved) = self.apart.remove(&small) {
            self.apart.entry(big).or_default().extend(moved);
        }
        true
    }

    /// Unites every member of `members` it can, trying each set already formed among them.
    fn union_all(&mut self, members: &[Ix]) {
        let Some((&first, rest)) = members.split_first() else {
            return;
        };
        let mut reps = vec![first];
        for &m in rest {
            for &r in &reps {
                self.union(m, r);
            }
            let root = self.find(m);
            if !reps.iter().any(|&r| self.find(r) == root) {
                reps.push(m);
            }
        }
    }
}

/// What [`MemoryClusterer::finish`] returns.
pub struct Clustering {
    /// Target ids by index.
    pub ids: Vec<i64>,
    /// Sets of two or more targets (and pinned sets of one), each sorted, by smallest index.
    pub sets: Vec<Vec<Ix>>,
    /// Evidence sources, to be split by set.
    pub shared: Vec<Shared>,
    /// The set number of each index in `sets` (`u32::MAX`: alone).
    pub set_of: Vec<u32>,
    /// Values carried by more than `READ_IN_FULL` (64) targets, all in one set.
    pub wide: Vec<WideValue>,
}

/// A value carried by many targets that all ended in one set: incremental linking may trust
/// a record of it instead of reading every carrier (see [`super::store::Sharers`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WideValue {
    /// Kind index in [`KINDS`].
    pub kind: usize,
    /// `value_hash(kind, value)`.
    pub hash: u64,
    /// Targets carrying it.
    pub carriers: usize,
    /// Their set in [`Clustering::sets`].
    pub set: u32,
}

/// Collects targets' linking values, then clusters them.
pub struct MemoryClusterer {
    settings: ClusterSettings,
    ids: Vec<i64>,
    /// (hash, target, kind) of strong exact values.
    strong: Vec<(u64, Ix, u8)>,
    /// (hash of two weak exact values, target), with the two values.
    weak_pairs: Vec<(u64, Ix, [(u8, u64); 2])>,
    /// Screenshot hash, weak exact value and target, for near-duplicate screenshots.
    phash: Vec<(u64, u8, u64, Ix)>,
    /// (DOM bucket, target, TLSH digest) for near-duplicate HTML.
    tlsh: Vec<(u64, Ix, Box<str>)>,
    /// Targets per weak exact value, for [`ClusterSettings::weak_fanout_max`].
    weak_count: HashMap<(u8, u64), u32>,
    /// (DOM hash, target) of every target with one: page layouts, for [`Clustering::wide`].
    layouts: Vec<(u64, Ix)>,
}

impl MemoryClusterer {
    /// An empty clusterer.
    pub fn new(settings: ClusterSettings) -> MemoryClusterer {
        MemoryClusterer {
            settings,
            ids: Vec::new(),
            strong: Vec::new(),
            weak_pairs: Vec::new(),
            phash: Vec::new(),
            tlsh: Vec::new(),
            weak_count: HashMap::new(),
            layouts: Vec::new(),
        }
    }

    /// Number of targets added.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no target was added.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a target's linking values (generic ones and its library files left out). Returns
    /// its index.
    pub fn add(&mut self, t: &StoredTarget, generic: &GenericValues) -> Ix {
        let ix = self.ids.len() as Ix;
        self.ids.push(t.id);
        if let Some(dom) = &t.dom_hash {
            self.layouts.push((value_hash("dom_hash", dom), ix));
        }
        let mut weak: Vec<(u8, u64)> = Vec::new();
        let mut phashes: Vec<u64> = Vec::new();
        for (kind, value) in values_of(t) {
            let library = kind.name == "asset_sha256" && t.library_sha256.contains(&value);
            if kind.strength == Strength::Never || library || generic.contains(kind.name, &value) {
                continue;
            }
            let k = KINDS
                .iter()
                .position(|x| x.name == kind.name)
                .unwrap_or_default() as u8;
            match (kind.strength, kind.matching) {
                (Strength::Strong, Matching::Exact) => {
                    self.strong.push((value_hash(kind.name, &value), ix, k));
                }
                (Strength::Weak, Matching::Exact) => {
                    weak.push((k, value_hash(kind.name, &value)));
                }
                (_, Matching::Hamming) => {
                    if let Ok(p) = u64::from_str_radix(&value, 16) {
                        phashes.push(p);
                    }
                }
                (_, Matching::Tlsh) => {
                    let dom = match self.settings.require_dom_match {
                        true => match &t.dom_hash {
                            Some(d) => value_hash("dom_hash", d),
                            None => continue,
                        },
                        false => 0,
                    };
                    self.tlsh.push((dom, ix, value.into_boxed_str()));
                }
                _ => {}
            }
        }
        weak.sort_unstable();
        weak.dedup();
        for w in &weak {
            *self.weak_count.entry(*w).or_default() += 1;
        }
        for (i, a) in weak.iter().enumerate() {
            for b in &weak[i + 1..] {
                if a.0 != b.0 {
                    let mut h = DefaultHasher::new();
                    (a, b).hash(&mut h);
                    self.weak_pairs.push((h.finish(), ix, [*a, *b]));
                }
            }
        }
        for p in phashes {
            for (k, w) in &weak {
                self.phash.push((p, *k, *w, ix));
            }
        }
        ix
    }

    /// Clusters what was added under `constraints`.
    pub fn finish(mut self, constraints: &Constraints) -> Clustering {
        self.drop_busy_weak_values();
        let mut sets = Sets::new(self.ids.len());
        for &(a, b) in &constraints.apart {
            sets.apart.entry(a).or_default().push(b);
            sets.apart.entry(b).or_default().push(a);
        }
        for &(a, b) in &constraints.together {
            sets.union(a, b);
        }
        let mut shared = self.postings();
        shared.extend(self.near_screenshots());
        shared.extend(self.near_html());
        for s in &shared {
            let mut all = s.left.clone();
            all.extend(s.right.iter().flatten());
            sets.union_all(&all);
        }

        // A pinned member stays with the part of its old campaign that kept most members.
        for (pinned, others) in &constraints.pinned {
            let mut count: HashMap<Ix, usize> = HashMap::new();
            for &o in others {
                *count.entry(sets.find(o)).or_default() += 1;
            }
            let heir = count
                .into_iter()
                .max_by_key(|&(root, n)| (n, std::cmp::Reverse(root)))
                .map_or(pinned[0], |(root, _)| root);
            for &p in pinned {
                sets.union(p, heir);
            }
        }

        // Sets of two or more, plus pinned members left alone (their campaign stays).
        let pinned: std::collections::HashSet<Ix> = constraints
            .pinned
            .iter()
            .flat_map(|(p, _)| p.iter().copied())
            .collect();
        let mut by_root: HashMap<Ix, Vec<Ix>> = HashMap::new();
        for ix in 0..self.ids.len() as Ix {
            let root = sets.find(ix);
            if sets.size[root as usize] > 1 || pinned.contains(&ix) {
                by_root.entry(root).or_default().push(ix);
            }
        }
        let mut out: Vec<Vec<Ix>> = by_root.into_values().collect();
        out.sort_unstable_by_key(|s| s[0]);
        let mut set_of = vec![u32::MAX; self.ids.len()];
        for (n, s) in out.iter().enumerate() {
            for &ix in s {
                set_of[ix as usize] = n as u32;
            }
        }
        let wide = self.wide_values(&set_of);
        Clustering {
            ids: std::mem::take(&mut self.ids),
            sets: out,
            shared,
            set_of,
            wide,
        }
    }

    /// Strong exact values and page layouts carried by more than [`READ_IN_FULL`] targets,
    /// all in one set.
    fn wide_values(&mut self, set_of: &[u32]) -> Vec<WideValue> {
        let dom = KINDS
            .iter()
            .position(|k| k.name == "dom_hash")
            .unwrap_or_default();
        self.layouts.sort_unstable();
        let strong = self
            .strong
            .iter()
            .map(|&(hash, ix, kind)| (hash, ix, kind as usize));
        let layouts = self.layouts.iter().map(|&(hash, ix)| (hash, ix, dom));
        let all: Vec<(u64, Ix, usize)> = strong.chain(layouts).collect();
        let mut wide = Vec::new();
        for run in all.chunk_by(|a, b| (a.0, a.2) == (b.0, b.2)) {
            let set = set_of[run[0].1 as usize];
            let one_set = run.iter().all(|x| set_of[x.1 as usize] == set);
            if run.len() > READ_IN_FULL && set != u32::MAX && one_set {
                wide.push(WideValue {
                    kind: run[0].2,
                    hash: run[0].0,
                    carriers: run.len(),
                    set,
                });
            }
        }
        wide
    }

    /// Leaves out weak values shared by more than `weak_fanout_max` targets (see
    /// [`ClusterSettings::weak_fanout_max`]).
    fn drop_busy_weak_values(&mut self) {
        let most = self.settings.weak_fanout_max;
        let busy: HashSet<(u8, u64)> = self
            .weak_count
            .iter()
            .filter(|&(_, &n)| n as usize > most)
            .map(|(w, _)| *w)
            .collect();
        if busy.is_empty() {
            return;
        }
        self.weak_pairs
            .retain(|(_, _, [a, b])| !busy.contains(a) && !busy.contains(b));
        self.phash.retain(|&(_, k, w, _)| !busy.contains(&(k, w)));
    }

    /// Postings of strong values and of weak value pairs with two or more targets.
    fn postings(&mut self) -> Vec<Shared> {
        let mut out = Vec::new();
        self.strong.sort_unstable();
        self.strong.dedup();
        for run in self
            .strong
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|r| r.len() > 1)
        {
            out.push(Shared {
                entries: vec![(run[0].2 as usize, ValueRef::Hash(run[0].0))],
                left: run.iter().map(|x| x.1).collect(),
                right: None,
            });
        }
        self.weak_pairs.sort_unstable_by_key(|x| (x.0, x.1));
        self.weak_pairs.dedup_by_key(|x| (x.0, x.1));
        for run in self
            .weak_pairs
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|r| r.len() > 1)
        {
            let [a, b] = run[0].2;
            out.push(Shared {
                entries: vec![
                    (a.0 as usize, ValueRef::Hash(a.1)),
                    (b.0 as usize, ValueRef::Hash(b.1)),
                ],
                left: run.iter().map(|x| x.1).collect(),
                right: None,
            });
        }
        out
    }

    /// Targets with screenshots within the Hamming threshold that also share a weak exact
    /// value. Candidates come from four 16-bit quarters of the distinct hashes.
    fn near_screenshots(&mut self) -> Vec<Shared> {
        let phash_kind = KINDS.iter().position(|k| k.matching == Matching::Hamming);
        let Some(phash_kind) = phash_kind else {
            return Vec::new();
        };
        self.phash.sort_unstable();
        self.phash.dedup();
        let mut by_key: HashMap<(u64, u8, u64), Vec<Ix>> = HashMap::new();
        let mut weak_of: HashMap<u64, Vec<(u8, u64)>> = HashMap::new();
        for &(p, k, w, ix) in &self.phash {
            let list = by_key.entry((p, k, w)).or_default();
            if list.is_empty() {
                weak_of.entry(p).or_default().push((k, w));
            }
            list.push(ix);
        }
        let mut distinct: Vec<u64> = weak_of.keys().copied().collect();
        distinct.sort_unstable();
        let mut quarters: [HashMap<u16, Vec<usize>>; 4] = Default::default();
        for (i, p) in distinct.iter().enumerate() {
            for (q, index) in quarters.iter_mut().enumerate() {
                index.entry((p >> (16 * q)) as u16).or_default().push(i);
            }
        }

        let mut out = Vec::new();
        let entries = |d: u32, k: u8, w: u64| {
            vec![
                (phash_kind, ValueRef::Text(format!("distance {d}"))),
                (k as usize, ValueRef::Hash(w)),
            ]
        };
        for (i, &p) in distinct.iter().enumerate() {
            for &(k, w) in &weak_of[&p] {
                let same = &by_key[&(p, k, w)];
                if same.len() > 1 {
                    out.push(Shared {
                        entries: entries(0, k, w),
                        left: same.clone(),
                        right: None,
                    });
                }
            }
            // Each candidate once: from the first quarter it agrees on.
            let near = (0..4).flat_map(|qi| {
                let bucket = &quarters[qi][&((p >> (16 * qi)) as u16)];
                bucket.iter().map(move |&j| (qi, j))
            });
            for (qi, j) in near {
                let q = distinct[j];
                let agrees = |k: usize| (p >> (16 * k)) as u16 == (q >> (16 * k)) as u16;
                if j <= i || (0..qi).any(agrees) {
                    continue;
                }
                let d = (p ^ q).count_ones();
                if d > self.settings.phash_max {
                    continue;
                }
                for &(k, w) in &weak_of[&p] {
                    if let Some(other) = by_key.get(&(q, k, w)) {
                        out.push(Shared {
                            entries: entries(d, k, w),
                            left: by_key[&(p, k, w)].clone(),
                            right: Some(other.clone()),
                        });
                    }
                }
            }
        }
        out
    }

    /// Near-duplicate HTML: distinct digests of one DOM bucket compared pairwise.
    fn near_html(&mut self) -> Vec<Shared> {
        let kind = KINDS.iter().position(|k| k.matching == Matching::Tlsh);
        let Some(kind) = kind else {
            return Vec::new();
        };
        self.tlsh
            .sort_unstable_by(|a, b| (a.0, &a.2, a.1).cmp(&(b.0, &b.2, b.1)));
        let mut out = Vec::new();
        for bucket in self
            .tlsh
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|b| b.len() > 1)
        {
            let groups: Vec<&[(u64, Ix, Box<str>)]> = bucket.chunk_by(|a, b| a.2 == b.2).collect();
            let parsed: Vec<Option<TlshDefault>> = groups.iter().map(|g| parse(&g[0].2)).collect();
            let members = |g: &[(u64, Ix, Box<str>)]| g.iter().map(|x| x.1).collect::<Vec<_>>();
            for (i, g) in groups.iter().enumerate() {
                if g.len() > 1 && parsed[i].is_some() {
                    out.push(Shared {
                        entries: vec![(kind, ValueRef::Text("distance 0".into()))],
                        left: members(g),
                        right: None,
                    });
                }
                let Some(a) = &parsed[i] else { continue };
                for (j, h) in groups.iter().enumerate().skip(i + 1) {
                    let Some(b) = &parsed[j] else { continue };
                    let d = a.diff(b, true);
                    if d <= self.settings.tlsh_max {
                        out.push(Shared {
                            entries: vec![(kind, ValueRef::Text(format!("distance {d}")))],
                            left: members(g),
                            right: Some(members(h)),
                        });
                    }
                }
            }
        }
        out
    }
}

/// A TLSH digest as stored (with or without its `T1` version prefix).
fn parse(digest: &str) -> Option<TlshDefault> {
    let digest = digest.trim();
    match digest.len() {
        70 => format!("T1{digest}").parse().ok(),
        _ => digest.parse().ok(),
    }
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
