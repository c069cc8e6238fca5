//! Choosing cases: libtest-style filters and hash partitions (shards).

use std::sync::Arc;

use super::case::CasePlan;

/// Which cases of a set to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Substrings of the id, case-sensitive, OR-ed; none selects everything.
    pub filters: Vec<String>,
    /// Filters match whole ids (or a case file's id, which names all its variants).
    pub exact: bool,
    pub partition: Option<Partition>,
}

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Partition {
    type Err = String;

    /// `hash:M/N`, 1 ≤ M ≤ N.
    fn from_str(s: &str) -> Result<Partition, String> {
        let bad = || format!("invalid partition `{s}`: expected hash:M/N with 1 <= M <= N");
        let rest = s.strip_prefix("hash:").ok_or_else(bad)?;
        let (m, n) = rest.split_once('/').ok_or_else(bad)?;
        let index: u64 = m.parse().map_err(|_| bad())?;
        let count: u64 = n.parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl Partition {
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % self.count == self.index - 1
    }
}

/// FNV-1a, 64 bits, as DESIGN.md pins shard membership.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl Selection {
    pub fn matches(&self, id: &str) -> bool {
        let by_filter = self.filters.is_empty()
            || self.filters.iter().any(|f| {
                if self.exact {
                    // `handle-id/malformed` names the file, so every `handle-id/malformed::…`.
                    id == f
                        || id
                            .strip_prefix(f.as_str())
                            .is_some_and(|rest| rest.starts_with("::"))
                } else {
                    id.contains(f.as_str())
                }
            });
        by_filter && self.partition.is_none_or(|p| p.contains(id))
    }

    pub fn apply(&self, cases: Vec<Arc<CasePlan>>) -> Vec<Arc<CasePlan>> {
        cases.into_iter().filter(|c| self.matches(&c.id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_cover_every_id_exactly_once() {
        let ids: Vec<String> = (0..200).map(|i| format!("area/case-{i}::v")).collect();
        let shards: Vec<Partition> = (1..=3).map(|m| Partition { index: m, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|p| p.contains(id)).count(), 1);
        }
        assert!("hash:0/3".parse::<Partition>().is_err());
        assert!("hash:4/3".parse::<Partition>().is_err());
        assert!("mod:1/3".parse::<Partition>().is_err());
        assert_eq!(
            "hash:2/3".parse::<Partition>(),
            Ok(Partition { index: 2, count: 3 })
        );
    }

    #[test]
    fn filters_are_substrings_or_exact_ids() {
        let s = Selection {
            filters: vec!["handle-id/".into()],
            exact: false,
            partition: None,
        };
        assert!(s.matches("handle-id/malformed::urn"));
        assert!(!s.matches("body/b1"));
        let e = Selection {
            filters: vec!["body/b1".into()],
            exact: true,
            partition: None,
        };
        assert!(e.matches("body/b1") && !e.matches("body/b10"));
        assert!(e.matches("body/b1::variant") && !e.matches("body/b10::variant"));
        let variant = Selection {
            filters: vec!["body/b1::v".into()],
            exact: true,
            partition: None,
        };
        assert!(variant.matches("body/b1::v") && !variant.matches("body/b1::v2"));
    }
}
