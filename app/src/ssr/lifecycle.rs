//! The incident lifecycle rules, as pure functions: what a monitor's status
//! change does to its programmatic incident, how planned maintenance moves
//! through its window, and which manual transitions are allowed. The
//! scheduler and the console only feed these and persist the answer.

use crate::model::{IncidentKind, IncidentState, MonitorStatus};
use chrono::{DateTime, Utc};

/// What a monitor's status change does to its programmatic incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Nothing,
    /// Open a programmatic incident for the monitor.
    Open,
    /// Note the change on the ongoing incident.
    Record,
    /// Resolve the ongoing incident automatically.
    Resolve,
}

/// The monitor's status went from `from` to `to`; `ongoing` says whether it
/// has an ongoing programmatic incident. Only `down` opens one (a `partial`
/// monitor, one in maintenance or a paused one does not), only `up` resolves
/// it, and any other change while it is open is recorded on it.
pub fn on_status_change(from: MonitorStatus, to: MonitorStatus, ongoing: bool) -> Transition {
    match (to, ongoing) {
        (MonitorStatus::Down, false) => Transition::Open,
        (MonitorStatus::Up, true) => Transition::Resolve,
        (_, true) if from != to => Transition::Record,
        _ => Transition::Nothing,
    }
}

/// What must be true of a monitor's incident given its current status alone:
/// used at start and periodically to repair what a crash may have left (a
/// down monitor with no incident, an ongoing incident of a monitor that is up).
pub fn reconcile(status: MonitorStatus, ongoing: bool) -> Transition {
    on_status_change(status, status, ongoing)
}

/// A step of planned maintenance, due at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceStep {
    Start,
    Complete,
    /// The whole window passed while nothing ran (the server was down).
    StartAndComplete,
}

pub fn maintenance_step(
    state: IncidentState,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<MaintenanceStep> {
    match state {
        IncidentState::Scheduled if now >= end => Some(MaintenanceStep::StartAndComplete),
        IncidentState::Scheduled if now >= start => Some(MaintenanceStep::Start),
        IncidentState::Ongoing if now >= end => Some(MaintenanceStep::Complete),
        _ => None,
    }
}

/// What a team member asks of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualAction {
    Resolve,
    Reopen,
    Cancel,
}

/// The state a manual action leads to, or why it is refused.
pub fn manual_transition(
    action: ManualAction,
    kind: IncidentKind,
    state: IncidentState,
) -> Result<IncidentState, &'static str> {
    use IncidentState::*;
    match (action, kind, state) {
        (ManualAction::Resolve, _, Ongoing) => Ok(Resolved),
        (ManualAction::Resolve, IncidentKind::Maintenance, Scheduled) => {
            Err("This maintenance has not started: cancel it instead.")
        }
        (ManualAction::Resolve, _, _) => Err("Only an ongoing incident can be resolved."),
        (ManualAction::Reopen, IncidentKind::Maintenance, _) => {
            Err("A maintenance cannot be reopened: schedule a new one instead.")
        }
        (ManualAction::Reopen, _, Resolved) => Ok(Ongoing),
        (ManualAction::Reopen, _, _) => Err("Only a resolved incident can be reopened."),
        (ManualAction::Cancel, IncidentKind::Maintenance, Scheduled) => Ok(Cancelled),
        (ManualAction::Cancel, IncidentKind::Maintenance, _) => {
            Err("Only a maintenance that has not started can be cancelled.")
        }
        (ManualAction::Cancel, _, _) => {
            Err("Only planned maintenance can be cancelled; resolve this incident instead.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentState::*;
    use MonitorStatus::*;

    #[test]
    fn status_changes_open_record_and_resolve() {
        use Transition::*;
        #[rustfmt::skip]
        let table = [
            // from,        to,          ongoing, expected
            (Up,          Down,        false,   Open),
            (Pending,     Down,        false,   Open),
            (Partial,     Down,        false,   Open),
            (Maintenance, Down,        false,   Open),     // still down when the window ends
            (Up,          Down,        true,    Record),   // open already (e.g. reopened): joins it
            (Partial,     Down,        true,    Record),   // another region went down
            (Down,        Partial,     true,    Record),   // a region recovered, not all
            (Down,        Maintenance, true,    Record),
            (Down,        Paused,      true,    Record),   // pausing does not resolve
            (Down,        Up,          true,    Resolve),
            (Partial,     Up,          true,    Resolve),
            (Down,        Up,          false,   Nothing),  // resolved by hand already
            (Up,          Partial,     false,   Nothing),  // below the region threshold
            (Up,          Maintenance, false,   Nothing),
            (Down,        Maintenance, false,   Nothing),
            (Up,          Paused,      false,   Nothing),
            (Pending,     Up,          false,   Nothing),
            (Down,        Down,        true,    Nothing),
        ];
        for (from, to, ongoing, expected) in table {
            assert_eq!(on_status_change(from, to, ongoing), expected, "{from:?} -> {to:?}, ongoing {ongoing}");
        }
    }

    #[test]
    fn reconciling_repairs_only_what_the_status_contradicts() {
        use Transition::*;
        assert_eq!(reconcile(Down, false), Open);
        assert_eq!(reconcile(Up, true), Resolve);
        for (status, ongoing) in [(Down, true), (Up, false), (Partial, true), (Partial, false), (Maintenance, false)] {
            assert_eq!(reconcile(status, ongoing), Nothing, "{status:?}, ongoing {ongoing}");
        }
        assert_eq!(reconcile(Paused, true), Nothing, "a paused monitor's incident waits for a person");
    }

    #[test]
    fn maintenance_follows_its_window() {
        let at = |s: i64| DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        let (start, end) = (at(100), at(200));
        #[rustfmt::skip]
        let table = [
            (Scheduled, at(99),  None),
            (Scheduled, at(100), Some(MaintenanceStep::Start)),
            (Scheduled, at(150), Some(MaintenanceStep::Start)),
            (Scheduled, at(200), Some(MaintenanceStep::StartAndComplete)),
            (Ongoing,   at(199), None),
            (Ongoing,   at(200), Some(MaintenanceStep::Complete)),
            (Resolved,  at(300), None),
            (Cancelled, at(150), None),
        ];
        for (state, now, expected) in table {
            assert_eq!(maintenance_step(state, start, end, now), expected, "{state:?} at {now}");
        }
    }

    #[test]
    fn manual_transitions() {
        use IncidentKind::*;
        use ManualAction::*;
        #[rustfmt::skip]
        let table = [
            (Resolve, Programmatic, Ongoing,   Ok(Resolved)),
            (Resolve, Manual,       Ongoing,   Ok(Resolved)),
            (Resolve, Maintenance,  Ongoing,   Ok(Resolved)),
            (Resolve, Manual,       Resolved,  Err(())),
            (Resolve, Maintenance,  Scheduled, Err(())),
            (Reopen,  Programmatic, Resolved,  Ok(Ongoing)),
            (Reopen,  Manual,       Resolved,  Ok(Ongoing)),
            (Reopen,  Manual,       Ongoing,   Err(())),
            (Reopen,  Maintenance,  Resolved,  Err(())),
            (Cancel,  Maintenance,  Scheduled, Ok(Cancelled)),
            (Cancel,  Maintenance,  Ongoing,   Err(())),
            (Cancel,  Manual,       Ongoing,   Err(())),
        ];
        for (action, kind, state, expected) in table {
            let got = manual_transition(action, kind, state).map_err(|_| ());
            assert_eq!(got, expected, "{action:?} on a {kind:?} incident that is {state:?}");
        }
    }
}
