//! A generic averaged perceptron over hashed sparse features, shared by every trained tagger.
//!
//! * **Features** are `u64` keys. A tagger hashes the parts of a feature (a word, a suffix, the
//!   previous tag) straight into a key with [`hash_str`] and [`feature`] / [`feature2`] /
//!   [`feature3`]: no `String` is built per feature, so extraction does not allocate.
//! * **Weights** ([`Weights`]) are sparse: each key holds only the classes it has a non-zero
//!   weight for, in an open-addressed table probed by the key's high bits. Scoring a token is one
//!   probe per feature plus a few additions.
//! * **Training** (`Trainer`, behind the `train` feature) is the averaged perceptron of Collins
//!   (2002) with lazy averaging (each weight remembers when it last changed, as in Honnibal's
//!   tagger). It is deterministic: the caller shuffles with the seeded [`SplitMix64`], the
//!   accumulators live in a hash map that is never iterated into output, and `Trainer::finish`
//!   writes the features in key order.
//! * **Storage** ([`StoredWeights`]): keys in ascending order, a count of classes per key, then
//!   the classes and the weights quantised to `i16` with one scale factor for the whole model.
//!   Averaged weights smaller than the pruning threshold are dropped; they rarely change a
//!   decision and they are most of a raw model.

use crate::error::{Error, Result};
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};
use std::hash::Hasher;

/// The largest number of classes a perceptron can have (classes are stored as `u8`).
pub const MAX_CLASSES: usize = 255;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hashes a string feature part (a word, a suffix, a shape).
#[inline]
pub fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

/// [`hash_str`] of the word lower-cased (`str::to_lowercase`), without allocating for ASCII
/// words of up to 64 bytes.
#[inline]
pub fn hash_lower(word: &str) -> u64 {
    let mut buf = [0u8; 64];
    if word.is_ascii() && word.len() <= buf.len() {
        let low = &mut buf[..word.len()];
        low.copy_from_slice(word.as_bytes());
        low.make_ascii_lowercase();
        hash_bytes(low)
    } else {
        hash_str(&word.to_lowercase())
    }
}

/// Hashes a byte string feature part.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(b);
    h.finish()
}

/// The splitmix64 finaliser: spreads every input bit over the whole output.
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The key of feature `template` with one part. Never 0 (0 marks an empty table slot).
#[inline]
pub fn feature(template: u32, a: u64) -> u64 {
    mix(a ^ (u64::from(template) + 1).wrapping_mul(GOLDEN)) | 1
}

/// The key of feature `template` with two parts (order matters).
#[inline]
pub fn feature2(template: u32, a: u64, b: u64) -> u64 {
    feature2_tail(feature2_head(template, a), b)
}

/// The part of a [`feature2`] key that depends on the template and the first part only, for a
/// caller that pairs one first part with several second parts:
/// `feature2(t, a, b) == feature2_tail(feature2_head(t, a), b)`.
#[inline]
pub fn feature2_head(template: u32, a: u64) -> u64 {
    mix(a ^ (u64::from(template) + 1).wrapping_mul(GOLDEN))
}

/// A [`feature2`] key from its [`feature2_head`] and its second part.
#[inline]
pub fn feature2_tail(head: u64, b: u64) -> u64 {
    mix(head ^ b.rotate_left(23)) | 1
}

/// The key of feature `template` with three parts (order matters).
#[inline]
pub fn feature3(template: u32, a: u64, b: u64, c: u64) -> u64 {
    let ab = mix(mix(a ^ (u64::from(template) + 1).wrapping_mul(GOLDEN)) ^ b.rotate_left(23));
    mix(ab ^ c.rotate_left(41)) | 1
}

