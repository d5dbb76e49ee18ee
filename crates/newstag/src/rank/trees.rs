//! Gradient-boosted regression trees over the candidate [`Features`]: an alternative to the
//! linear ranker's weights that learns thresholds and interactions between features without
//! hand-made crossings (5-fold CV on DUC-2001: F1@10 37.2 against 33.6).
//!
//! Trained by `newstag train ranker --trees` on the logistic loss: each tree fits the gradient
//! of the loss over the candidates' features quantised into at most [`MAX_BINS`] bins, grows
//! best-first (the leaf whose split gains most splits next) up to a number of leaves, and adds
//! its leaves' Newton steps times a learning rate. Deterministic: no sampling, ties broken by
//! feature and bin order. Scoring walks each tree once: a few comparisons per tree.

use super::{Features, FEATURE_COUNT};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const _: () = assert!(FEATURE_COUNT <= 64, "FlatTree reads features from a 64-wide array");

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
/// reads a compact copy, [`FlatTree`], made on first use).
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
    /// when a tree does not fit a [`FlatTree`]; scoring then walks `nodes`). A forest whose
    /// fields change after it has scored keeps the old copy: change a clone instead, which
    /// makes its own.
    #[serde(skip)]
    flat: OnceLock<Option<Vec<FlatTree>>>,
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

/// The most leaves (and internal nodes) of a tree in a [`FlatTree`].
const FLAT: usize = 16;
/// Candidates a [`Forest::logits`] walks through one tree together.
const BATCH: usize = 8;

/// One tree of at most [`FLAT`] leaves in fixed arrays (288 bytes; the shipped forest of 100
/// trees fits in the L1 cache), indexed so that no step of the walk needs a bounds check.
/// Nodes `0..FLAT` are the internal ones (0 the root), nodes `FLAT..2 * FLAT` the leaves, each
/// its own child: a walk may take more steps than its path has and stays on its leaf, so a batch
/// of candidates walks a tree in lockstep, `depth` steps, without a branch per step.
/// Scores exactly as [`Forest::nodes`] does: same comparisons, leaves added in the same order.
#[derive(Debug, Clone)]
struct FlatTree {
    /// Feature tested by each node (`< FEATURE_COUNT`, read from a 64-wide array).
    feature: [u8; 2 * FLAT],
    threshold: [f32; 2 * FLAT],
    /// Left and right child of each node.
    child: [[u8; 2]; 2 * FLAT],
    /// The value of leaf node `FLAT + i`.
    leaf: [f32; FLAT],
    /// Steps from the root to the deepest leaf.
    depth: u8,
}

impl FlatTree {
    /// The tree rooted at `root` in `forest`, when it fits (and every index is in range).
    fn new(forest: &Forest, root: i32) -> Option<FlatTree> {
        let mut t = FlatTree {
            feature: [0; 2 * FLAT],
            threshold: [0.0; 2 * FLAT],
            child: std::array::from_fn(|n| [n as u8; 2]),
            leaf: [0.0; FLAT],
            depth: 1,
        };
        // A lone leaf: a root that sends everything (NaN too) to it.
        if root < 0 {
            t.threshold[0] = f32::INFINITY;
            t.child[0] = [FLAT as u8; 2];
            t.leaf[0] = *forest.leaves.get(!root as usize)?;
            return Some(t);
        }
        let (mut nodes, mut leaves) = (1usize, 0usize);
        // Depth first from the root; `stack` holds (node in `forest`, its index here, its depth).
        let mut stack = vec![(root as usize, 0usize, 1u8)];
        while let Some((g, l, d)) = stack.pop() {
            let node = forest.nodes.get(g)?;
            if node.feature as usize >= FEATURE_COUNT {
                return None;
            }
            t.feature[l] = node.feature;
            t.threshold[l] = node.threshold;
            t.depth = t.depth.max(d);
            for side in 0..2 {
                let c = node.children[side];
                t.child[l][side] = if c < 0 {
                    if leaves == FLAT {
                        return None;
                    }
                    t.leaf[leaves] = *forest.leaves.get(!c as usize)?;
                    leaves += 1;
                    (FLAT + leaves - 1) as u8
                } else {
                    // Children come after their node ([`Forest::is_valid`]), so this ends.
                    if nodes == FLAT || c as usize <= g {
                        return None;
                    }
                    stack.push((c as usize, nodes, d + 1));
                    nodes += 1;
                    (nodes - 1) as u8
                };
            }
        }
        Some(t)
    }

