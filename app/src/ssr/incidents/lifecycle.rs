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

/// Where a monitor's programmatic incident stands, including the decisions
/// of people that the system must respect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No ongoing incident, and no decision of a person pending.
    Clear,
    /// A person resolved the incident of the current outage while the
    /// monitor was still failing: nothing opens until it is up again.
    ClosedByPerson,
    /// Ongoing: the system resolves it when the monitor recovers.
    Ongoing,
    /// Ongoing, reopened by a person while the monitor was not down: the
    /// system leaves it open until the monitor goes down and recovers again.
    Reopened,
}

/// What to do, and where the incident stands afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub transition: Transition,
    pub standing: Standing,
}

/// The monitor's status went from `from` to `to`. Only `down` opens an
/// incident (a `partial` monitor, one in maintenance or a paused one does
/// not), and not during an outage a person closed; only `up` resolves one,
/// and not one a person reopened until the monitor has been down again; any
/// other change while it is open is recorded on it. `up` ends an outage a
/// person closed; `down` releases an incident a person reopened to the system.
pub fn on_status_change(from: MonitorStatus, to: MonitorStatus, standing: Standing) -> Step {
    use Standing::*;
    let changed = if from != to { Transition::Record } else { Transition::Nothing };
    let (transition, standing) = match (to, standing) {
        (MonitorStatus::Down, Clear) => (Transition::Open, Ongoing),
        (MonitorStatus::Down, Reopened) => (changed, Ongoing),
        (MonitorStatus::Up, Ongoing) => (Transition::Resolve, Clear),
        (MonitorStatus::Up, ClosedByPerson) => (Transition::Nothing, Clear),
        (_, Ongoing | Reopened) => (changed, standing),
        (_, Clear | ClosedByPerson) => (Transition::Nothing, standing),
    };
    Step { transition, standing }
}

/// What must be true of a monitor's incident given its current status alone:
/// used at start and periodically to repair what a crash or a restored backup
/// may have left (a `down` monitor with no incident, an ongoing incident of a
/// monitor that is `up`). A person's decision is not a lost transition: an
/// outage a person closed stays closed, an incident a person reopened stays
/// open.
pub fn reconcile(status: MonitorStatus, standing: Standing) -> Step {
    on_status_change(status, status, standing)
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

/// The longest maintenance window.
pub const MAINTENANCE_MAX: chrono::Duration = chrono::Duration::days(31);

/// Why a maintenance window cannot be what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowError {
    /// The maintenance is over (completed or cancelled).
    Over,
    /// A field and why.
    Invalid(&'static str, &'static str),
}

