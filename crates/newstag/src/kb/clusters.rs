//! Word clusters learnt from unlabelled news text (Brown clustering).
//!
//! Every word seen often enough in the training text belongs to one of C clusters, and every
//! cluster has a bit-string path in a binary merge tree. Words whose paths share a long prefix
//! occur in similar contexts ("Monday" and "Tuesday", "Baker" and "Volcker"). The named-entity
//! recogniser uses path prefixes of length 4, 6, 10 and 20 as features (Ratinov & Roth 2009): a
//! soft, learnt gazetteer for words the labelled data never showed. Words are case-sensitive,
//! because case is what the recogniser needs most.
//!
//! Training (feature `train`) is Brown et al. (1992) with the window of Liang (2005, §3.2): words
//! sorted by frequency, the C most frequent each start a cluster; every further word enters as
//! cluster C+1, and the two clusters whose merge loses the least mutual information between
//! adjacent clusters are merged. When every word is in, the C clusters are merged down to one; that
//! last merge order is the tree, so all words of one cluster share one path (as in Liang's
//! `wcluster`).
//!
//! Lookups are one hash probe and never allocate: the tagger calls them for every token.

use crate::error::{Error, Result};
use crate::model::{self, ModelKind};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The model kind of `clusters.bin`.
pub const KIND: ModelKind = ModelKind { tag: *b"CLUS", version: 1 };

/// Paths are stored in a `u64` with a length marker in prefix ids, so at most 63 steps are kept;
/// a deeper leaf (rare: the tree would have to be a long chain) keeps its first 63 steps.
pub const MAX_PATH_LEN: u8 = 63;

/// A cluster's position in the merge tree: `len` steps from the root, 0 = left, 1 = right.
///
/// The first step is the most significant of the `len` low bits of `bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterPath {
    bits: u64,
    len: u8,
}

impl ClusterPath {
    /// A path of `len` steps held in the low bits of `bits`; `None` if `len` exceeds
    /// [`MAX_PATH_LEN`] or `bits` has bits set above `len`.
    pub fn new(bits: u64, len: u8) -> Option<Self> {
        if len > MAX_PATH_LEN || bits >> len != 0 {
            return None;
        }
        Some(ClusterPath { bits, len })
    }

    /// The number of steps from the root.
    #[inline]
    pub fn len(&self) -> u8 {
        self.len
    }

    /// True for the root (a model with a single cluster).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The steps as the low `len()` bits, first step highest.
    #[inline]
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// A compact id of the first `len` steps (all of them if the path is shorter), distinct for
    /// distinct prefixes of any length: a marker bit above the prefix bits. Hash it into features.
    #[inline]
    pub fn prefix(&self, len: u8) -> u64 {
        let l = len.min(self.len);
        (1u64 << l) | (self.bits >> (self.len - l))
    }

    /// How many leading steps two paths share.
    pub fn common_prefix_len(&self, other: &ClusterPath) -> u8 {
        let l = self.len.min(other.len);
        let a = self.bits >> (self.len - l);
        let b = other.bits >> (other.len - l);
        let differing = 64 - (a ^ b).leading_zeros() as u8;
        l - differing
    }
}

impl fmt::Display for ClusterPath {
    /// The path as a string of '0' and '1', the way Brown-cluster files write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in (0..self.len).rev() {
            f.write_str(if self.bits >> i & 1 == 1 { "1" } else { "0" })?;
        }
        Ok(())
    }
}

/// The serialised form.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    /// Words seen fewer times than this were left out.
    min_count: u32,
    /// Tokens of training text.
    tokens: u64,
    /// One path per cluster as (bits, length); the cluster index is the position.
    paths: Vec<(u64, u8)>,
    /// (word, cluster index), sorted by word.
    words: Vec<(String, u32)>,
}

/// Word clusters with their tree paths. Immutable, `Send + Sync`, cheap to query.
#[derive(Debug, Clone)]
pub struct WordClusters {
    index: FxHashMap<Box<str>, u32>,
    paths: Vec<ClusterPath>,
    min_count: u32,
    tokens: u64,
}

