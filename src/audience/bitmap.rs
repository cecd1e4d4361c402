//! Fixed-length bitmaps (one bit per profile or event), stored in 64-bit words.
//!
//! Bits past `len` in the last word are always zero, so counts and
//! word-wise operations need no masking.

/// A set of row numbers `0..len`, one bit per row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

fn words_for(len: usize) -> usize {
    len.div_ceil(64)
}

impl Bitmap {
    /// All bits clear.
    pub fn zeros(len: usize) -> Bitmap {
        Bitmap {
            words: vec![0; words_for(len)],
            len,
        }
    }

    /// All bits set.
    pub fn ones(len: usize) -> Bitmap {
        let mut b = Bitmap {
            words: vec![u64::MAX; words_for(len)],
            len,
        };
        b.trim();
        b
    }

    /// Clears the bits past `len` in the last word.
    fn trim(&mut self) {
        let rem = self.len % 64;
        if rem != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << rem) - 1;
            }
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The words (bit `i` is bit `i % 64` of word `i / 64`).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Whether row `i` is in the set (false past the end).
    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// Adds (`on`) or removes row `i`; ignored past the end.
    pub fn set(&mut self, i: usize, on: bool) {
        if i >= self.len {
            return;
        }
        if let Some(w) = self.words.get_mut(i / 64) {
            if on {
                *w |= 1u64 << (i % 64);
            } else {
                *w &= !(1u64 << (i % 64));
            }
        }
    }

    /// Appends one row.
    pub fn push(&mut self, on: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        self.len += 1;
        self.set(self.len - 1, on);
    }

    /// Grows (with clear bits) or shrinks to `len` rows.
    pub fn resize(&mut self, len: usize) {
        self.words.resize(words_for(len), 0);
        self.len = len;
        self.trim();
    }

    /// How many rows are in the set.
    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Whether no row is in the set.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    fn zip_with(&mut self, other: &Bitmap, f: impl Fn(u64, u64) -> u64) {
        for (i, w) in self.words.iter_mut().enumerate() {
            *w = f(*w, other.words.get(i).copied().unwrap_or(0));
        }
        self.trim();
    }

    /// `self &= other`.
    pub fn and_with(&mut self, other: &Bitmap) {
        self.zip_with(other, |a, b| a & b);
    }

    /// `self |= other`.
    pub fn or_with(&mut self, other: &Bitmap) {
        self.zip_with(other, |a, b| a | b);
    }

    /// `self &= !other`.
    pub fn and_not_with(&mut self, other: &Bitmap) {
        self.zip_with(other, |a, b| a & !b);
    }

    /// `self & other` as a new bitmap.
    pub fn and(&self, other: &Bitmap) -> Bitmap {
        let mut b = self.clone();
        b.and_with(other);
        b
    }

    /// `self & !other` as a new bitmap.
    pub fn and_not(&self, other: &Bitmap) -> Bitmap {
        let mut b = self.clone();
        b.and_not_with(other);
        b
    }

    /// `!self` (within `len`).
    pub fn not(&self) -> Bitmap {
        let mut b = Bitmap {
            words: self.words.iter().map(|w| !w).collect(),
            len: self.len,
        };
        b.trim();
        b
    }

    /// Whether every row of `self` is also in `other`.
    pub fn is_subset(&self, other: &Bitmap) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, w)| w & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// The rows in the set, ascending.
    pub fn ones_iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + bit)
            })
        })
    }

    /// Builds a bitmap of `len` rows from a predicate on the row number.
    pub fn from_fn(len: usize, mut f: impl FnMut(usize) -> bool) -> Bitmap {
        let mut words = Vec::with_capacity(words_for(len));
        let mut row = 0;
        while row < len {
            let end = (row + 64).min(len);
            let mut w = 0u64;
            for (bit, r) in (row..end).enumerate() {
                if f(r) {
                    w |= 1u64 << bit;
                }
            }
            words.push(w);
            row = end;
        }
        Bitmap { words, len }
    }

    /// Builds a bitmap from words (bits past `len` are cleared).
    pub fn from_words(words: Vec<u64>, len: usize) -> Bitmap {
        let mut b = Bitmap { words, len };
        b.words.resize(words_for(len), 0);
        b.trim();
        b
    }

    /// Bytes allocated.
    pub fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_ops() {
        let mut a = Bitmap::zeros(130);
        a.set(0, true);
        a.set(64, true);
        a.set(129, true);
        assert_eq!(a.count(), 3);
        assert_eq!(a.ones_iter().collect::<Vec<_>>(), vec![0, 64, 129]);
        let n = a.not();
        assert_eq!(n.count(), 127);
        assert!(!n.get(64));
        let ones = Bitmap::ones(130);
        assert_eq!(ones.count(), 130);
        assert!(a.is_subset(&ones));
        assert!(!ones.is_subset(&a));
        let mut p = Bitmap::default();
        for i in 0..70 {
            p.push(i % 3 == 0);
        }
        assert_eq!(p.count(), 24);
        assert_eq!(Bitmap::from_fn(70, |i| i % 3 == 0), p);
        p.resize(3);
        assert_eq!(p.count(), 1);
    }
}
