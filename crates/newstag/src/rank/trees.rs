//! Gradient-boosted regression trees over the candidate [`Features`]: an alternative to the
//! linear ranker's weights that learns thresholds and interactions between features without
//! hand-made crossings (5-fold CV on DUC-2001: F1@10 37.2 against 33.6).
//!
//! Trained by `newstag train ranker --trees` on the logistic loss: each tree fits the gradient
//! of the loss over the candidates' features quantised into at most [`MAX_BINS`] bins, grows
//! best-first (the leaf whose split gains most splits next) up to a number of leaves, and adds
//! its leaves' Newton steps times a learning rate. Deterministic: no sampling, ties broken by
//! feature and bin order. Scoring does not walk the trees: it runs through their nodes sorted by
//! feature and threshold (`Scan`, QuickScorer), eight candidates side by side.

use super::{Features, FEATURE_COUNT};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The most bins a feature is quantised into for training.
pub const MAX_BINS: usize = 64;

/// One internal node of a [`Forest`]: a candidate goes to `children[0]` when its feature
/// `feature` is at most `threshold`, else to `children[1]`. A child `c >= 0` is another node,
/// `c < 0` is leaf `!c`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The feature tested (an index into [`super::FEATURE_NAMES`]).
    pub feature: u8,
    /// The largest value that goes left.
    pub threshold: f32,
    /// The left and right child.
    pub children: [i32; 2],
}

/// Boosted trees: the logit of a candidate is `base` plus the value of the leaf it reaches in
/// each tree. All trees share one array of nodes and one of leaves (the file format; scoring
/// reads them laid out by feature and threshold, a `Scan`, made on first use).
#[derive(Debug, Serialize, Deserialize)]
pub struct Forest {
    /// The logit before any tree (of the training set's share of chosen candidates).
    pub base: f32,
    /// Each tree's root, in the order they were grown: a node, or (`< 0`) a lone leaf.
    pub roots: Vec<i32>,
    /// The internal nodes of all trees; a node's children come after it.
    pub nodes: Vec<Node>,
    /// The leaves' contributions to the logit.
    pub leaves: Vec<f32>,
    /// The trees as scoring reads them, made from the fields above on the first score (`None`
    /// when a tree has too many leaves for a [`Scan`]; scoring then walks `nodes`). A forest
    /// whose fields change after it has scored keeps the old copy: change a clone instead,
    /// which makes its own.
    #[serde(skip)]
    scan: OnceLock<Option<Scan>>,
}

impl Clone for Forest {
    fn clone(&self) -> Self {
        Forest::new(self.base, self.roots.clone(), self.nodes.clone(), self.leaves.clone())
    }
}

impl PartialEq for Forest {
    fn eq(&self, other: &Self) -> bool {
        (self.base, &self.roots, &self.nodes, &self.leaves)
            == (other.base, &other.roots, &other.nodes, &other.leaves)
    }
}

/// The most leaves a tree may have to be scored by a [`Scan`] (one bit per leaf in a `u32`).
const SCAN_LEAVES: usize = 32;

/// One internal node of a [`Scan`]: 12 bytes, so the shipped forest's 1,400 nodes take 17 KB.
#[derive(Debug, Clone, Copy)]
struct ScanNode {
    /// The largest value that goes left, as its [`order_key`].
    key: i32,
    /// The tree the node is in.
    tree: u32,
    /// The tree's leaves, one bit each from the left, with those under the node's left child
    /// cleared: the leaves a candidate that goes right here cannot reach.
    mask: u32,
}

/// The forest laid out for scoring by threshold instead of by tree: QuickScorer (Lucchese et
/// al., SIGIR 2015). Every node of every tree is listed under its feature, by threshold. A
/// candidate takes, for each feature, the nodes whose threshold its value exceeds (it goes right
/// there), and clears in their trees the leaves those nodes' left children hold; in each tree the
/// leftmost leaf left standing is the one a walk from the root reaches. So scoring is a run
/// through sorted arrays, with no pointer chasing and one unpredictable branch per feature rather
/// than one per tree level. Leaves are added in tree order, so the logit is bit for bit the
/// walk's ([`Forest::walk`]).
#[derive(Debug, Clone)]
struct Scan {
    base: f32,
    /// The nodes testing feature `j` are `nodes[start[j]..start[j + 1]]`, by threshold ascending.
    start: [u32; FEATURE_COUNT + 1],
    nodes: Vec<ScanNode>,
    /// Tree `t`'s leaves, left to right, are `leaves[first_leaf[t]..]`.
    first_leaf: Vec<u32>,
    leaves: Vec<f32>,
}

