//! A/B and multivariate splits: deterministic, documented assignment.
//!
//! A subscriber's position in a test is `u = H(test + ":" + id)`, where `H`
//! takes the SHA-256 digest of the UTF-8 text, reads its first 13 hex digits
//! (52 bits) as an unsigned integer `n`, and returns `n / 2^52`: a number in
//! `[0, 1)`, exact in a double. The same formula is one line of SQL:
//!
//! ```sql
//! -- DuckDB
//! ('0x' || left(sha256(test || ':' || id), 13))::BIGINT / 4503599627370496.0
//! -- PostgreSQL 11+
//! (('x' || left(encode(sha256(convert_to(test || ':' || id, 'UTF8')), 'hex'), 13))::bit(52)::bigint)::float8
//!   / 4503599627370496
//! ```
//!
//! With a holdout fraction `h`, `u < h` is the holdout group; the others use
//! `v = (u - h) / (1 - h)`. Variant `i` (in the order given) is chosen when
//! `v < (w_1 + … + w_i) / W`, `W` being the sum of the weights. Different test
//! names give unrelated hashes, so assignments in two tests are independent.

use crate::error::{Error, ErrorKind, Result};

/// One arm of a split: a name and a relative weight (any positive number).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VariantWeight {
    /// The variant's name (what templates see as `variant`).
    pub name: String,
    /// Its relative weight; weights need not sum to 1.
    pub weight: f64,
}

/// The subscriber's uniform position in `[0, 1)` for `test` (see the module doc).
pub fn unit_hash(test: &str, id: &str) -> f64 {
    let mut text = String::with_capacity(test.len() + id.len() + 1);
    text.push_str(test);
    text.push(':');
    text.push_str(id);
    let digest = sha256(text.as_bytes());
    // The first 52 bits: six bytes and the high nibble of the seventh.
    let mut n: u64 = 0;
    for b in digest.iter().take(6) {
        n = (n << 8) | u64::from(*b);
    }
    let seventh = digest.get(6).copied().unwrap_or(0);
    n = (n << 4) | u64::from(seventh >> 4);
    n as f64 / 4_503_599_627_370_496.0
}

/// Checks a list of variants: non-empty, unique names, finite positive weights.
pub fn check_variants(variants: &[VariantWeight]) -> Result<()> {
    if variants.is_empty() {
        return Err(Error::new(
            ErrorKind::Argument,
            "variants must not be empty",
        ));
    }
    for (i, v) in variants.iter().enumerate() {
        if !(v.weight.is_finite() && v.weight > 0.0) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("variant {:?} must have a positive, finite weight", v.name),
            ));
        }
        if variants.iter().take(i).any(|w| w.name == v.name) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("variant {:?} is listed twice", v.name),
            ));
        }
    }
    Ok(())
}

/// The variant chosen by position `v` in `[0, 1)` (cumulative weights, in order).
pub fn pick(variants: &[VariantWeight], v: f64) -> Option<&VariantWeight> {
    let total: f64 = variants.iter().map(|w| w.weight).sum();
    let mut cumulative = 0.0;
    for w in variants {
        cumulative += w.weight;
        if v < cumulative / total {
            return Some(w);
        }
    }
    // Rounding can leave v just above the last bound: it belongs to the last arm.
    variants.last()
}

/// The variant of subscriber `id` in `test`: deterministic, weighted.
///
/// ```
/// use kaleido::campaign::{assign_variant, VariantWeight};
/// let arms = [
///     VariantWeight { name: "A".into(), weight: 1.0 },
///     VariantWeight { name: "B".into(), weight: 1.0 },
/// ];
/// let first = assign_variant("subject-test", "42", &arms).unwrap();
/// assert_eq!(assign_variant("subject-test", "42", &arms).unwrap(), first);
/// ```
pub fn assign_variant(test: &str, id: &str, variants: &[VariantWeight]) -> Result<String> {
    check_variants(variants)?;
    pick(variants, unit_hash(test, id))
        .map(|w| w.name.clone())
        .ok_or_else(|| Error::new(ErrorKind::Argument, "variants must not be empty"))
}

/// Where a subscriber falls in a split with a holdout fraction.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    /// In the holdout group: receives nothing from this campaign or step.
    Holdout,
    /// Receives this variant.
    Variant(String),
}

/// Assignment with a holdout fraction `holdout` in `[0, 1)` (see the module doc).
pub fn assign_with_holdout(
    test: &str,
    id: &str,
    variants: &[VariantWeight],
    holdout: f64,
) -> Assignment {
    let u = unit_hash(test, id);
    if u < holdout {
        return Assignment::Holdout;
    }
    let v = (u - holdout) / (1.0 - holdout);
    match pick(variants, v) {
        Some(w) => Assignment::Variant(w.name.clone()),
        None => Assignment::Holdout,
    }
}

/// SHA-256 (FIPS 180-4) of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in message.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (slot, bytes) in w.iter_mut().zip(chunk.chunks_exact(4)) {
            let mut word = [0u8; 4];
            word.copy_from_slice(bytes);
            *slot = u32::from_be_bytes(word);
        }
        for i in 16..64 {
            let at = |j: usize| w.get(j).copied().unwrap_or(0);
            let s0 = at(i - 15).rotate_right(7) ^ at(i - 15).rotate_right(18) ^ (at(i - 15) >> 3);
            let s1 = at(i - 2).rotate_right(17) ^ at(i - 2).rotate_right(19) ^ (at(i - 2) >> 10);
            let value = at(i - 16)
                .wrapping_add(s0)
                .wrapping_add(at(i - 7))
                .wrapping_add(s1);
            if let Some(slot) = w.get_mut(i) {
                *slot = value;
            }
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for (k, wi) in K.iter().zip(w.iter()) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(*k)
                .wrapping_add(*wi);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *slot = slot.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(h) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn unit_hash_matches_duckdb() {
        // SELECT ('0x' || left(sha256('welcome-subject:42'), 13))::BIGINT / 4503599627370496.0
        assert_eq!(
            hex(&sha256(b"welcome-subject:42")),
            "1abd157722ff1b3a9523647504f95c4413e2d4422d122c502faacc19fc07dbf9"
        );
        assert_eq!(unit_hash("welcome-subject", "42"), 0.10444769056902836);
    }
}
