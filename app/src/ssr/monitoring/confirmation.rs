//! The confirmation rules, as pure functions: how consecutive check results
//! in one region become that region's verdict, and how the regions' verdicts
//! become the monitor's status. The scheduler only feeds and persists them.

use crate::model::MonitorStatus;
use chrono::{DateTime, Duration, Utc};

/// What one region says about a monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionVerdict {
    /// No verdict yet: too few results.
    Unknown,
    Up,
    /// Up, but answering slower than the monitor allows.
    Degraded,
    Down,
}

/// One check result as the confirmations read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Succeeded in time.
    Fast,
    /// Succeeded, slower than the monitor's `degraded_after_ms`.
    Slow,
    Failed,
}

impl Reading {
    /// A result's reading: a success slower than `degraded_after_ms` is slow.
    pub fn of(up: bool, duration_ms: u32, degraded_after_ms: Option<u32>) -> Self {
        match (up, degraded_after_ms) {
            (false, _) => Self::Failed,
            (true, Some(limit)) if duration_ms > limit => Self::Slow,
            (true, _) => Self::Fast,
        }
    }
}

/// A region's running state for one monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionState {
    pub verdict: RegionVerdict,
    pub consecutive_failures: u32,
    /// Good results in a row, slow or fast.
    pub consecutive_successes: u32,
    /// Slow good results in a row.
    pub consecutive_slow: u32,
    /// Fast good results in a row.
    pub consecutive_fast: u32,
}

impl RegionState {
    pub const NEW: Self = Self {
        verdict: RegionVerdict::Unknown,
        consecutive_failures: 0,
        consecutive_successes: 0,
        consecutive_slow: 0,
        consecutive_fast: 0,
    };
}

/// How many results in a row change a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmations {
    /// Failures (or slow results) in a row before the region says down (or
    /// degraded) (1–5).
    pub incident: u32,
    /// Successes (or fast results) in a row before a region that said down
    /// (or degraded) says up again (1–5).
    pub recovery: u32,
}

/// Feeds one check result into a region's state. Slowness is confirmed
/// like failure: `incident` slow results in a row make the region say
/// degraded, `recovery` fast ones in a row make it say up again. A slow
/// result is still a success: it counts towards recovering from down.
pub fn observe(state: RegionState, reading: Reading, policy: Confirmations) -> RegionState {
    if reading == Reading::Failed {
        let failures = state.consecutive_failures.saturating_add(1);
        let verdict = if failures >= policy.incident { RegionVerdict::Down } else { state.verdict };
        return RegionState { verdict, consecutive_failures: failures, ..RegionState::NEW };
    }
    let successes = state.consecutive_successes.saturating_add(1);
    let (slow, fast) = match reading {
        Reading::Slow => (state.consecutive_slow.saturating_add(1), 0),
        _ => (0, state.consecutive_fast.saturating_add(1)),
    };
    let verdict = match state.verdict {
        // Recovery must be confirmed; a first good result is enough to
        // leave "no data".
        RegionVerdict::Down if successes < policy.recovery => RegionVerdict::Down,
        _ if slow >= policy.incident => RegionVerdict::Degraded,
        RegionVerdict::Degraded if fast < policy.recovery => RegionVerdict::Degraded,
        _ => RegionVerdict::Up,
    };
    RegionState {
        verdict,
        consecutive_failures: 0,
        consecutive_successes: successes,
        consecutive_slow: slow,
        consecutive_fast: fast,
    }
}

/// A region with no result for this many intervals is a coverage gap.
pub const COVERAGE_INTERVALS: i32 = 3;

/// True when a region's verdict on `monitor` counts as of `now`: it has
/// reported within [`COVERAGE_INTERVALS`] intervals. A heartbeat's region is
/// the server itself, which declares missed runs: its verdict always counts.
pub fn monitor_covered(
    monitor: &crate::model::Monitor,
    last_result_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    monitor.kind == crate::model::MonitorKind::Heartbeat || has_coverage(last_result_at, now, monitor.interval_seconds)
}

/// True when a region has reported recently enough for its verdict to count.
pub fn has_coverage(last_result_at: Option<DateTime<Utc>>, now: DateTime<Utc>, interval_seconds: u32) -> bool {
    let window = Duration::seconds(i64::from(interval_seconds) * i64::from(COVERAGE_INTERVALS));
    last_result_at.is_some_and(|at| now - at <= window)
}