impl Scan {
    /// The forest as a scan, when every tree has at most [`SCAN_LEAVES`] leaves (and every
    /// index is in range).
    fn new(forest: &Forest) -> Option<Scan> {
        // (feature, node) of every node, in tree order.
        let mut nodes: Vec<(u8, ScanNode)> = Vec::with_capacity(forest.nodes.len());
        let mut first_leaf = Vec::with_capacity(forest.roots.len());
        let mut leaves = Vec::with_capacity(forest.leaves.len());
        for (tree, &root) in forest.roots.iter().enumerate() {
            let leaf0 = leaves.len();
            first_leaf.push(u32::try_from(leaf0).ok()?);
            let tree = u32::try_from(tree).ok()?;
            // Depth first, left child first, so leaves are numbered from the left. `pending`:
            // this tree's nodes as (node, first leaf under its left child); an entry of `stack`
            // that starts a right child names the node whose left leaves end there.
            let mut pending: Vec<(Node, usize)> = Vec::new();
            let mut ends: Vec<usize> = Vec::new();
            let mut stack: Vec<(i32, Option<usize>)> = vec![(root, None)];
            while let Some((c, right_of)) = stack.pop() {
                let count = leaves.len() - leaf0;
                if let Some(p) = right_of {
                    ends[p] = count;
                }
                if c < 0 {
                    if count == SCAN_LEAVES {
                        return None;
                    }
                    leaves.push(*forest.leaves.get(!c as usize)?);
                } else {
                    let node = *forest.nodes.get(c as usize)?;
                    // A tree of at most 32 leaves has at most 31 internal nodes; the bound also
                    // ends the loop on a malformed tree with a cycle.
                    if node.feature as usize >= FEATURE_COUNT || pending.len() == SCAN_LEAVES - 1 {
                        return None;
                    }
                    stack.push((node.children[1], Some(pending.len())));
                    stack.push((node.children[0], None));
                    pending.push((node, count));
                    ends.push(count);
                }
            }
            for ((node, begin), end) in pending.into_iter().zip(ends) {
                // A NaN threshold sends every value left: such a node never clears a leaf.
                if node.threshold.is_nan() {
                    continue;
                }
                let width = end - begin;
                let left = if width == 32 { u32::MAX } else { ((1u32 << width) - 1) << begin };
                nodes.push((node.feature, ScanNode { key: order_key(node.threshold), tree, mask: !left }));
            }
        }
        // By feature, then threshold (stable: ties keep tree order, though any order scores the same).
        nodes.sort_by_key(|&(feature, node)| (feature, node.key));
        let mut start = [0u32; FEATURE_COUNT + 1];
        for &(feature, _) in &nodes {
            start[feature as usize + 1] += 1;
        }
        for j in 0..FEATURE_COUNT {
            start[j + 1] += start[j];
        }
        let nodes = nodes.into_iter().map(|(_, n)| n).collect();
        Some(Scan { base: forest.base, start, nodes, first_leaf, leaves })
    }

    /// The logit of a candidate with features `x`; `standing` is scratch space, one word a tree.
    #[inline]
    fn logit(&self, x: &[f32; FEATURE_COUNT], standing: &mut [u32]) -> f32 {
        standing.fill(u32::MAX);
        for (j, &v) in x.iter().enumerate() {
            let v = order_key(v);
            for node in self.feature_nodes(j) {
                // Thresholds ascend, so the first one `v` does not exceed ends the run (a NaN
                // exceeds none: it goes left everywhere, as in the walk).
                if v <= node.key {
                    break;
                }
                standing[node.tree as usize] &= node.mask;
            }
        }
        let mut z = self.base;
        for (&first, &s) in self.first_leaf.iter().zip(standing.iter()) {
            // The leaf a walk reaches is never cleared, so `s` is never 0.
            z += self.leaves[first as usize + s.trailing_zeros() as usize];
        }
        z
    }

    /// The logits of up to [`LANES`] candidates at once (the rest of `xs` is padding, its
    /// results unused), each exactly as [`Scan::logit`] finds it. A node is taken while any
    /// candidate's value exceeds its threshold, and clears leaves only in the trees of those that
    /// do, without a branch: the lanes of one tree's words side by side, so the compiler can
    /// clear several at once.
    #[inline]
    fn logits(&self, xs: &[[f32; FEATURE_COUNT]; LANES], standing: &mut [[u32; LANES]]) -> [f32; LANES] {
        scan_logits(self, xs, standing)
    }

