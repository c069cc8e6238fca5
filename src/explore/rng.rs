//! The explorer's randomness: SplitMix64, seeded, so the same seed and budget in programs give
//! the same programs on every machine.

/// A seeded generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The generator of program `index` of a run seeded `seed`: programs do not depend on each
    /// other's draws, so they can be made and run in any order.
    pub fn for_program(seed: u64, index: u64) -> Rng {
        let mut mixer = Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        Rng(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items` (`None` when there is none).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items`, by weight.
    pub fn weighted<T: Copy>(&mut self, items: &[(u32, T)]) -> Option<T> {
        let total: u64 = items.iter().map(|(w, _)| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut pick = self.next_u64() % total;
        for (w, item) in items {
            let w = u64::from(*w);
            if pick < w {
                return Some(*item);
            }
            pick -= w;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        let mut r = Rng::new(7);
        let b: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        assert!(a.iter().all(|x| *x == a[0]));
        assert_ne!(b[0], b[1]);
        let mut p = Rng::for_program(1, 2);
        let mut q = Rng::for_program(1, 2);
        assert_eq!(p.next_u64(), q.next_u64());
        assert_ne!(
            Rng::for_program(1, 3).next_u64(),
            Rng::for_program(1, 2).next_u64()
        );
        assert!((0..100).all(|_| r.below(3) < 3));
    }
}