/// Checks a window as of `now`: it ends after it starts, has not ended, and
/// lasts at most [`MAINTENANCE_MAX`].
pub fn check_window(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WindowError> {
    if end <= start {
        return Err(WindowError::Invalid("scheduled_end", "The end must come after the start."));
    }
    if end <= now {
        return Err(WindowError::Invalid("scheduled_end", "This window has already ended."));
    }
    if end - start > MAINTENANCE_MAX {
        return Err(WindowError::Invalid("scheduled_end", "A maintenance lasts at most 31 days."));
    }
    Ok(())
}

/// A maintenance's new window. Before it starts, both ends may move; once it
/// has started, only its end (and not into the past); once over, nothing.
/// `start` and `end` are what was asked (`None`: unchanged).
pub fn reschedule(
    state: IncidentState,
    current: (DateTime<Utc>, DateTime<Utc>),
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), WindowError> {
    let window = (start.unwrap_or(current.0), end.unwrap_or(current.1));
    match state {
        IncidentState::Resolved | IncidentState::Cancelled => return Err(WindowError::Over),
        IncidentState::Ongoing if window.0 != current.0 => {
            return Err(WindowError::Invalid(
                "scheduled_start",
                "This maintenance has started: only its end can move.",
            ));
        }
        IncidentState::Ongoing | IncidentState::Scheduled => {}
    }
    check_window(window.0, window.1, now)?;
    Ok(window)
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

/// Where a monitor's programmatic incident stands after a person resolves
/// or reopens it, given the monitor's stored status: resolving during an
/// outage closes that outage; reopening while the monitor is not down holds
/// the incident open against the scheduler.
pub fn standing_after(action: ManualAction, monitor: MonitorStatus) -> Standing {
    match (action, monitor) {
        (ManualAction::Resolve, MonitorStatus::Up) => Standing::Clear,
        (ManualAction::Resolve, _) => Standing::ClosedByPerson,
        (ManualAction::Reopen, MonitorStatus::Down) => Standing::Ongoing,
        (ManualAction::Reopen, _) => Standing::Reopened,
        (ManualAction::Cancel, _) => Standing::Clear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentState::*;
    use MonitorStatus::*;

    #[test]
    fn status_changes_open_record_and_resolve() {
        use Standing::{Clear, ClosedByPerson as Closed, Ongoing as Open_, Reopened};
        use Transition::*;
        #[rustfmt::skip]
        let table = [
            // from,        to,          standing, expected,  standing after
            (Up,          Down,        Clear,    Open,      Open_),
            (Pending,     Down,        Clear,    Open,      Open_),
            (Partial,     Down,        Clear,    Open,      Open_),
            (Maintenance, Down,        Clear,    Open,      Open_),    // still down when the window ends
            (Up,          Down,        Open_,    Record,    Open_),    // open already: joins it
            (Partial,     Down,        Open_,    Record,    Open_),    // another region went down
            (Down,        Partial,     Open_,    Record,    Open_),    // a region recovered, not all
            (Down,        Maintenance, Open_,    Record,    Open_),
            (Down,        Paused,      Open_,    Record,    Open_),    // pausing does not resolve
            (Down,        Up,          Open_,    Resolve,   Clear),
            (Partial,     Up,          Open_,    Resolve,   Clear),
            (Down,        Up,          Clear,    Nothing,   Clear),
            (Up,          Partial,     Clear,    Nothing,   Clear),    // below the region threshold
            (Up,          Maintenance, Clear,    Nothing,   Clear),
            (Down,        Maintenance, Clear,    Nothing,   Clear),
            (Up,          Paused,      Clear,    Nothing,   Clear),
            (Pending,     Up,          Clear,    Nothing,   Clear),
            (Down,        Down,        Open_,    Nothing,   Open_),
            // A person resolved the incident while the monitor still failed:
            // the same outage opens nothing, whatever it does, until it is up.
            (Down,        Partial,     Closed,   Nothing,   Closed),
            (Partial,     Down,        Closed,   Nothing,   Closed),
            (Down,        Maintenance, Closed,   Nothing,   Closed),
            (Maintenance, Down,        Closed,   Nothing,   Closed),
            (Down,        Pending,     Closed,   Nothing,   Closed),
            (Down,        Up,          Closed,   Nothing,   Clear),    // recovered: the outage is over
            (Partial,     Up,          Closed,   Nothing,   Clear),
            // A person reopened it while the monitor was up: it stays open
            // until the monitor goes down and then recovers.
            (Up,          Partial,     Reopened, Record,    Reopened),
            (Partial,     Up,          Reopened, Record,    Reopened),
            (Up,          Up,          Reopened, Nothing,   Reopened),
            (Up,          Down,        Reopened, Record,    Open_),
            (Partial,     Down,        Reopened, Record,    Open_),
            (Up,          Paused,      Reopened, Record,    Reopened),
        ];
        for (from, to, standing, expected, after) in table {
            let step = on_status_change(from, to, standing);
            assert_eq!(
                (step.transition, step.standing),
                (expected, after),
                "{from:?} -> {to:?}, standing {standing:?}"
            );
        }
        // A person's reopen ends as the table says: down, then up resolves it.
        let down = on_status_change(Up, Down, Reopened);
        assert_eq!(on_status_change(Down, Up, down.standing).transition, Resolve);
    }

    #[test]
    fn reconciling_repairs_only_what_the_status_contradicts() {
        use Standing::*;
        use Transition::*;
        let repair = |status, standing| reconcile(status, standing).transition;
        assert_eq!(repair(Down, Clear), Open, "a lost opening");
        assert_eq!(repair(Up, Ongoing), Resolve, "a lost resolution");
        for (status, standing) in [
            (Down, Ongoing),
            (Up, Clear),
            (Partial, Ongoing),
            (Partial, Clear),
            (Maintenance, Clear),
            (Down, ClosedByPerson),
            (Partial, ClosedByPerson),
            (Up, Reopened),
            (Partial, Reopened),
        ] {
            assert_eq!(repair(status, standing), Nothing, "{status:?}, {standing:?}");
        }
        assert_eq!(repair(Paused, Ongoing), Nothing, "a paused monitor's incident waits for a person");
        assert_eq!(reconcile(Up, ClosedByPerson).standing, Clear, "an outage that ended is forgotten");
        assert_eq!(reconcile(Down, ClosedByPerson).standing, ClosedByPerson);
    }

    #[test]
    fn people_decide_where_an_incident_stands() {
        use ManualAction::*;
        #[rustfmt::skip]
        let table = [
            (Resolve, Down,     Standing::ClosedByPerson),
            (Resolve, Partial,  Standing::ClosedByPerson),
            (Resolve, Pending,  Standing::ClosedByPerson),
            (Resolve, Up,       Standing::Clear),
            (Reopen,  Up,       Standing::Reopened),
            (Reopen,  Partial,  Standing::Reopened),
            (Reopen,  Down,     Standing::Ongoing),
        ];
        for (action, status, expected) in table {
            assert_eq!(standing_after(action, status), expected, "{action:?} while {status:?}");
        }
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
    fn windows_move_before_a_maintenance_and_only_its_end_during_it() {
        let at = |s: i64| DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap();
        let current = (at(1000), at(2000));
        let invalid = |field| Err(WindowError::Invalid(field, ""));
        let strip = |r: Result<(DateTime<Utc>, DateTime<Utc>), WindowError>| {
            r.map_err(|e| match e {
                WindowError::Invalid(field, _) => WindowError::Invalid(field, ""),
                over => over,
            })
        };
        #[rustfmt::skip]
        let table = [
            // state,    start,          end,             now,     expected
            (Scheduled, Some(at(1500)), Some(at(2500)),  at(0),   Ok((at(1500), at(2500)))),
            (Scheduled, None,           Some(at(3000)),  at(0),   Ok((at(1000), at(3000)))),
            (Scheduled, Some(at(1800)), None,            at(0),   Ok((at(1800), at(2000)))),
            (Scheduled, Some(at(2500)), None,            at(0),   invalid("scheduled_end")),   // after its end
            (Scheduled, None,           Some(at(-10)),   at(0),   invalid("scheduled_end")),
            (Scheduled, None,           Some(at(40 * 86_400)), at(0), invalid("scheduled_end")),
            (Ongoing,   None,           Some(at(4000)),  at(1500), Ok((at(1000), at(4000)))),  // extended
            (Ongoing,   None,           Some(at(1600)),  at(1500), Ok((at(1000), at(1600)))),  // shortened
            (Ongoing,   None,           Some(at(1400)),  at(1500), invalid("scheduled_end")),  // not into the past
            (Ongoing,   Some(at(1200)), None,            at(1500), invalid("scheduled_start")),
            (Ongoing,   Some(at(1000)), Some(at(2500)),  at(1500), Ok((at(1000), at(2500)))),  // start unchanged
            (Resolved,  None,           Some(at(4000)),  at(3000), Err(WindowError::Over)),
            (Cancelled, Some(at(5000)), Some(at(6000)),  at(0),   Err(WindowError::Over)),
        ];
        for (state, start, end, now, expected) in table {
            assert_eq!(strip(reschedule(state, current, start, end, now)), expected, "{state:?} {start:?} {end:?}");
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