/// The vote a region casts. A region that has reported recently votes its
/// verdict. A silent one casts no vote (it is a coverage gap, never counted
/// as up) unless it last said down: silence proves no recovery, so that
/// region keeps voting down until it reports `recovery` good checks.
pub fn vote(verdict: RegionVerdict, covered: bool) -> Option<RegionVerdict> {
    match (verdict, covered) {
        (_, true) => Some(verdict),
        (RegionVerdict::Down, false) => Some(RegionVerdict::Down),
        (_, false) => None,
    }
}

/// The monitor's status from its regions' votes (see [`vote`]): `None`
/// casts no vote, and is never counted as up. As many regions as it takes
/// to say down make it down, and as many saying degraded make it degraded;
/// fewer saying down make it partial (worse than slow).
pub fn monitor_status(
    paused: bool,
    in_maintenance: bool,
    regions: &[Option<RegionVerdict>],
    region_threshold: u32,
) -> MonitorStatus {
    if paused {
        return MonitorStatus::Paused;
    }
    if in_maintenance {
        return MonitorStatus::Maintenance;
    }
    let count = |verdict| regions.iter().filter(|v| **v == Some(verdict)).count() as u32;
    let (down, degraded, up) = (count(RegionVerdict::Down), count(RegionVerdict::Degraded), count(RegionVerdict::Up));
    let threshold = region_threshold.max(1);
    if down >= threshold {
        MonitorStatus::Down
    } else if down > 0 {
        MonitorStatus::Partial
    } else if degraded >= threshold {
        MonitorStatus::Degraded
    } else if up + degraded > 0 {
        MonitorStatus::Up
    } else {
        MonitorStatus::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegionVerdict::{Degraded, Down, Unknown, Up};

    const POLICY: Confirmations = Confirmations { incident: 3, recovery: 2 };

    fn run(start: RegionState, results: &str, policy: Confirmations) -> Vec<RegionVerdict> {
        let mut state = start;
        results
            .chars()
            .map(|c| {
                let reading = match c {
                    '+' => Reading::Fast,
                    '~' => Reading::Slow,
                    _ => Reading::Failed,
                };
                state = observe(state, reading, policy);
                state.verdict
            })
            .collect()
    }

    #[test]
    fn region_verdicts_follow_the_confirmations() {
        // (results: + up, - down; verdict after each)
        let table: &[(&str, &[RegionVerdict])] = &[
            ("+", &[Up]),
            ("-", &[Unknown]),
            ("---", &[Unknown, Unknown, Down]),
            ("+---", &[Up, Up, Up, Down]),
            // A flap shorter than the confirmations changes nothing.
            ("+--+--+", &[Up, Up, Up, Up, Up, Up, Up]),
            // Recovery needs two good results in a row.
            ("---+", &[Unknown, Unknown, Down, Down]),
            ("---++", &[Unknown, Unknown, Down, Down, Up]),
            ("---+-+", &[Unknown, Unknown, Down, Down, Down, Down]),
            // Still down while failures continue, whatever their count.
            ("------", &[Unknown, Unknown, Down, Down, Down, Down]),
        ];
        for (results, expected) in table {
            assert_eq!(run(RegionState::NEW, results, POLICY), expected.to_vec(), "{results}");
        }
    }

    #[test]
    fn slowness_is_confirmed_like_failure() {
        // (results: + fast, ~ slow, - failed; verdict after each)
        let table: &[(&str, &[RegionVerdict])] = &[
            ("~", &[Up]),
            ("+~~~", &[Up, Up, Up, Degraded]),
            // Slowness shorter than the confirmations changes nothing.
            ("+~~+~~+", &[Up, Up, Up, Up, Up, Up, Up]),
            // Back to up after two fast results in a row.
            ("~~~+", &[Up, Up, Degraded, Degraded]),
            ("~~~++", &[Up, Up, Degraded, Degraded, Up]),
            ("~~~+~+", &[Up, Up, Degraded, Degraded, Degraded, Degraded]),
            // An unconfirmed failure leaves a degraded region degraded.
            ("~~~-+", &[Up, Up, Degraded, Degraded, Degraded]),
            // Slow answers recover from down (they are answers), then are
            // confirmed slow on their own count.
            ("---~~~", &[Unknown, Unknown, Down, Down, Up, Degraded]),
            ("---~~", &[Unknown, Unknown, Down, Down, Up]),
            // Down beats slow.
            ("~~~---", &[Up, Up, Degraded, Degraded, Degraded, Down]),
        ];
        for (results, expected) in table {
            assert_eq!(run(RegionState::NEW, results, POLICY), expected.to_vec(), "{results}");
        }
    }

    #[test]
    fn a_reading_is_slow_only_past_the_limit_and_only_when_set() {
        assert_eq!(Reading::of(true, 500, None), Reading::Fast);
        assert_eq!(Reading::of(true, 500, Some(500)), Reading::Fast);
        assert_eq!(Reading::of(true, 501, Some(500)), Reading::Slow);
        assert_eq!(Reading::of(false, 9000, Some(500)), Reading::Failed);
        assert_eq!(Reading::of(false, 1, None), Reading::Failed);
    }

    #[test]
    fn confirmations_of_one_act_at_once() {
        let instant = Confirmations { incident: 1, recovery: 1 };
        assert_eq!(run(RegionState::NEW, "-+-+", instant), vec![Down, Up, Down, Up]);
    }

    #[test]
    fn progress_survives_as_state() {
        // Two failures recorded before a restart, one after: down.
        let before = observe(observe(RegionState::NEW, Reading::Fast, POLICY), Reading::Failed, POLICY);
        let before = observe(before, Reading::Failed, POLICY);
        assert_eq!(before.consecutive_failures, 2);
        assert_eq!(observe(before, Reading::Failed, POLICY).verdict, Down);
    }

    #[test]
    fn monitor_status_from_region_votes() {
        let table: &[(&[Option<RegionVerdict>], u32, MonitorStatus)] = &[
            (&[], 1, MonitorStatus::Pending),
            (&[None], 1, MonitorStatus::Pending),
            (&[Some(Unknown)], 1, MonitorStatus::Pending),
            (&[Some(Up)], 1, MonitorStatus::Up),
            (&[Some(Down)], 1, MonitorStatus::Down),
            (&[Some(Up), Some(Down)], 1, MonitorStatus::Down),
            (&[Some(Up), Some(Down)], 2, MonitorStatus::Partial),
            (&[Some(Down), Some(Down)], 2, MonitorStatus::Down),
            // A silent region casts no vote and is never counted as up.
            (&[None, Some(Down)], 2, MonitorStatus::Partial),
            (&[None, None], 1, MonitorStatus::Pending),
            (&[None, Some(Up)], 1, MonitorStatus::Up),
            // Slow: as many regions as it takes to be down make it degraded.
            (&[Some(Degraded)], 1, MonitorStatus::Degraded),
            (&[Some(Up), Some(Degraded)], 1, MonitorStatus::Degraded),
            (&[Some(Up), Some(Degraded)], 2, MonitorStatus::Up),
            (&[Some(Degraded), Some(Degraded)], 2, MonitorStatus::Degraded),
            (&[Some(Degraded), None], 1, MonitorStatus::Degraded),
            // Failing somewhere is worse than slow everywhere.
            (&[Some(Degraded), Some(Down)], 2, MonitorStatus::Partial),
            (&[Some(Degraded), Some(Down)], 1, MonitorStatus::Down),
        ];
        for (regions, threshold, expected) in table {
            assert_eq!(monitor_status(false, false, regions, *threshold), *expected, "{regions:?} / {threshold}");
        }
        assert_eq!(monitor_status(true, true, &[Some(Down)], 1), MonitorStatus::Paused);
        assert_eq!(monitor_status(false, true, &[Some(Down)], 1), MonitorStatus::Maintenance);
    }

    #[test]
    fn a_silent_region_keeps_only_a_down_verdict() {
        #[rustfmt::skip]
        let table = [
            (Up,       true,  Some(Up)),
            (Down,     true,  Some(Down)),
            (Unknown,  true,  Some(Unknown)),
            (Degraded, true,  Some(Degraded)),
            (Up,       false, None),
            (Unknown,  false, None),
            (Degraded, false, None),
            (Down,     false, Some(Down)),
        ];
        for (verdict, covered, expected) in table {
            assert_eq!(vote(verdict, covered), expected, "{verdict:?}, covered {covered}");
        }
        // Two regions, one must say down: the one that said down falls
        // silent, the other is up. The monitor stays down, not up.
        let votes = [vote(Down, false), vote(Up, true)];
        assert_eq!(monitor_status(false, false, &votes, 1), MonitorStatus::Down);
    }

    #[test]
    fn coverage_lasts_three_intervals() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(!has_coverage(None, now, 30));
        assert!(has_coverage(Some(now - Duration::seconds(90)), now, 30));
        assert!(!has_coverage(Some(now - Duration::seconds(91)), now, 30));
    }
}
