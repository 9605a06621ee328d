//! Disputed segments of an execution and where a dissection cuts them.

use avm_verifier::Claim;

/// A disputed segment: claims at two step counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Steps from the game's start to the segment's start.
    pub from: u64,
    /// Steps from the game's start to the segment's end.
    pub to: u64,
    /// The claim at `from`.
    pub start: Claim,
    /// The claim at `to`.
    pub end: Claim,
}

impl Segment {
    /// Steps in the segment.
    pub fn len(&self) -> u64 {
        self.to.saturating_sub(self.from)
    }

    /// Whether the segment is empty (never for a disputed one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The step counts at which a segment of `[from, to]` is cut into (at most) `degree`
/// parts: `parts + 1` points, the first `from`, the last `to`, every part non-empty.
/// An empty segment (`to <= from`) has no parts: its only point is `from`.
pub fn cut_points(from: u64, to: u64, degree: u64) -> Vec<u64> {
    let len = to.saturating_sub(from);
    if len == 0 {
        return vec![from];
    }
    let parts = degree.clamp(1, len);
    (0..=parts)
        .filter_map(|i| cut(from, len, parts, i))
        .collect()
}

/// Cut point `i` of `parts` over `len` steps from `from`: from + floor(len·i/parts).
/// None only if `i > parts` (or `parts` is 0), which callers never ask for.
fn cut(from: u64, len: u64, parts: u64, i: u64) -> Option<u64> {
    if i > parts {
        return None;
    }
    // len·i < 2^128, and the quotient is at most len, so it fits in a u64.
    let offset = u128::from(len)
        .checked_mul(u128::from(i))?
        .checked_div(u128::from(parts))?;
    from.checked_add(u64::try_from(offset).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_cover_the_segment_with_non_empty_parts() {
        assert_eq!(cut_points(0, 10, 2), vec![0, 5, 10]);
        assert_eq!(cut_points(3, 6, 8), vec![3, 4, 5, 6]);
        assert_eq!(cut_points(0, 10, 3), vec![0, 3, 6, 10]);
        assert_eq!(cut_points(7, 7, 4), vec![7]);
        assert_eq!(cut_points(9, 2, 4), vec![9]);
        assert_eq!(
            cut_points(u64::MAX - 4, u64::MAX, 2),
            vec![u64::MAX - 4, u64::MAX - 2, u64::MAX]
        );
        for (len, k) in [(1000u64, 7u64), (17, 64), (2, 2), (u64::MAX - 100, 5)] {
            let cuts = cut_points(100, 100u64.saturating_add(len), k);
            assert!(cuts.windows(2).all(|w| matches!(w, [a, b] if b > a)));
            assert_eq!(cuts.len() as u64, k.min(len).saturating_add(1));
            assert_eq!(
                (cuts.first().copied(), cuts.last().copied()),
                (Some(100), Some(100u64.saturating_add(len)))
            );
        }
    }
}