impl WordClusters {
    /// Decodes a `clusters.bin` model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let payload: Payload = model::decode(KIND, bytes)?;
        Self::from_payload(payload)
    }

    fn from_payload(p: Payload) -> Result<Self> {
        let bad = |reason: String| Error::model(KIND.name(), reason);
        let mut paths = Vec::with_capacity(p.paths.len());
        for (i, &(bits, len)) in p.paths.iter().enumerate() {
            paths.push(
                ClusterPath::new(bits, len)
                    .ok_or_else(|| bad(format!("cluster {i} has a malformed path")))?,
            );
        }
        let mut index = FxHashMap::default();
        index.reserve(p.words.len());
        for (word, cluster) in p.words {
            if cluster as usize >= paths.len() {
                return Err(bad(format!("word {word:?} is in cluster {cluster} of {}", paths.len())));
            }
            if index.insert(word.into_boxed_str(), cluster).is_some() {
                return Err(bad("a word is listed twice".to_string()));
            }
        }
        Ok(WordClusters { index, paths, min_count: p.min_count, tokens: p.tokens })
    }

    /// The embedded `clusters.bin`, decoded once on first use.
    #[cfg(feature = "embedded")]
    pub fn embedded() -> Result<&'static WordClusters> {
        static CELL: std::sync::OnceLock<std::result::Result<WordClusters, String>> =
            std::sync::OnceLock::new();
        crate::model::embedded(&CELL, "clusters.bin", &KIND.name(), WordClusters::from_bytes)
    }

    /// The cluster index of `word` (case-sensitive), if the word was frequent enough.
    #[inline]
    pub fn cluster(&self, word: &str) -> Option<u32> {
        self.index.get(word).copied()
    }

    /// The tree path of `word`'s cluster.
    #[inline]
    pub fn path(&self, word: &str) -> Option<ClusterPath> {
        self.cluster(word).and_then(|c| self.paths.get(c as usize).copied())
    }

    /// The compact id of the first `len` steps of `word`'s path (see [`ClusterPath::prefix`]).
    #[inline]
    pub fn prefix(&self, word: &str, len: u8) -> Option<u64> {
        self.path(word).map(|p| p.prefix(len))
    }

    /// The path of cluster `cluster`.
    pub fn cluster_path(&self, cluster: u32) -> Option<ClusterPath> {
        self.paths.get(cluster as usize).copied()
    }

    /// The number of clusters.
    pub fn num_clusters(&self) -> usize {
        self.paths.len()
    }

    /// The number of words with a cluster.
    pub fn num_words(&self) -> usize {
        self.index.len()
    }

    /// Words seen fewer times than this in training have no cluster.
    pub fn min_count(&self) -> u32 {
        self.min_count
    }

    /// The number of tokens the clusters were trained on.
    pub fn training_tokens(&self) -> u64 {
        self.tokens
    }

    /// The words of one cluster, sorted (for inspection; not for the hot path).
    pub fn words_in(&self, cluster: u32) -> Vec<&str> {
        let mut words: Vec<&str> =
            self.index.iter().filter(|(_, &c)| c == cluster).map(|(w, _)| &**w).collect();
        words.sort_unstable();
        words
    }

    /// Encodes the clusters as a model file (sorted, so equal clusters give equal bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut words: Vec<(String, u32)> = self.index.iter().map(|(w, &c)| (w.to_string(), c)).collect();
        words.sort_unstable();
        let payload = Payload {
            min_count: self.min_count,
            tokens: self.tokens,
            paths: self.paths.iter().map(|p| (p.bits, p.len)).collect(),
            words,
        };
        model::encode(KIND, &payload)
    }
}

#[cfg(feature = "train")]
pub use train::{ClusterConfig, ClusterReport, ClusterTrainer};

#[cfg(feature = "train")]
mod train {
    use super::{ClusterPath, Payload, WordClusters, MAX_PATH_LEN};
    use crate::error::{Error, Result};
    use rustc_hash::FxHashMap;