    /// The nodes testing feature `j`, by threshold ascending.
    #[inline(always)]
    fn feature_nodes(&self, j: usize) -> &[ScanNode] {
        &self.nodes[self.start[j] as usize..self.start[j + 1] as usize]
    }
}

/// [`Scan::logits`], compiled for plain x86-64 and for AVX2, which is chosen when the processor
/// has it (eight lanes are one AVX2 register: a node is a compare, an OR and an AND; about a
/// quarter fewer instructions). The arithmetic is the same, so the logits are bit for bit the same.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn scan_logits(
    scan: &Scan,
    xs: &[[f32; FEATURE_COUNT]; LANES],
    standing: &mut [[u32; LANES]],
) -> [f32; LANES] {
    standing.fill([u32::MAX; LANES]);
    for (j, run) in scan.start.windows(2).enumerate() {
        let v: [i32; LANES] = std::array::from_fn(|k| order_key(xs[k][j]));
        let most = v.iter().fold(i32::MIN, |m, &x| m.max(x));
        for node in &scan.nodes[run[0] as usize..run[1] as usize] {
            if most <= node.key {
                break;
            }
            // Integer keys, and the tree's words read and written whole, let the compiler
            // compare and clear all lanes at once (a float comparison became a branch each).
            let s = &mut standing[node.tree as usize];
            let was = *s;
            *s = std::array::from_fn(|k| {
                // All ones (no change) for a lane that goes left here, else none.
                let keep = u32::from(v[k] > node.key).wrapping_sub(1);
                was[k] & (node.mask | keep)
            });
        }
    }
    let mut z = [scan.base; LANES];
    for (&first, s) in scan.first_leaf.iter().zip(standing.iter()) {
        for k in 0..LANES {
            z[k] += scan.leaves[first as usize + s[k].trailing_zeros() as usize];
        }
    }
    z
}

/// Candidates [`Forest::logits`] scores together.
const LANES: usize = 8;

/// An integer that orders as `x` does: for any `x` and any threshold `t` not NaN,
/// `order_key(x) > order_key(t)` exactly when `x > t`. NaN gets the least key (it exceeds
/// nothing), and -0.0 the key of 0.0 (they compare equal).
#[inline(always)]
fn order_key(x: f32) -> i32 {
    if x.is_nan() {
        return i32::MIN;
    }
    // Adding 0.0 turns -0.0 into 0.0. The bits of a negative float grow with its magnitude:
    // flipping all but the sign bit reverses them.
    let bits = (x + 0.0).to_bits() as i32;
    if bits < 0 {
        bits ^ i32::MAX
    } else {
        bits
    }
}

/// Runs `f` on `n` words of scratch space: on the stack for forests of up to 256 trees.
fn with_scratch<R>(n: usize, f: impl FnOnce(&mut [u32]) -> R) -> R {
    let mut stack = [0u32; 256];
    match stack.get_mut(..n) {
        Some(words) => f(words),
        None => f(&mut vec![0; n]),
    }
}

impl Forest {
    /// A forest of these trees (see the fields).
    pub fn new(base: f32, roots: Vec<i32>, nodes: Vec<Node>, leaves: Vec<f32>) -> Self {
        Forest { base, roots, nodes, leaves, scan: OnceLock::new() }
    }

    /// The logit of a candidate with features `f`.
    pub fn logit(&self, f: &Features) -> f32 {
        self.logit_of(&f.to_array())
    }

    /// The logit of a candidate with feature values `x` ([`Features::to_array`]).
    pub fn logit_of(&self, x: &[f32; FEATURE_COUNT]) -> f32 {
        match self.scan() {
            Some(scan) => with_scratch(self.roots.len(), |standing| scan.logit(x, standing)),
            None => self.walk(x),
        }
    }

    /// The logits of many candidates, in their order: each exactly [`Forest::logit_of`], found
    /// faster `LANES` (8) at a time.
    pub fn logits(&self, xs: &[[f32; FEATURE_COUNT]]) -> Vec<f32> {
        let Some(scan) = self.scan() else {
            return xs.iter().map(|x| self.walk(x)).collect();
        };
        let mut standing = vec![[0u32; LANES]; self.roots.len()];
        let mut out = Vec::with_capacity(xs.len());
        for chunk in xs.chunks(LANES) {
            // Padding is NaN, which goes left everywhere and so starts no run of nodes.
            let batch: [[f32; FEATURE_COUNT]; LANES] =
                std::array::from_fn(|k| chunk.get(k).copied().unwrap_or([f32::NAN; FEATURE_COUNT]));
            let z = scan.logits(&batch, &mut standing);
            out.extend_from_slice(&z[..chunk.len()]);
        }
        out
    }