/// Index of the highest score; the lowest index wins a tie, so the result is deterministic.
#[inline]
pub fn argmax<T: PartialOrd + Copy>(scores: &[T]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

/// Like [`argmax`], restricted to the classes whose bit is set in `allowed` (classes 0..64).
/// Falls back to [`argmax`] when no allowed class exists.
#[inline]
pub fn argmax_in<T: PartialOrd + Copy>(scores: &[T], allowed: u64) -> usize {
    let mut best: Option<(usize, T)> = None;
    let mut bits = allowed;
    while bits != 0 {
        let i = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        match (scores.get(i), best) {
            (Some(&s), Some((_, b))) if s > b => best = Some((i, s)),
            (Some(&s), None) => best = Some((i, s)),
            _ => {}
        }
    }
    match best {
        Some((i, _)) => i,
        None => argmax(scores),
    }
}

/// A small deterministic random number generator (splitmix64) for shuffling training data.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (the bias is below 2^-32 for our sizes).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// The serialisable form of [`Weights`]: what goes into a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredWeights {
    /// Number of classes.
    pub n_classes: u16,
    /// Feature keys, strictly ascending.
    pub keys: Vec<u64>,
    /// Number of (class, weight) entries of each key.
    pub lens: Vec<u8>,
    /// Classes of the entries, key by key.
    pub classes: Vec<u8>,
    /// A weight is `value as f32 * scale`.
    pub scale: f32,
    /// Quantised weights of the entries.
    pub values: Vec<i16>,
}

impl StoredWeights {
    /// Checks every invariant [`Weights::from_stored`] relies on: 1 to [`MAX_CLASSES`] classes,
    /// entry counts that add up (fewer than 2^23 entries), classes in range, strictly ascending
    /// odd keys, a positive finite scale. A table built from checked weights can index without
    /// failing.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::model("perceptron", reason));
        let n_classes = usize::from(self.n_classes);
        if n_classes == 0 || n_classes > MAX_CLASSES {
            return bad(format!("{n_classes} classes (1..={MAX_CLASSES} allowed)"));
        }
        if self.lens.len() != self.keys.len() {
            return bad("keys and lengths differ in number".into());
        }
        let total: usize = self.lens.iter().map(|&l| usize::from(l)).sum();
        if total != self.classes.len() || total != self.values.len() {
            return bad("entry counts do not add up".into());
        }
        if total >= MAX_ENTRIES {
            return bad(format!("{total} weights, more than this format holds"));
        }
        if self.classes.iter().any(|&c| usize::from(c) >= n_classes) {
            return bad("an entry names a class out of range".into());
        }
        if self.keys.windows(2).any(|w| w[0] >= w[1]) || self.keys.iter().any(|&k| k & 1 == 0) {
            return bad("keys are not strictly ascending feature keys".into());
        }
        if !self.scale.is_finite() || self.scale <= 0.0 {
            return bad("weight scale is not a positive number".into());
        }
        Ok(())
    }
}

/// Sparse perceptron weights for inference: feature key -> (class, weight) entries.
///
/// Laid out for cache efficiency: each table slot is one `u64` (the low 32 bits of the key as a
/// fingerprint, then the start and length of its entries), and each entry one `u32` (class in
/// the low byte, quantised weight in the high half). Scores are integer sums, which rank exactly
/// like the dequantised float sums since the scale factor is positive.
#[derive(Debug, Clone)]
pub struct Weights {
    n_classes: usize,
    slots: SlotIndex,
    entries: Vec<u32>,
    /// Dense rows of [`DENSE_STRIDE`]-padded weights, one per feature with at least
    /// [`DENSE_MIN`] classes (the bias, the previous tags, shapes: the features every token
    /// has). Adding a dense row is a few vector additions instead of one step per class.
    dense: Vec<i16>,
    dense_stride: usize,
    stored: StoredWeights,
}

/// An open-addressed index from feature keys to 32-bit payloads (the perceptron tables' layout):
/// each slot holds the key's fingerprint (its low 32 bits) above the payload, 0 marks an empty
/// slot (keys are odd, so a fingerprint is never 0), load factor at most 1/2. Lookups read the
/// home slot first ([`SlotIndex::home`], which callers can batch) and probe on only when it holds
/// another key ([`SlotIndex::resolve`]).
#[derive(Debug, Clone)]
pub(crate) struct SlotIndex {
    shift: u32,
    mask: usize,
    slots: Vec<u64>,
}

impl SlotIndex {
    /// An empty index with room for `n` keys.
    pub(crate) fn with_keys(n: usize) -> SlotIndex {
        let bits = (n.max(1) * 2).next_power_of_two().trailing_zeros().max(1);
        SlotIndex { shift: 64 - bits, mask: (1usize << bits) - 1, slots: vec![0u64; 1 << bits] }
    }