    /// One step of a walk from node `n`.
    #[inline(always)]
    fn step(&self, n: usize, x: &[f32; 64]) -> usize {
        let n = n % (2 * FLAT);
        self.child[n][(x[(self.feature[n] & 63) as usize] > self.threshold[n]) as usize] as usize
    }

    /// The value of the leaf node `n` (`>= FLAT`).
    #[inline(always)]
    fn leaf_value(&self, n: usize) -> f32 {
        self.leaf[n.wrapping_sub(FLAT) % FLAT]
    }

    /// The value of the leaf `x` reaches.
    #[inline]
    fn value(&self, x: &[f32; 64]) -> f32 {
        let mut n = 0usize;
        while n < FLAT {
            n = self.step(n, x);
        }
        self.leaf_value(n)
    }
}

/// Features in the 64-wide arrays a [`FlatTree`] reads.
fn widen(x: &[f32; FEATURE_COUNT]) -> [f32; 64] {
    let mut wide = [0.0f32; 64];
    wide[..FEATURE_COUNT].copy_from_slice(x);
    wide
}

impl Forest {
    /// A forest of these trees (see the fields).
    pub fn new(base: f32, roots: Vec<i32>, nodes: Vec<Node>, leaves: Vec<f32>) -> Self {
        Forest { base, roots, nodes, leaves, flat: OnceLock::new() }
    }

    /// The logit of a candidate with features `f`.
    pub fn logit(&self, f: &Features) -> f32 {
        self.logit_of(&f.to_array())
    }

    /// The logit of a candidate with feature values `x` ([`Features::to_array`]).
    pub fn logit_of(&self, x: &[f32; FEATURE_COUNT]) -> f32 {
        match self.flat() {
            Some(flat) => {
                let wide = widen(x);
                let mut z = self.base;
                for t in flat {
                    z += t.value(&wide);
                }
                z
            }
            None => self.walk(x),
        }
    }

    /// The logits of many candidates, in their order: each exactly [`Forest::logit_of`], found
    /// faster by walking each tree with [`BATCH`] candidates at a time.
    pub fn logits(&self, xs: &[[f32; FEATURE_COUNT]]) -> Vec<f32> {
        let Some(flat) = self.flat() else {
            return xs.iter().map(|x| self.walk(x)).collect();
        };
        let mut out = Vec::with_capacity(xs.len());
        for chunk in xs.chunks(BATCH) {
            let mut wide = [[0.0f32; 64]; BATCH];
            for (w, x) in wide.iter_mut().zip(chunk) {
                *w = widen(x);
            }
            let mut z = [self.base; BATCH];
            for t in flat {
                let mut n = [0usize; BATCH];
                for _ in 0..t.depth {
                    for k in 0..BATCH {
                        n[k] = t.step(n[k], &wide[k]);
                    }
                }
                for k in 0..BATCH {
                    z[k] += t.leaf_value(n[k]);
                }
            }
            out.extend_from_slice(&z[..chunk.len()]);
        }
        out
    }

    /// The trees as [`FlatTree`]s, made on first use; `None` when one does not fit.
    fn flat(&self) -> Option<&[FlatTree]> {
        self.flat.get_or_init(|| self.roots.iter().map(|&r| FlatTree::new(self, r)).collect()).as_deref()
    }

    /// [`Forest::logit_of`] by following `nodes` (for trees that do not fit a [`FlatTree`]).
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
        self.flat = OnceLock::new();
    }
}

/// Settings of [`train`].
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
    fn flat_trees_score_exactly_as_the_walk() {
        let (f, xs) = forest(15);
        assert!(f.roots.iter().all(|&r| FlatTree::new(&f, r).is_some()));
        let mut edge = xs[0];
        edge[0] = f32::NAN;
        edge[5] = f.nodes[0].threshold;
        let some: Vec<[f32; FEATURE_COUNT]> = xs.iter().take(301).copied().chain([edge]).collect();
        for x in &some {
            assert_eq!(f.logit_of(x).to_bits(), f.walk(x).to_bits());
        }
        // In batches too, whatever the count (302 is not a multiple of the batch).
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
    fn trees_too_big_to_flatten_are_walked() {
        let (f, xs) = forest(40);
        assert!(f.roots.iter().any(|&r| FlatTree::new(&f, r).is_none()));
        for x in xs.iter().take(100) {
            assert_eq!(f.logit_of(x).to_bits(), f.walk(x).to_bits());
        }
        let walked: Vec<f32> = xs.iter().take(20).map(|x| f.walk(x)).collect();
        assert_eq!(f.logits(&xs[..20]), walked);
    }
}