    /// The forest as a [`Scan`], made on first use; `None` when a tree is too big for one.
    fn scan(&self) -> Option<&Scan> {
        self.scan.get_or_init(|| Scan::new(self)).as_ref()
    }

    /// [`Forest::logit_of`] by following `nodes` from each root (for trees too big for a [`Scan`]).
    fn walk(&self, x: &[f32; FEATURE_COUNT]) -> f32 {
        let mut z = self.base;
        for &root in &self.roots {
            let mut c = root;
            while c >= 0 {
                let node = &self.nodes[c as usize];
                c = node.children[(x[node.feature as usize] > node.threshold) as usize];
            }
            z += self.leaves[!c as usize];
        }
        z
    }

    /// Whether every index is in range and every child comes after its node (so no walk
    /// loops): checked when a model file is loaded.
    pub fn is_valid(&self) -> bool {
        let ok = |c: i32, after: Option<usize>| {
            if c < 0 {
                (!c as usize) < self.leaves.len()
            } else {
                (c as usize) < self.nodes.len() && after.is_none_or(|i| c as usize > i)
            }
        };
        self.roots.iter().all(|&r| ok(r, None))
            && self.nodes.iter().enumerate().all(|(i, n)| {
                (n.feature as usize) < FEATURE_COUNT && n.children.iter().all(|&c| ok(c, Some(i)))
            })
    }

    /// Appends a tree whose nodes and leaves index its own arrays.
    #[cfg(feature = "train")]
    fn push(&mut self, nodes: &[Node], leaves: &[f32]) {
        let (n0, l0) = (self.nodes.len() as i32, self.leaves.len() as i32);
        let shift = |c: i32| if c < 0 { !(!c + l0) } else { c + n0 };
        self.roots.push(if nodes.is_empty() { !l0 } else { n0 });
        self.nodes.extend(nodes.iter().map(|n| Node { children: n.children.map(shift), ..*n }));
        self.leaves.extend_from_slice(leaves);
        self.scan = OnceLock::new();
    }
}

/// Settings of `train` (feature `train`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestOptions {
    /// Number of trees (boosting rounds).
    pub trees: usize,
    /// Leaves per tree.
    pub leaves: usize,
    /// Each tree's leaf values are scaled by this ("shrinkage").
    pub learning_rate: f32,
    /// A leaf holds at least this many candidates (in units of the mean candidate weight).
    pub min_leaf: f32,
    /// L2 penalty on the leaf values.
    pub l2: f32,
}

impl Default for ForestOptions {
    /// Measured by 5-fold CV on DUC-2001 and KPCrowd (see the models README).
    fn default() -> Self {
        ForestOptions { trees: 100, leaves: 15, learning_rate: 0.1, min_leaf: 100.0, l2: 1.0 }
    }
}

/// Per feature, the bin thresholds: bin `b` holds the values `<= thresholds[b]` (and above the
/// previous threshold); the last bin, `thresholds.len()`, the values above them all.
#[cfg(feature = "train")]
fn bin_thresholds(xs: &[[f32; FEATURE_COUNT]], j: usize) -> Vec<f32> {
    let mut v: Vec<f32> = xs.iter().map(|x| x[j]).filter(|x| !x.is_nan()).collect();
    v.sort_by(f32::total_cmp);
    let mut distinct = v.clone();
    distinct.dedup();
    let mut t: Vec<f32> = if distinct.len() <= MAX_BINS {
        distinct
    } else {
        // Quantiles of the values: each bin about as full as the others.
        (1..MAX_BINS).map(|k| v[k * v.len() / MAX_BINS]).collect()
    };
    t.dedup();
    // The largest value needs no threshold: nothing lies above it.
    if t.last() == v.last() {
        t.pop();
    }
    t
}

/// Bin of `x` among `thresholds` (ascending): the number of thresholds below `x`.
#[cfg(feature = "train")]
fn bin_of(thresholds: &[f32], x: f32) -> u8 {
    thresholds.partition_point(|&t| t < x) as u8
}

/// Per feature and bin: sums of gradient, Hessian and weight.
#[cfg(feature = "train")]
type Histogram = Vec<[f64; 3]>;