    /// Training settings.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct ClusterConfig {
        /// C: the number of clusters (the size of the active window).
        pub clusters: usize,
        /// Words seen fewer times are left out.
        pub min_count: u32,
    }

    impl Default for ClusterConfig {
        fn default() -> Self {
            ClusterConfig { clusters: 512, min_count: 3 }
        }
    }

    /// What training saw and made.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClusterReport {
        /// Tokens of training text.
        pub tokens: u64,
        /// Distinct words in it.
        pub types: usize,
        /// Words kept (seen at least `min_count` times).
        pub words: usize,
        /// Tokens that are kept words.
        pub covered_tokens: u64,
        /// Clusters made.
        pub clusters: usize,
        /// The longest path (before the cap of 63).
        pub max_depth: usize,
        /// The kept words, most frequent first (ties by bytes): for showing clusters.
        pub words_by_frequency: Vec<String>,
    }

    /// Collects word and bigram counts from sequences of tokens, then clusters the words.
    #[derive(Debug, Default)]
    pub struct ClusterTrainer {
        config: ClusterConfig,
        ids: FxHashMap<String, u32>,
        words: Vec<String>,
        counts: Vec<u64>,
        bigrams: FxHashMap<u64, u64>,
        tokens: u64,
    }

    impl ClusterTrainer {
        /// A trainer with these settings.
        pub fn new(config: ClusterConfig) -> Self {
            ClusterTrainer { config, ..Default::default() }
        }

        fn id(&mut self, word: &str) -> u32 {
            if let Some(&id) = self.ids.get(word) {
                return id;
            }
            let id = self.words.len() as u32;
            self.ids.insert(word.to_string(), id);
            self.words.push(word.to_string());
            self.counts.push(0);
            id
        }

        /// Adds one run of adjacent tokens (a sentence or paragraph); bigrams do not cross runs.
        pub fn add_sequence<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
            let mut prev: Option<u32> = None;
            for w in words {
                let id = self.id(w);
                self.counts[id as usize] += 1;
                self.tokens += 1;
                if let Some(p) = prev {
                    *self.bigrams.entry((p as u64) << 32 | id as u64).or_insert(0) += 1;
                }
                prev = Some(id);
            }
        }

        /// Tokenizes `text` with [`crate::text::tokenize`] and adds each line (paragraph) of it as
        /// a sequence.
        pub fn add_text(&mut self, text: &str) {
            let tokens = crate::text::tokenize(text);
            let mut start = 0;
            for i in 1..=tokens.len() {
                if i == tokens.len() || tokens[i].newlines_before > 0 {
                    self.add_sequence(tokens[start..i].iter().map(|t| t.text(text)));
                    start = i;
                }
            }
        }

        /// Tokens added so far.
        pub fn tokens(&self) -> u64 {
            self.tokens
        }

        /// Clusters the words. Deterministic: the same sequences in the same order give the same
        /// clusters on the same platform.
        pub fn train(self) -> Result<(WordClusters, ClusterReport)> {
            let ClusterConfig { clusters, min_count } = self.config;
            if clusters == 0 || clusters > 1 << 16 {
                return Err(Error::Input(format!("clusters must be in 1..=65536, not {clusters}")));
            }
            // Vocabulary: most frequent first, ties by the word's bytes.
            let mut kept: Vec<u32> = (0..self.words.len() as u32)
                .filter(|&i| self.counts[i as usize] >= min_count.max(1) as u64)
                .collect();
            kept.sort_unstable_by(|&a, &b| {
                self.counts[b as usize]
                    .cmp(&self.counts[a as usize])
                    .then_with(|| self.words[a as usize].cmp(&self.words[b as usize]))
            });
            let v = kept.len();
            let mut rank = vec![u32::MAX; self.words.len()];
            for (r, &id) in kept.iter().enumerate() {
                rank[id as usize] = r as u32;
            }
            let unigram: Vec<u64> = kept.iter().map(|&id| self.counts[id as usize]).collect();
            let mut pairs: Vec<(u32, u32, u64)> = self
                .bigrams
                .iter()
                .filter_map(|(&key, &n)| {
                    let (a, b) = (rank[(key >> 32) as usize], rank[(key & 0xFFFF_FFFF) as usize]);
                    (a != u32::MAX && b != u32::MAX).then_some((a, b, n))
                })
                .collect();
            pairs.sort_unstable();
            let graph = Graph::new(v, &pairs);

            let c = clusters.min(v);
            let (leaf_of_word, paths, max_depth) =
                if v == 0 { (Vec::new(), Vec::new(), 0) } else { brown(&unigram, &graph, c) };
            // Number clusters in path order so that cluster ids read like the tree.
            let mut order: Vec<usize> = (0..paths.len()).collect();
            order.sort_by_key(|&i| (paths[i].to_string(), i));
            let mut renumber = vec![0u32; paths.len()];
            for (new, &old) in order.iter().enumerate() {
                renumber[old] = new as u32;
            }
            let payload = Payload {
                min_count,
                tokens: self.tokens,
                paths: order.iter().map(|&i| (paths[i].bits, paths[i].len)).collect(),
                words: {
                    let mut w: Vec<(String, u32)> = kept
                        .iter()
                        .enumerate()
                        .map(|(r, &id)| (self.words[id as usize].clone(), renumber[leaf_of_word[r]]))
                        .collect();
                    w.sort_unstable();
                    w
                },
            };
            let report = ClusterReport {
                tokens: self.tokens,
                types: self.words.len(),
                words: v,
                covered_tokens: unigram.iter().sum(),
                clusters: paths.len(),
                max_depth,
                words_by_frequency: kept.iter().map(|&id| self.words[id as usize].clone()).collect(),
            };
            Ok((WordClusters::from_payload(payload)?, report))
        }
    }

    /// Bigram counts between kept words (by frequency rank) in both directions, as CSR lists.
    struct Graph {
        right_start: Vec<usize>,
        right: Vec<(u32, u64)>,
        left_start: Vec<usize>,
        left: Vec<(u32, u64)>,
    }

    impl Graph {
        fn new(v: usize, pairs: &[(u32, u32, u64)]) -> Self {
            // `pairs` is sorted by (first, second): the right lists as they come, the left ones
            // after swapping and sorting.
            let csr = |list: Vec<(u32, u32, u64)>| {
                let mut start = vec![0usize; v + 1];
                for &(a, _, _) in &list {
                    start[a as usize + 1] += 1;
                }
                for i in 0..v {
                    start[i + 1] += start[i];
                }
                (start, list.into_iter().map(|(_, b, n)| (b, n)).collect::<Vec<_>>())
            };
            let (right_start, right) = csr(pairs.to_vec());
            let mut swapped: Vec<(u32, u32, u64)> = pairs.iter().map(|&(a, b, n)| (b, a, n)).collect();
            swapped.sort_unstable();
            let (left_start, left) = csr(swapped);
            Graph { right_start, right, left_start, left }
        }
        fn right(&self, w: usize) -> &[(u32, u64)] {
            &self.right[self.right_start[w]..self.right_start[w + 1]]
        }
        fn left(&self, w: usize) -> &[(u32, u64)] {
            &self.left[self.left_start[w]..self.left_start[w + 1]]
        }
    }

    /// Counts below this have `x ln x` precomputed.
    const H_TABLE: usize = 1 << 16;

    /// The clustering state over at most C+1 active clusters held in slots.
    ///
    /// The objective is the class-bigram mutual information up to terms that no merge changes:
    /// `F = Σ_xy h(n(x,y)) − Σ_x W(x) ln n(x)` with `h(k) = k ln k`, `n(x,y)` the bigram counts
    /// between active clusters, `n(x)` unigram counts and `W(x)` the active bigrams touching x.
    /// Merging s and t changes F by `Δ(s,t) = B(s,t) − [W(m) ln n(m) − W(s) ln n(s) − W(t) ln n(t)]`
    /// where `B(s,t) = Σ_{u∉{s,t}} g(n(s,u), n(t,u)) + g(n(u,s), n(u,t))` plus the s,t block term,
    /// `g(a,b) = h(a+b) − h(a) − h(b)`. B is kept up to date incrementally, so a merge costs
    /// O(C²) additions and logarithms are looked up, not computed, for counts below 65536.
    struct State {
        cap: usize,
        n1: Vec<u64>,
        n2: Vec<u64>,
        /// The transpose of `n2`, so that columns are contiguous too.
        n2t: Vec<u64>,
        w: Vec<u64>,
        wln: Vec<f64>,
        b: Vec<f64>,
        lnm: Vec<f64>,
        active: Vec<bool>,
        htab: Vec<f64>,
    }

    impl State {
        fn new(cap: usize) -> Self {
            State {
                cap,
                n1: vec![0; cap],
                n2: vec![0; cap * cap],
                n2t: vec![0; cap * cap],
                w: vec![0; cap],
                wln: vec![0.0; cap],
                b: vec![0.0; cap * cap],
                lnm: vec![0.0; cap * cap],
                active: vec![false; cap],
                htab: (0..H_TABLE).map(|k| if k == 0 { 0.0 } else { k as f64 * (k as f64).ln() }).collect(),
            }
        }

        #[inline]
        fn h(&self, x: u64) -> f64 {
            match self.htab.get(x as usize) {
                Some(&v) => v,
                None => x as f64 * (x as f64).ln(),
            }
        }

        #[inline]
        fn g(&self, x: u64, y: u64) -> f64 {
            if x == 0 || y == 0 {
                0.0
            } else {
                self.h(x + y) - self.h(x) - self.h(y)
            }
        }

        #[inline]
        fn n2(&self, s: usize, t: usize) -> u64 {
            self.n2[s * self.cap + t]
        }

        #[inline]
        fn set_n2(&mut self, s: usize, t: usize, k: u64) {
            self.n2[s * self.cap + t] = k;
            self.n2t[t * self.cap + s] = k;
        }

        #[inline]
        fn pair(&self, s: usize, t: usize) -> usize {
            if s < t {
                s * self.cap + t
            } else {
                t * self.cap + s
            }
        }

        fn set_w(&mut self, s: usize, w: u64) {
            self.w[s] = w;
            self.wln[s] = if self.n1[s] == 0 { 0.0 } else { w as f64 * (self.n1[s] as f64).ln() };
        }

        fn active_slots(&self) -> Vec<usize> {
            (0..self.cap).filter(|&s| self.active[s]).collect()
        }

        /// Recomputes B and ln n(m) for every pair of `m` with another active slot.
        fn init_row(&mut self, m: usize) {
            let cap = self.cap;
            // (u, n(m,u), h(n(m,u))) and (u, n(u,m), h(n(u,m))) for the non-zero entries.
            let nonzero = |row: &[u64]| -> Vec<(usize, u64, f64)> {
                (0..cap)
                    .filter(|&u| u != m && self.active[u] && row[u] > 0)
                    .map(|u| (u, row[u], self.h(row[u])))
                    .collect()
            };
            let rows = nonzero(&self.n2[m * cap..(m + 1) * cap]);
            let cols = nonzero(&self.n2t[m * cap..(m + 1) * cap]);
            for t in 0..cap {
                if t == m || !self.active[t] {
                    continue;
                }
                let mut sum = 0.0;
                let row_t = &self.n2[t * cap..(t + 1) * cap];
                for &(u, x, hx) in &rows {
                    let y = row_t[u];
                    if y != 0 && u != t {
                        sum += self.h(x + y) - hx - self.h(y);
                    }
                }
                let col_t = &self.n2t[t * cap..(t + 1) * cap];
                for &(u, x, hx) in &cols {
                    let y = col_t[u];
                    if y != 0 && u != t {
                        sum += self.h(x + y) - hx - self.h(y);
                    }
                }
                let (mm, mt, tm, tt) = (self.n2(m, m), self.n2(m, t), self.n2(t, m), self.n2(t, t));
                sum += self.h(mm + mt + tm + tt) - self.h(mm) - self.h(mt) - self.h(tm) - self.h(tt);
                let p = self.pair(m, t);
                self.b[p] = sum;
                self.lnm[p] = ((self.n1[m] + self.n1[t]) as f64).ln();
            }
        }

        /// Puts a new cluster into free slot `z`: unigram count `n`, bigrams (z, u) in `right`,
        /// (u, z) in `left` with active slots u, and `zz` bigrams of z with itself.
        fn add(&mut self, z: usize, n: u64, right: &[(usize, u64)], left: &[(usize, u64)], zz: u64) {
            let cap = self.cap;
            for &(u, k) in right {
                self.set_n2(z, u, self.n2(z, u) + k);
            }
            for &(u, k) in left {
                self.set_n2(u, z, self.n2(u, z) + k);
            }
            self.set_n2(z, z, self.n2(z, z) + zz);
            // The new u = z terms of the other pairs.
            let rs: Vec<usize> =
                (0..cap).filter(|&u| u != z && self.active[u] && self.n2(z, u) > 0).collect();
            let ls: Vec<usize> =
                (0..cap).filter(|&u| u != z && self.active[u] && self.n2(u, z) > 0).collect();
            for (i, &s) in ls.iter().enumerate() {
                for &t in &ls[i + 1..] {
                    let d = self.g(self.n2(s, z), self.n2(t, z));
                    let p = self.pair(s, t);
                    self.b[p] += d;
                }
            }
            for (i, &s) in rs.iter().enumerate() {
                for &t in &rs[i + 1..] {
                    let d = self.g(self.n2(z, s), self.n2(z, t));
                    let p = self.pair(s, t);
                    self.b[p] += d;
                }
            }
            let mut wz = 2 * self.n2(z, z);
            for u in 0..cap {
                if u == z || !self.active[u] {
                    continue;
                }
                let k = self.n2(u, z) + self.n2(z, u);
                if k > 0 {
                    wz += k;
                    let wu = self.w[u] + k;
                    self.set_w(u, wu);
                }
            }
            self.n1[z] = n;
            self.active[z] = true;
            self.set_w(z, wz);
            self.init_row(z);
        }

        /// The change in F if active slots `s` and `t` merged.
        #[inline]
        fn score(&self, s: usize, t: usize) -> f64 {
            let p = self.pair(s, t);
            self.b[p] - ((self.w[s] + self.w[t]) as f64 * self.lnm[p] - self.wln[s] - self.wln[t])
        }

        /// The best pair to merge, the lower slot first; ties go to the first pair in slot order.
        fn best(&self) -> Option<(usize, usize)> {
            let slots = self.active_slots();
            let mut best: Option<(f64, usize, usize)> = None;
            for (i, &s) in slots.iter().enumerate() {
                for &t in &slots[i + 1..] {
                    let sc = self.score(s, t);
                    match best {
                        Some((b, _, _)) if sc <= b => {}
                        _ => best = Some((sc, s, t)),
                    }
                }
            }
            best.map(|(_, s, t)| (s, t))
        }

        /// Merges slot `b` into slot `a`; `b` becomes free.
        fn merge(&mut self, a: usize, b: usize) {
            let cap = self.cap;
            let others: Vec<usize> = (0..cap).filter(|&u| u != a && u != b && self.active[u]).collect();
            // Pairs (s, t) among the others: their u = a and u = b terms become one u = m term.
            let ls: Vec<usize> =
                others.iter().copied().filter(|&s| self.n2(s, a) + self.n2(s, b) > 0).collect();
            let rs: Vec<usize> =
                others.iter().copied().filter(|&s| self.n2(a, s) + self.n2(b, s) > 0).collect();
            for (i, &s) in ls.iter().enumerate() {
                let (sa, sb) = (self.n2(s, a), self.n2(s, b));
                for &t in &ls[i + 1..] {
                    let (ta, tb) = (self.n2(t, a), self.n2(t, b));
                    let d = self.g(sa + sb, ta + tb) - self.g(sa, ta) - self.g(sb, tb);
                    let p = self.pair(s, t);
                    self.b[p] += d;
                }
            }
            for (i, &s) in rs.iter().enumerate() {
                let (as_, bs) = (self.n2(a, s), self.n2(b, s));
                for &t in &rs[i + 1..] {
                    let (at, bt) = (self.n2(a, t), self.n2(b, t));
                    let d = self.g(as_ + bs, at + bt) - self.g(as_, at) - self.g(bs, bt);
                    let p = self.pair(s, t);
                    self.b[p] += d;
                }
            }
            let mm = self.n2(a, a) + self.n2(a, b) + self.n2(b, a) + self.n2(b, b);
            for &u in &others {
                self.set_n2(a, u, self.n2(a, u) + self.n2(b, u));
                self.set_n2(u, a, self.n2(u, a) + self.n2(u, b));
            }
            self.set_n2(a, a, mm);
            for u in 0..cap {
                self.set_n2(b, u, 0);
                self.set_n2(u, b, 0);
            }
            self.n1[a] += self.n1[b];
            let wa = self.w[a] + self.w[b];
            self.set_w(a, wa);
            self.n1[b] = 0;
            self.set_w(b, 0);
            self.active[b] = false;
            self.init_row(a);
        }
    }

    /// Union-find over words: which slot each added word's cluster is in.
    struct Members {
        parent: Vec<u32>,
        size: Vec<u32>,
        slot_of_root: Vec<u32>,
        root_of_slot: Vec<u32>,
    }

    impl Members {
        fn find(&mut self, mut x: usize) -> usize {
            while self.parent[x] as usize != x {
                let p = self.parent[x] as usize;
                self.parent[x] = self.parent[p];
                x = p;
            }
            x
        }
        fn slot(&mut self, word: usize) -> usize {
            let r = self.find(word);
            self.slot_of_root[r] as usize
        }
        fn merge(&mut self, a: usize, b: usize) {
            let (ra, rb) = (self.root_of_slot[a] as usize, self.root_of_slot[b] as usize);
            let (big, small) = if self.size[ra] >= self.size[rb] { (ra, rb) } else { (rb, ra) };
            self.parent[small] = big as u32;
            self.size[big] += self.size[small];
            self.slot_of_root[big] = a as u32;
            self.root_of_slot[a] = big as u32;
        }
    }

    /// Liang's windowed Brown clustering of `unigram.len()` words (sorted by frequency) into `c`
    /// clusters. Returns each word's cluster, each cluster's path, and the deepest path's length.
    fn brown(unigram: &[u64], graph: &Graph, c: usize) -> (Vec<usize>, Vec<ClusterPath>, usize) {
        let v = unigram.len();
        let cap = c + 1;
        let mut st = State::new(cap);
        let mut members = Members {
            parent: (0..v as u32).collect(),
            size: vec![1; v],
            slot_of_root: vec![u32::MAX; v],
            root_of_slot: vec![u32::MAX; cap],
        };
        let mut free = 0usize;
        let mut right = Vec::new();
        let mut left = Vec::new();
        for (word, &count) in unigram.iter().enumerate() {
            // Counts between the new word and the clusters of words already in.
            right.clear();
            left.clear();
            let mut zz = 0;
            for &(x, k) in graph.right(word) {
                let x = x as usize;
                if x == word {
                    zz += k;
                } else if x < word {
                    right.push((members.slot(x), k));
                }
            }
            for &(x, k) in graph.left(word) {
                let x = x as usize;
                if x < word {
                    left.push((members.slot(x), k));
                }
            }
            let z = free;
            members.slot_of_root[word] = z as u32;
            members.root_of_slot[z] = word as u32;
            st.add(z, count, &right, &left, zz);
            if word + 1 < c {
                free = word + 1;
            } else if word + 1 == c {
                free = c;
            } else if let Some((a, b)) = st.best() {
                members.merge(a, b);
                st.merge(a, b);
                free = b;
            }
        }
        // Final phase: merge the C clusters down to one; the merge order is the tree.
        let leaves = st.active_slots();
        let mut node_of_slot = vec![usize::MAX; cap];
        for (i, &s) in leaves.iter().enumerate() {
            node_of_slot[s] = i;
        }
        let leaf_of_word: Vec<usize> = (0..v).map(|word| node_of_slot[members.slot(word)]).collect();
        let mut children: Vec<(usize, usize)> = Vec::new();
        while let Some((a, b)) = st.best() {
            children.push((node_of_slot[a], node_of_slot[b]));
            node_of_slot[a] = leaves.len() + children.len() - 1;
            st.merge(a, b);
        }
        let nleaves = leaves.len();
        let mut paths = vec![ClusterPath { bits: 0, len: 0 }; nleaves];
        let mut max_depth = 0;
        let root = nleaves + children.len() - 1;
        let mut stack = vec![(root, 0u64, 0usize)];
        while let Some((node, bits, depth)) = stack.pop() {
            if node < nleaves {
                max_depth = max_depth.max(depth);
                let len = depth.min(MAX_PATH_LEN as usize);
                paths[node] = ClusterPath { bits: bits >> (depth.min(64) - len), len: len as u8 };
            } else {
                let (l, r) = children[node - nleaves];
                // Beyond 64 steps the shift would drop bits; the cap above keeps the first 63.
                let push = |b: u64| if depth < 64 { bits << 1 | b } else { bits };
                stack.push((r, push(1), depth + 1));
                stack.push((l, push(0), depth + 1));
            }
        }
        (leaf_of_word, paths, max_depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefix_display_and_common_prefix() {
        let p = ClusterPath::new(0b10110, 5).unwrap();
        assert_eq!(p.to_string(), "10110");
        let cases: Vec<(u8, u64)> =
            vec![(0, 0b1), (1, 0b11), (2, 0b110), (4, 0b11011), (5, 0b110110), (20, 0b110110)];
        for (len, want) in cases {
            assert_eq!(p.prefix(len), want, "prefix {len}");
        }
        // Prefixes of different lengths never share an id.
        assert_ne!(ClusterPath::new(0b01, 2).unwrap().prefix(2), ClusterPath::new(0b1, 1).unwrap().prefix(1));
        let q = ClusterPath::new(0b1010, 4).unwrap();
        assert_eq!(p.common_prefix_len(&q), 3);
        assert_eq!(p.common_prefix_len(&p), 5);
        assert_eq!(ClusterPath::new(0, 0).unwrap().to_string(), "");
        assert!(ClusterPath::new(0b100, 2).is_none());
        assert!(ClusterPath::new(0, 64).is_none());
        let deep = ClusterPath::new(u64::MAX >> 1, 63).unwrap();
        assert_eq!(deep.prefix(63), u64::MAX);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(WordClusters::from_bytes(b"").is_err());
        let bad = Payload { min_count: 1, tokens: 1, paths: vec![(0, 1)], words: vec![("a".into(), 1)] };
        let bytes = model::encode(KIND, &bad).unwrap();
        assert!(WordClusters::from_bytes(&bytes).unwrap_err().to_string().contains("cluster 1 of 1"));
        let bad = Payload { min_count: 1, tokens: 1, paths: vec![(4, 1)], words: vec![] };
        let bytes = model::encode(KIND, &bad).unwrap();
        assert!(WordClusters::from_bytes(&bytes).is_err());
    }

    #[cfg(feature = "train")]
    fn toy_corpus() -> Vec<String> {
        // Weekdays, cities and verbs each share their contexts; a tiny deterministic "generator".
        let days = ["Monday", "Tuesday", "Wednesday", "Thursday"];
        let cities = ["Paris", "London", "Tokyo", "Berlin"];
        let verbs = ["said", "announced", "reported"];
        let mut out = Vec::new();
        for i in 0..400usize {
            let d = days[i % 4];
            let c = cities[(i / 4) % 4];
            let v = verbs[(i / 16) % 3];
            out.push(format!("The minister {v} on {d} in {c} that talks would resume ."));
            out.push(format!("Officials in {c} {v} the plan on {d} ."));
        }
        out
    }

    #[cfg(feature = "train")]
    fn train_toy(clusters: usize) -> (WordClusters, ClusterReport) {
        let mut t = ClusterTrainer::new(ClusterConfig { clusters, min_count: 2 });
        for line in toy_corpus() {
            t.add_text(&line);
        }
        t.train().unwrap()
    }

    #[cfg(feature = "train")]
    #[test]
    fn training_groups_words_by_context() {
        let (wc, report) = train_toy(6);
        assert_eq!(report.clusters, 6);
        assert_eq!(wc.num_clusters(), 6);
        assert!(wc.path("Monday").is_some() && wc.path("monday").is_none());
        let same = |a: &str, b: &str| wc.cluster(a) == wc.cluster(b);
        assert!(same("Monday", "Thursday"), "days together");
        assert!(same("Paris", "Tokyo"), "cities together");
        assert!(!same("Monday", "Paris"), "days apart from cities");
        let shared = |a: &str, b: &str| wc.path(a).unwrap().common_prefix_len(&wc.path(b).unwrap());
        assert!(shared("said", "announced") > shared("said", "Berlin"));
    }

    #[cfg(feature = "train")]
    #[test]
    fn training_is_deterministic_and_round_trips() {
        let (a, _) = train_toy(5);
        let (b, _) = train_toy(5);
        let bytes = a.to_bytes().unwrap();
        assert_eq!(bytes, b.to_bytes().unwrap());
        let back = WordClusters::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.path("Tokyo"), a.path("Tokyo"));
        assert_eq!(back.prefix("Tokyo", 4), a.prefix("Tokyo", 4));
    }

    #[cfg(feature = "train")]
    #[test]
    fn more_clusters_than_words_and_empty_input() {
        let mut t = ClusterTrainer::new(ClusterConfig { clusters: 50, min_count: 1 });
        t.add_text("a b a c");
        let (wc, r) = t.train().unwrap();
        assert_eq!((r.words, r.clusters, wc.num_words()), (3, 3, 3));
        let t = ClusterTrainer::new(ClusterConfig::default());
        let (wc, r) = t.train().unwrap();
        assert_eq!((r.words, wc.num_clusters()), (0, 0));
        assert!(ClusterTrainer::new(ClusterConfig { clusters: 0, min_count: 1 }).train().is_err());
    }

    /// The shipped model puts words of one kind near each other in the tree.
    #[cfg(feature = "embedded")]
    #[test]
    fn embedded_clusters_are_sensible() {
        let wc = WordClusters::embedded().unwrap();
        let shared = |a: &str, b: &str| {
            let (pa, pb) =
                (wc.path(a).unwrap_or_else(|| panic!("{a}")), wc.path(b).unwrap_or_else(|| panic!("{b}")));
            pa.common_prefix_len(&pb)
        };
        assert!(shared("Monday", "Tuesday") > shared("Monday", "oil"));
        assert!(shared("January", "March") > shared("January", "bank"));
        assert!(shared("Japan", "France") > shared("Japan", "said"));
    }
}
