//! Constant-time byte comparison for tags and their encodings.

use subtle::ConstantTimeEq;

/// Whether `left` and `right` are equal; for equal lengths the time taken does not depend on where they differ.
///
/// Lengths are public (a tag and its encodings have fixed sizes), so unequal lengths return early.
pub(crate) fn bytes_equal(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    // OR together the XOR of every byte without branching (the compiler vectorizes this), then let `subtle` decide
    // whether the fold is zero without a data-dependent branch.
    let difference = left.iter().zip(right).fold(0u8, |difference, (a, b)| difference | (a ^ b));
    bool::from(difference.ct_eq(&0))
}

#[cfg(test)]
mod tests {
    use super::bytes_equal;

    #[test]
    fn compares_every_position() {
        let base = [7u8; 44];
        assert!(bytes_equal(&base, &base));
        for position in 0..base.len() {
            let mut other = base;
            other[position] ^= 0x80;
            assert!(!bytes_equal(&base, &other), "difference at {position} missed");
        }
        assert!(!bytes_equal(&base, &base[..43]));
    }
}