/// A leaf being grown: its rows, their histogram and its best split.
#[cfg(feature = "train")]
struct Leaf {
    rows: Vec<u32>,
    hist: Histogram,
    sums: [f64; 3],
    /// (gain, feature, bin): split into bins `<= bin` and the rest.
    split: Option<(f64, usize, usize)>,
}

/// Trains boosted trees on the logistic loss: `xs` the candidates' features, `ys` whether each
/// was chosen, `ws` their weights. Features in `drop` are never split on.
#[cfg(feature = "train")]
pub fn train(
    xs: &[[f32; FEATURE_COUNT]],
    ys: &[bool],
    ws: &[f32],
    drop: &[usize],
    opts: &ForestOptions,
) -> Forest {
    let n = xs.len();
    let thresholds: Vec<Vec<f32>> = (0..FEATURE_COUNT)
        .map(|j| if drop.contains(&j) { Vec::new() } else { bin_thresholds(xs, j) })
        .collect();
    let offsets: Vec<usize> = thresholds
        .iter()
        .scan(0usize, |acc, t| {
            let start = *acc;
            *acc += t.len() + 1;
            Some(start)
        })
        .collect();
    let hist_len = offsets.last().copied().unwrap_or(0) + thresholds.last().map_or(0, |t| t.len() + 1);
    let bins: Vec<[u8; FEATURE_COUNT]> = xs
        .iter()
        .map(|x| {
            let mut b = [0u8; FEATURE_COUNT];
            for j in 0..FEATURE_COUNT {
                b[j] = bin_of(&thresholds[j], x[j]);
            }
            b
        })
        .collect();
    // Weights rescaled to a mean of 1, so that `min_leaf` counts candidates.
    let total: f64 = ws.iter().map(|&w| f64::from(w.max(0.0))).sum();
    let w: Vec<f64> = ws.iter().map(|&x| f64::from(x.max(0.0)) * n as f64 / total.max(1e-12)).collect();
    let positive: f64 = ys.iter().zip(&w).filter(|(y, _)| **y).map(|(_, w)| w).sum();
    let rate = (positive / n.max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
    let base = (rate / (1.0 - rate)).ln();
    let mut z = vec![base; n];
    let mut forest = Forest::new(base as f32, Vec::new(), Vec::new(), Vec::new());
    let mut grad = vec![[0.0f64; 3]; n];
    let lambda = f64::from(opts.l2.max(0.0));
    for _ in 0..opts.trees {
        for i in 0..n {
            let p = 1.0 / (1.0 + (-z[i]).exp());
            grad[i] = [w[i] * (p - ys[i] as u8 as f64), w[i] * (p * (1.0 - p)).max(1e-12), w[i]];
        }
        let grow = Grow {
            bins: &bins,
            offsets: &offsets,
            thresholds: &thresholds,
            grad: &grad,
            hist_len,
            lambda,
            opts,
        };
        let (nodes, leaves, leaf_rows) = grow.tree();
        for (&v, rows) in leaves.iter().zip(&leaf_rows) {
            for &i in rows {
                z[i as usize] += f64::from(v);
            }
        }
        forest.push(&nodes, &leaves);
    }
    forest
}

/// What growing one tree needs.
#[cfg(feature = "train")]
struct Grow<'a> {
    bins: &'a [[u8; FEATURE_COUNT]],
    offsets: &'a [usize],
    thresholds: &'a [Vec<f32>],
    /// Per row: gradient, Hessian, weight.
    grad: &'a [[f64; 3]],
    hist_len: usize,
    lambda: f64,
    opts: &'a ForestOptions,
}