    /// Adds `key` (odd, not yet present) with `payload` (below 2^32). Adding more keys than the
    /// index was made for leaves them out rather than loop.
    pub(crate) fn insert(&mut self, key: u64, payload: u64) {
        let mut i = (key >> self.shift) as usize & self.mask;
        for _ in 0..self.slots.len() {
            match self.slots.get_mut(i) {
                Some(slot) if *slot == 0 => {
                    *slot = key << 32 | payload;
                    return;
                }
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    /// The content of `key`'s home slot.
    #[inline]
    pub(crate) fn home(&self, key: u64) -> u64 {
        self.slots.get((key >> self.shift) as usize & self.mask).copied().unwrap_or(0)
    }

    /// The slot of `key` given the content of its home slot, or 0 if the key is absent.
    #[inline]
    pub(crate) fn resolve(&self, key: u64, home: u64) -> u64 {
        let fingerprint = key & 0xFFFF_FFFF;
        if home >> 32 == fingerprint || home == 0 {
            return home;
        }
        let mut i = (key >> self.shift) as usize;
        loop {
            i = (i + 1) & self.mask;
            let slot = self.slots.get(i).copied().unwrap_or(0);
            if slot == 0 || slot >> 32 == fingerprint {
                return slot;
            }
        }
    }
}

/// At most 2^23 entries, so that a slot can pack the start offset in 23 bits beside the
/// dense-row flag.
const MAX_ENTRIES: usize = 1 << 23;

/// A slot flag: the start field is a dense row index, not an entry offset.
const DENSE_FLAG: u64 = 1 << 31;

/// Features with at least this many classes get a dense row.
const DENSE_MIN: usize = 12;

/// Dense rows are padded to a multiple of this many weights (whole vector registers).
const DENSE_LANES: usize = 16;

impl Weights {
    /// Builds the lookup table from stored weights, checking every invariant (never panics).
    pub fn from_stored(stored: StoredWeights) -> Result<Weights> {
        stored.check()?;
        let n_classes = usize::from(stored.n_classes);
        let mut slots = SlotIndex::with_keys(stored.keys.len());
        let dense_stride = n_classes.div_ceil(DENSE_LANES) * DENSE_LANES;
        let mut dense = Vec::new();
        let mut start = 0u64;
        for (&key, &len) in stored.keys.iter().zip(&stored.lens) {
            let (from, to) = (start as usize, start as usize + usize::from(len));
            let info = if usize::from(len) >= DENSE_MIN {
                let row = (dense.len() / dense_stride) as u64;
                dense.resize(dense.len() + dense_stride, 0i16);
                let at = dense.len() - dense_stride;
                for (&c, &v) in stored.classes[from..to].iter().zip(&stored.values[from..to]) {
                    dense[at + usize::from(c)] = v;
                }
                DENSE_FLAG | (row << 8)
            } else {
                (start << 8) | u64::from(len)
            };
            slots.insert(key, info);
            start += u64::from(len);
        }
        let entries = stored
            .classes
            .iter()
            .zip(&stored.values)
            .map(|(&c, &v)| u32::from(c) | (u32::from(v as u16) << 16))
            .collect();
        Ok(Weights { n_classes, slots, entries, dense, dense_stride, stored })
    }

    /// The stored form, taking it (the lookup table is dropped).
    pub fn into_stored(self) -> StoredWeights {
        self.stored
    }

    /// The stored form, for writing a model file.
    pub fn stored(&self) -> &StoredWeights {
        &self.stored
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Number of features with at least one weight.
    pub fn n_features(&self) -> usize {
        self.stored.keys.len()
    }

    /// Number of (feature, class) weights.
    pub fn n_weights(&self) -> usize {
        self.entries.len()
    }

    /// The (class, weight) entries a sparse slot points to.
    #[inline]
    fn entries_of(&self, slot: u64) -> &[u32] {
        let start = ((slot >> 8) & 0x7F_FFFF) as usize;
        let len = (slot & 0xFF) as usize;
        self.entries.get(start..start + len).unwrap_or(&[])
    }

    /// The weights a dense slot points to, one per class (then padding).
    #[inline]
    fn row_of(&self, slot: u64) -> &[i16] {
        let row = ((slot >> 8) & 0x7F_FFFF) as usize;
        self.dense.get(row * self.dense_stride..(row + 1) * self.dense_stride).unwrap_or(&[])
    }

    #[inline]
    fn add_slot(&self, slot: u64, scores: &mut [i32]) {
        if slot & DENSE_FLAG != 0 {
            for (s, &w) in scores.iter_mut().zip(self.row_of(slot)) {
                *s += i32::from(w);
            }
            return;
        }
        for &e in self.entries_of(slot) {
            if let Some(s) = scores.get_mut((e & 0xFF) as usize) {
                *s += (e as i32) >> 16;
            }
        }
    }

    /// Adds the (quantised) weights of feature `key` to `scores` (one entry per class).
    #[inline]
    pub fn add(&self, key: u64, scores: &mut [i32]) {
        let home = self.slots.home(key);
        let slot = self.slots.resolve(key, home);
        if slot != 0 {
            self.add_slot(slot, scores);
        }
    }

    /// Sets `scores` to the sum of the weights of `features`.
    ///
    /// The table is larger than the fast caches, so the home slots of a batch of features are
    /// loaded first, in a loop without branches; the processor overlaps those memory accesses
    /// instead of waiting for each in turn.
    #[inline]
    pub fn score(&self, features: &[u64], scores: &mut [i32]) {
        const BATCH: usize = 16;
        // Indexed by a byte, a 256-wide accumulator needs no bounds check per weight.
        let mut acc = [0i32; 256];
        for chunk in features.chunks(BATCH) {
            let mut home = [0u64; BATCH];
            for (h, &f) in home.iter_mut().zip(chunk) {
                *h = self.slots.home(f);
            }
            for (&h, &f) in home.iter().zip(chunk) {
                let slot = self.slots.resolve(f, h);
                if slot & DENSE_FLAG != 0 {
                    // Whole lanes at a time, so that the loop becomes vector additions.
                    for (a, w) in
                        acc.chunks_exact_mut(DENSE_LANES).zip(self.row_of(slot).chunks_exact(DENSE_LANES))
                    {
                        if let (Ok(a), Ok(w)) =
                            (<&mut [i32; DENSE_LANES]>::try_from(a), <&[i16; DENSE_LANES]>::try_from(w))
                        {
                            for (a, &w) in a.iter_mut().zip(w) {
                                *a += i32::from(w);
                            }
                        }
                    }
                } else if slot != 0 {
                    for &e in self.entries_of(slot) {
                        acc[usize::from(e as u8)] += (e as i32) >> 16;
                    }
                }
            }
        }
        for (s, &a) in scores.iter_mut().zip(&acc) {
            *s = a;
        }
    }
}

#[cfg(feature = "train")]
pub use training::Trainer;

#[cfg(feature = "train")]
mod training {
    use super::*;
    use rustc_hash::FxHashMap;

    #[derive(Debug, Clone, Copy)]
    struct Acc {
        class: u8,
        weight: i32,
        total: f64,
        stamp: u64,
    }

    /// Trains perceptron weights online: score, predict, [`update`](Trainer::update), repeat;
    /// then [`finish`](Trainer::finish) averages them.
    #[derive(Debug)]
    pub struct Trainer {
        n_classes: usize,
        index: FxHashMap<u64, u32>,
        rows: Vec<Vec<Acc>>,
        instances: u64,
    }

    impl Trainer {
        /// A trainer for `n_classes` classes (at most [`MAX_CLASSES`]).
        pub fn new(n_classes: usize) -> Result<Trainer> {
            if n_classes == 0 || n_classes > MAX_CLASSES {
                return Err(Error::model(
                    "perceptron",
                    format!("{n_classes} classes (1..={MAX_CLASSES} allowed)"),
                ));
            }
            Ok(Trainer { n_classes, index: FxHashMap::default(), rows: Vec::new(), instances: 0 })
        }

        /// Number of classes.
        pub fn n_classes(&self) -> usize {
            self.n_classes
        }

        /// Sets `scores` to the current (not averaged) score of each class. The current weights
        /// are whole numbers (every update is +1 or -1), so the scores are exact integers.
        pub fn score(&self, features: &[u64], scores: &mut [i32]) {
            scores.iter_mut().for_each(|s| *s = 0);
            for f in features {
                if let Some(&row) = self.index.get(f) {
                    for a in &self.rows[row as usize] {
                        if let Some(s) = scores.get_mut(usize::from(a.class)) {
                            *s += a.weight;
                        }
                    }
                }
            }
        }

        /// Counts one training instance and, if `guess` is wrong, moves the weights of `features`
        /// towards `truth` and away from `guess`.
        pub fn update(&mut self, features: &[u64], truth: usize, guess: usize) {
            self.tick();
            if truth != guess {
                self.adjust(features, truth, 1);
                self.adjust(features, guess, -1);
            }
        }

        /// Counts one training instance (for averaging); [`update`](Self::update) does it itself.
        pub fn tick(&mut self) {
            self.instances += 1;
        }

        /// Adds `delta` to the weight of `class` for each of `features` (structured updates).
        pub fn adjust(&mut self, features: &[u64], class: usize, delta: i32) {
            if class >= self.n_classes {
                return;
            }
            let now = self.instances;
            // Key 0 is never a feature (feature keys are odd): callers use it as padding.
            for &f in features.iter().filter(|&&f| f != 0) {
                let next = self.rows.len() as u32;
                let row = *self.index.entry(f).or_insert(next);
                if row == next {
                    self.rows.push(Vec::with_capacity(2));
                }
                bump(&mut self.rows[row as usize], class as u8, delta, now);
            }
        }

        /// Averages the weights over all instances seen, drops those with `|w| < prune`,
        /// quantises the rest and returns them in key order.
        pub fn finish(self, prune: f32) -> StoredWeights {
            let now = self.instances.max(1);
            let mut keyed: Vec<(u64, u32)> = self.index.iter().map(|(&k, &r)| (k, r)).collect();
            keyed.sort_unstable();
            let mut kept: Vec<(u64, Vec<(u8, f32)>)> = Vec::with_capacity(keyed.len());
            let mut max_abs = 0f32;
            for (key, row) in keyed {
                let mut entries: Vec<(u8, f32)> = self.rows[row as usize]
                    .iter()
                    .map(|a| {
                        let total = a.total + (now - a.stamp) as f64 * f64::from(a.weight);
                        (a.class, (total / now as f64) as f32)
                    })
                    .filter(|&(_, w)| w.abs() >= prune && w != 0.0)
                    .collect();
                if entries.is_empty() {
                    continue;
                }
                entries.sort_unstable_by_key(|&(c, _)| c);
                for &(_, w) in &entries {
                    max_abs = max_abs.max(w.abs());
                }
                kept.push((key, entries));
            }
            let scale = if max_abs > 0.0 { max_abs / f32::from(i16::MAX) } else { 1.0 };
            let mut out = StoredWeights {
                n_classes: self.n_classes as u16,
                keys: Vec::with_capacity(kept.len()),
                lens: Vec::with_capacity(kept.len()),
                classes: Vec::new(),
                scale,
                values: Vec::new(),
            };
            for (key, entries) in kept {
                let before = out.classes.len();
                for (c, w) in entries {
                    let q = (w / scale).round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
                    if q != 0 {
                        out.classes.push(c);
                        out.values.push(q);
                    }
                }
                let len = out.classes.len() - before;
                if len > 0 {
                    out.keys.push(key);
                    out.lens.push(len as u8);
                }
            }
            out
        }
    }

    fn bump(row: &mut Vec<Acc>, class: u8, delta: i32, now: u64) {
        let acc = match row.iter_mut().position(|a| a.class == class) {
            Some(i) => &mut row[i],
            None => {
                row.push(Acc { class, weight: 0, total: 0.0, stamp: now });
                let last = row.len() - 1;
                &mut row[last]
            }
        };
        acc.total += (now - acc.stamp) as f64 * f64::from(acc.weight);
        acc.stamp = now;
        acc.weight += delta;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_keys_differ_by_template_order_and_part() {
        let a = hash_str("bank");
        let b = hash_str("river");
        let keys = [
            feature(1, a),
            feature(2, a),
            feature(1, b),
            feature2(1, a, b),
            feature2(1, b, a),
            feature3(1, a, b, 7),
            feature3(1, a, b, 8),
        ];
        for (i, x) in keys.iter().enumerate() {
            assert_ne!(*x, 0);
            for y in &keys[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_eq!(feature(1, a), feature(1, hash_str("bank")));
        assert_eq!(feature2(5, a, b), feature2_tail(feature2_head(5, a), b));
        assert_eq!(feature(5, a), feature2_head(5, a) | 1);
    }

    #[test]
    fn argmax_prefers_first_and_respects_mask() {
        let cases: &[(&[i32], u64, usize, usize)] = &[
            (&[1, 3, 3], u64::MAX, 1, 1),
            (&[1, 3, 2], 0b101, 1, 2),
            (&[0, 0], 0, 0, 0),
            (&[-1, -2], 0b10, 0, 1),
            (&[-1, -2, -3], 0b110, 0, 1),
        ];
        for &(scores, mask, want, want_in) in cases {
            assert_eq!(argmax(scores), want);
            assert_eq!(argmax_in(scores, mask), want_in, "{scores:?} {mask:b}");
        }
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(a, sorted);
    }

    /// Features with many classes are scored from dense rows, the others from sparse entries:
    /// both must give the plain sum of the stored weights, through `score` and `add` alike.
    #[test]
    fn dense_and_sparse_rows_score_the_same() {
        let n = 45usize;
        let mut rng = SplitMix64::new(3);
        let mut stored = StoredWeights {
            n_classes: n as u16,
            keys: vec![],
            lens: vec![],
            classes: vec![],
            scale: 1.0,
            values: vec![],
        };
        // Keys with 1, 5, DENSE_MIN - 1, DENSE_MIN and all classes: both layouts, at the boundary.
        for (i, len) in [1usize, 5, DENSE_MIN - 1, DENSE_MIN, n].into_iter().enumerate() {
            stored.keys.push(2 * (i as u64 + 1) * 0x1234_5678_9ABC + 1);
            stored.lens.push(len as u8);
            for c in 0..len {
                stored.classes.push(((c * 7 + i) % n) as u8);
                stored.values.push((rng.below(2000) as i16) - 1000);
            }
        }
        let mut sorted: Vec<usize> = (0..stored.keys.len()).collect();
        sorted.sort_by_key(|&i| stored.keys[i]);
        assert_eq!(sorted, (0..stored.keys.len()).collect::<Vec<_>>(), "keys are generated ascending");
        let w = Weights::from_stored(stored.clone()).unwrap();
        let mut want = vec![0i32; n];
        let mut at = 0;
        for &len in &stored.lens {
            for j in at..at + usize::from(len) {
                want[usize::from(stored.classes[j])] += i32::from(stored.values[j]);
            }
            at += usize::from(len);
        }
        let mut got = vec![0i32; n];
        w.score(&stored.keys, &mut got);
        assert_eq!(got, want);
        let mut added = vec![0i32; n];
        for &k in &stored.keys {
            w.add(k, &mut added);
        }
        assert_eq!(added, want);
    }

    #[test]
    fn weights_reject_broken_tables() {
        let good = StoredWeights {
            n_classes: 3,
            keys: vec![3, 9],
            lens: vec![1, 2],
            classes: vec![0, 1, 2],
            scale: 0.5,
            values: vec![2, -4, 6],
        };
        let w = Weights::from_stored(good.clone()).unwrap();
        let mut s = [0; 3];
        w.score(&[9, 3, 12345], &mut s);
        assert_eq!(s, [2, -4, 6]);
        let cases: Vec<(&str, StoredWeights)> = vec![
            ("zero classes", StoredWeights { n_classes: 0, ..good.clone() }),
            ("class out of range", StoredWeights { n_classes: 2, ..good.clone() }),
            ("unsorted", StoredWeights { keys: vec![9, 3], ..good.clone() }),
            ("even key", StoredWeights { keys: vec![2, 3], ..good.clone() }),
            ("lens", StoredWeights { lens: vec![1, 1], ..good.clone() }),
            ("nan scale", StoredWeights { scale: f32::NAN, ..good.clone() }),
            ("negative scale", StoredWeights { scale: -1.0, ..good.clone() }),
        ];
        for (name, bad) in cases {
            assert!(Weights::from_stored(bad).is_err(), "{name}");
        }
    }

    #[cfg(feature = "train")]
    #[test]
    fn trainer_learns_a_separable_problem_and_averages() {
        // Class = which of three words is present; bias feature shared by all.
        let bias = feature(0, 0);
        let data: Vec<(u64, usize)> = vec![
            (feature(1, hash_str("a")), 0),
            (feature(1, hash_str("b")), 1),
            (feature(1, hash_str("c")), 2),
        ];
        let mut t = Trainer::new(3).unwrap();
        let mut scores = [0; 3];
        for _ in 0..5 {
            for &(f, y) in &data {
                let feats = [bias, f];
                t.score(&feats, &mut scores);
                let guess = argmax(&scores);
                t.update(&feats, y, guess);
            }
        }
        let stored = t.finish(0.0);
        assert!(stored.keys.windows(2).all(|w| w[0] < w[1]));
        let w = Weights::from_stored(stored).unwrap();
        for &(f, y) in &data {
            w.score(&[bias, f], &mut scores);
            assert_eq!(argmax(&scores), y);
        }
    }
}