#[cfg(feature = "train")]
impl Grow<'_> {
    fn histogram(&self, rows: &[u32]) -> Histogram {
        let mut h = vec![[0.0f64; 3]; self.hist_len];
        for &i in rows {
            let (b, g) = (&self.bins[i as usize], &self.grad[i as usize]);
            for j in 0..FEATURE_COUNT {
                let cell = &mut h[self.offsets[j] + b[j] as usize];
                cell[0] += g[0];
                cell[1] += g[1];
                cell[2] += g[2];
            }
        }
        h
    }

    fn leaf(&self, rows: Vec<u32>, hist: Histogram) -> Leaf {
        // The sums over the rows are those of any one feature's bins (the first feature's here:
        // every row falls in one of its bins, even when it is dropped and has a single bin).
        let first = &hist[..self.offsets.get(1).copied().unwrap_or(hist.len())];
        let sums = first.iter().fold([0.0f64; 3], |s, c| [s[0] + c[0], s[1] + c[1], s[2] + c[2]]);
        let split = self.best_split(&hist, &sums);
        Leaf { rows, hist, sums, split }
    }

    fn score(&self, g: f64, h: f64) -> f64 {
        g * g / (h + self.lambda)
    }

    fn best_split(&self, hist: &Histogram, sums: &[f64; 3]) -> Option<(f64, usize, usize)> {
        let min = f64::from(self.opts.min_leaf.max(0.0));
        let parent = self.score(sums[0], sums[1]);
        let mut best: Option<(f64, usize, usize)> = None;
        for j in 0..FEATURE_COUNT {
            let mut left = [0.0f64; 3];
            for b in 0..self.thresholds[j].len() {
                let cell = &hist[self.offsets[j] + b];
                left[0] += cell[0];
                left[1] += cell[1];
                left[2] += cell[2];
                let right = [sums[0] - left[0], sums[1] - left[1], sums[2] - left[2]];
                if left[2] < min || right[2] < min || left[1] < 1e-3 || right[1] < 1e-3 {
                    continue;
                }
                let gain = self.score(left[0], left[1]) + self.score(right[0], right[1]) - parent;
                if gain > 1e-9 && best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, j, b));
                }
            }
        }
        best
    }

    /// Grows one tree best-first; returns its nodes, its leaves and the rows of each leaf.
    fn tree(&self) -> (Vec<Node>, Vec<f32>, Vec<Vec<u32>>) {
        let all: Vec<u32> = (0..self.bins.len() as u32).collect();
        let hist = self.histogram(&all);
        // The leaves being grown, and where each hangs (node, side; `None`: the root).
        let mut leaves = vec![self.leaf(all, hist)];
        let mut hang: Vec<Option<(usize, usize)>> = vec![None];
        let mut nodes: Vec<Node> = Vec::new();
        while leaves.len() < self.opts.leaves.max(1) {
            // The leaf whose split gains most (the first on ties).
            let Some(k) = (0..leaves.len()).filter(|&k| leaves[k].split.is_some()).reduce(|a, b| {
                if leaves[b].split.unwrap().0 > leaves[a].split.unwrap().0 {
                    b
                } else {
                    a
                }
            }) else {
                break;
            };
            let (_, j, b) = leaves[k].split.unwrap();
            let leaf = std::mem::replace(
                &mut leaves[k],
                Leaf { rows: Vec::new(), hist: Vec::new(), sums: [0.0; 3], split: None },
            );
            let (left, right): (Vec<u32>, Vec<u32>) =
                leaf.rows.iter().partition(|&&i| (self.bins[i as usize][j] as usize) <= b);
            // The smaller side's histogram is built, the larger one's is the parent's minus it.
            let left_smaller = left.len() <= right.len();
            let small_hist = self.histogram(if left_smaller { &left } else { &right });
            let large_hist: Histogram = leaf
                .hist
                .iter()
                .zip(&small_hist)
                .map(|(p, s)| [p[0] - s[0], p[1] - s[1], p[2] - s[2]])
                .collect();
            let (left_hist, right_hist) =
                if left_smaller { (small_hist, large_hist) } else { (large_hist, small_hist) };
            let node = nodes.len();
            nodes.push(Node { feature: j as u8, threshold: self.thresholds[j][b], children: [0, 0] });
            if let Some((p, side)) = hang[k] {
                nodes[p].children[side] = node as i32;
            }
            leaves[k] = self.leaf(left, left_hist);
            hang[k] = Some((node, 0));
            leaves.push(self.leaf(right, right_hist));
            hang.push(Some((node, 1)));
        }
        let lr = f64::from(self.opts.learning_rate);
        let (mut values, mut rows) = (Vec::with_capacity(leaves.len()), Vec::with_capacity(leaves.len()));
        for (k, leaf) in leaves.into_iter().enumerate() {
            values.push((-leaf.sums[0] / (leaf.sums[1] + self.lambda) * lr) as f32);
            if let Some((p, side)) = hang[k] {
                nodes[p].children[side] = !(k as i32);
            }
            rows.push(leaf.rows);
        }
        (nodes, values, rows)
    }
}

#[cfg(all(test, feature = "train"))]
mod tests {
    use super::*;

    fn x(v: &[(usize, f32)]) -> [f32; FEATURE_COUNT] {
        let mut a = [0.0; FEATURE_COUNT];
        for &(j, val) in v {
            a[j] = val;
        }
        a
    }

    #[test]
    fn learns_an_interaction_a_linear_model_cannot() {
        // Chosen exactly when feature 0 and feature 1 differ (XOR), whatever feature 2 says.
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..800 {
            let (a, b) = ((i % 2) as f32, ((i / 2) % 2) as f32);
            xs.push(x(&[(0, a), (1, b), (2, (i % 7) as f32)]));
            ys.push(a != b);
        }
        let ws = vec![1.0; xs.len()];
        let opts = ForestOptions { trees: 50, leaves: 4, learning_rate: 0.3, min_leaf: 10.0, l2: 1.0 };
        let f = train(&xs, &ys, &ws, &[], &opts);
        assert!(f.is_valid());
        let logit = |a: f32, b: f32| f.logit_of(&x(&[(0, a), (1, b), (2, 3.0)]));
        assert!(logit(1.0, 0.0) > 2.0 && logit(0.0, 1.0) > 2.0, "{} {}", logit(1.0, 0.0), logit(0.0, 1.0));
        assert!(logit(0.0, 0.0) < -2.0 && logit(1.0, 1.0) < -2.0, "{} {}", logit(0.0, 0.0), logit(1.0, 1.0));
        // Deterministic, and a dropped feature is never split on.
        assert_eq!(train(&xs, &ys, &ws, &[], &opts), f);
        let blind = train(&xs, &ys, &ws, &[0], &opts);
        assert!(blind.nodes.iter().all(|n| n.feature != 0));
        // Without feature 0 the rule is invisible: no candidate strays far from the base rate.
        for v in &xs {
            let z = blind.logit_of(v);
            assert!((z - blind.base).abs() < 1.0, "{z} {}", blind.base);
        }
    }

    #[test]
    fn bins_split_exactly_at_values() {
        let xs: Vec<[f32; FEATURE_COUNT]> = [0.0, 0.5, 0.5, 2.0].iter().map(|&v| x(&[(4, v)])).collect();
        let t = bin_thresholds(&xs, 4);
        assert_eq!(t, vec![0.0, 0.5]);
        assert_eq!([0.0, 0.5, 1.0, 2.0].map(|v| bin_of(&t, v)), [0, 1, 2, 2]);
        // Many distinct values: at most MAX_BINS bins, each value in the bin its threshold says.
        let many: Vec<[f32; FEATURE_COUNT]> = (0..1000).map(|i| x(&[(0, (i as f32).sqrt())])).collect();
        let t = bin_thresholds(&many, 0);
        assert!(t.len() < MAX_BINS && t.windows(2).all(|w| w[0] < w[1]));
        for v in &many {
            let b = bin_of(&t, v[0]) as usize;
            assert!(b == t.len() || v[0] <= t[b]);
            assert!(b == 0 || v[0] > t[b - 1]);
        }
    }

    #[test]
    fn malformed_trees_are_rejected() {
        let node = Node { feature: 3, threshold: 0.5, children: [!0, !1] };
        let ok = Forest::new(0.5, vec![0, !2], vec![node], vec![-1.0, 1.0, 0.25]);
        assert!(ok.is_valid());
        assert_eq!(ok.logit_of(&x(&[(3, 1.0)])), 0.5 + 1.0 + 0.25);
        assert_eq!(ok.logit_of(&x(&[(3, 0.5)])), 0.5 - 1.0 + 0.25);
        let with = |n: Node| Forest { nodes: vec![n], ..ok.clone() };
        let cycle = with(Node { children: [0, !1], ..node });
        let out_of_range = with(Node { children: [!0, !5], ..node });
        let bad_feature = with(Node { feature: 200, ..node });
        let bad_root = Forest { roots: vec![1], ..ok.clone() };
        assert!(![cycle, out_of_range, bad_feature, bad_root].iter().any(Forest::is_valid));
    }

    /// A forest trained on noisy data with many features, `leaves` leaves a tree.
    fn forest(leaves: usize) -> (Forest, Vec<[f32; FEATURE_COUNT]>) {
        let mut seed = 12345u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) as f32) / (1u64 << 31) as f32
        };
        let xs: Vec<[f32; FEATURE_COUNT]> = (0..2000).map(|_| std::array::from_fn(|_| next())).collect();
        let ys: Vec<bool> = xs.iter().map(|x| x[0] + x[5] * x[9] - x[40] > 0.3 || x[20] > 0.95).collect();
        let ws = vec![1.0; xs.len()];
        let opts = ForestOptions { trees: 30, leaves, learning_rate: 0.2, min_leaf: 5.0, l2: 1.0 };
        (train(&xs, &ys, &ws, &[], &opts), xs)
    }

    #[test]
    fn the_scan_scores_exactly_as_the_walk() {
        let (f, xs) = forest(15);
        assert!(Scan::new(&f).is_some());
        // Values on thresholds, NaN, infinities, and -0.0 against a threshold of 0.0.
        let mut edge = xs[0];
        edge[0] = f32::NAN;
        edge[5] = f.nodes[0].threshold;
        edge[9] = f32::INFINITY;
        edge[20] = f32::NEG_INFINITY;
        let mut on_every_threshold = xs[1];
        for n in &f.nodes {
            on_every_threshold[n.feature as usize] = n.threshold;
        }
        let some: Vec<[f32; FEATURE_COUNT]> =
            xs.iter().take(301).copied().chain([edge, on_every_threshold, [-0.0; FEATURE_COUNT]]).collect();
        for x in &some {
            assert_eq!(f.logit_of(x).to_bits(), f.walk(x).to_bits());
        }
        let walked: Vec<u32> = some.iter().map(|x| f.walk(x).to_bits()).collect();
        assert_eq!(f.logits(&some).iter().map(|z| z.to_bits()).collect::<Vec<_>>(), walked);
        assert!(f.logits(&[]).is_empty());
        // A clone scores as its original; a changed clone, as changed.
        let mut g = f.clone();
        g.leaves.iter_mut().for_each(|v| *v *= 2.0);
        assert_eq!(f.clone().logit_of(&xs[1]), f.logit_of(&xs[1]));
        assert_eq!(g.logit_of(&xs[1]).to_bits(), g.walk(&xs[1]).to_bits());
        assert_ne!(g.logit_of(&xs[1]), f.logit_of(&xs[1]));
    }

    #[test]
    fn the_scan_handles_lone_leaves_nan_thresholds_and_shared_children() {
        // Tree 0 splits feature 3 at NaN (everything goes left) above a split of feature 1 at 0;
        // tree 1 is a lone leaf; tree 2's root sends both sides to one node (a DAG, which
        // `is_valid` allows and a walk reads as two copies of the subtree).
        let nodes = vec![
            Node { feature: 3, threshold: f32::NAN, children: [1, !0] },
            Node { feature: 1, threshold: 0.0, children: [!1, !2] },
            Node { feature: 2, threshold: 0.5, children: [3, 3] },
            Node { feature: 1, threshold: -1.0, children: [!4, !5] },
        ];
        let leaves = vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
        let f = Forest::new(0.25, vec![0, !3, 2], nodes, leaves);
        assert!(f.is_valid() && Scan::new(&f).is_some());
        for v in [-2.0, -1.0, -0.0, 0.0, 0.5, 3.0, f32::NAN] {
            for w in [0.0, 0.5, 1.0, f32::NAN] {
                let x = x(&[(1, v), (2, w), (3, 7.0)]);
                assert_eq!(f.logit_of(&x).to_bits(), f.walk(&x).to_bits(), "{v} {w}");
            }
        }
        assert_eq!(f.logit_of(&x(&[(1, 3.0)])), 0.25 + 4.0 + 8.0 + 32.0);
    }

    #[test]
    fn order_keys_order_as_floats() {
        let values = [
            f32::NEG_INFINITY,
            f32::MIN,
            -2.0,
            -1.0,
            -f32::MIN_POSITIVE,
            -1e-45,
            -0.0,
            0.0,
            1e-45,
            f32::MIN_POSITIVE,
            0.5,
            1.0,
            f32::MAX,
            f32::INFINITY,
        ];
        for &x in &values {
            assert!(order_key(f32::NAN) < order_key(x));
            for &t in &values {
                assert_eq!(order_key(x) > order_key(t), x > t, "{x} {t}");
            }
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
    }

    #[test]
    fn trees_too_big_for_a_scan_are_walked() {
        let (f, xs) = forest(80);
        assert!(Scan::new(&f).is_none());
        for x in xs.iter().take(100) {
            assert_eq!(f.logit_of(x).to_bits(), f.walk(x).to_bits());
        }
        let walked: Vec<f32> = xs.iter().take(20).map(|x| f.walk(x)).collect();
        assert_eq!(f.logits(&xs[..20]), walked);
    }
}
