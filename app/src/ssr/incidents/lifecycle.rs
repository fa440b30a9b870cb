//! The incident lifecycle rules, as pure functions: what a monitor's status
//! change does to its programmatic incident, how planned maintenance moves
//! through its window, and which manual transitions are allowed. The
//! scheduler and the console only feed these and persist the answer.

use crate::model::{Impact, IncidentKind, IncidentState, Monitor, MonitorStatus};
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

/// Which statuses are an outage for a monitor's programmatic incident:
/// `down` always; `degraded` when the monitor opens incidents for slowness
/// (otherwise a slow monitor is as good as up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub degraded_opens: bool,
}

impl Policy {
    pub const OUTAGES_ONLY: Self = Self { degraded_opens: false };

    pub fn of(monitor: &Monitor) -> Self {
        Self { degraded_opens: monitor.degraded_incident }
    }

    /// An incident should be open.
    pub fn troubled(self, status: MonitorStatus) -> bool {
        status == MonitorStatus::Down || (self.degraded_opens && status == MonitorStatus::Degraded)
    }

    /// The trouble is over.
    pub fn fine(self, status: MonitorStatus) -> bool {
        status == MonitorStatus::Up || (!self.degraded_opens && status == MonitorStatus::Degraded)
    }
}

/// The monitor's status went from `from` to `to`. Only trouble opens an
/// incident (`down`, or `degraded` when the policy says so; a `partial`
/// monitor, one in maintenance or a paused one does not), and not during an
/// outage a person closed; only a fine status resolves one (`up`, or
/// `degraded` when slowness is no trouble), and not one a person reopened
/// until the monitor has been in trouble again; any other change while it is
/// open is recorded on it. Fine ends an outage a person closed; trouble
/// releases an incident a person reopened to the system.
pub fn on_status_change(from: MonitorStatus, to: MonitorStatus, standing: Standing, policy: Policy) -> Step {
    use Standing::*;
    let changed = if from != to { Transition::Record } else { Transition::Nothing };
    let (transition, standing) = match (policy.troubled(to), policy.fine(to), standing) {
        (true, _, Clear) => (Transition::Open, Ongoing),
        (true, _, Reopened) => (changed, Ongoing),
        (_, true, Ongoing) => (Transition::Resolve, Clear),
        (_, true, ClosedByPerson) => (Transition::Nothing, Clear),
        (_, _, Ongoing | Reopened) => (changed, standing),
        (_, _, Clear | ClosedByPerson) => (Transition::Nothing, standing),
    };
    Step { transition, standing }
}

/// The impact a programmatic incident opens with: `unknown` for an outage
/// (status pages show the monitor simply as down), `degraded_performance`
/// for slowness.
pub fn opening_impact(status: MonitorStatus) -> Impact {
    if status == MonitorStatus::Degraded { Impact::DegradedPerformance } else { Impact::Unknown }
}

/// The impact the system moves an ongoing programmatic incident to when its
/// monitor goes from slow to down or back: only between the two impacts it
/// opens with, and never over an impact a person chose.
pub fn followed_impact(current: Impact, to: MonitorStatus, chosen_by_person: bool) -> Option<Impact> {
    match (current, to) {
        _ if chosen_by_person => None,
        (Impact::DegradedPerformance, MonitorStatus::Down) => Some(Impact::Unknown),
        (Impact::Unknown, MonitorStatus::Degraded) => Some(Impact::DegradedPerformance),
        _ => None,
    }
}

/// Where a monitor's parent stands, as its child's outage sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentStanding {
    /// Down, with this ongoing programmatic incident covering it.
    Down(i64),
    /// Down without an incident (a person closed it), or in maintenance:
    /// the child's outage is the parent's, with nothing to join.
    Out,
    /// Not known yet: failing without confirmation, partial, or not checked
    /// since the child went down.
    Unsettled,
    /// Up, slow, paused or gone: the child's outage is its own.
    Fine,
}

/// What a child's outage does, given its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyStep {
    /// Open its own incident.
    Own,
    /// Join the parent's incident: listed as affected, alerts suppressed.
    Join(i64),
    /// Neither yet: wait for the parent's verdict.
    Wait,
}

/// A child's outage while its parent stands so: joins the parent's
/// incident, waits while the parent is out or its verdict is not known, and
/// opens its own when the parent is fine or has kept it waiting `patience`
/// without a verdict.
pub fn dependency_step(parent: ParentStanding, waited: chrono::Duration, patience: chrono::Duration) -> DependencyStep {
    match parent {
        ParentStanding::Down(incident) => DependencyStep::Join(incident),
        ParentStanding::Out => DependencyStep::Wait,
        ParentStanding::Unsettled if waited < patience => DependencyStep::Wait,
        ParentStanding::Unsettled | ParentStanding::Fine => DependencyStep::Own,
    }
}

/// What must be true of a monitor's incident given its current status alone:
/// used at start and periodically to repair what a crash or a restored backup
/// may have left (a `down` monitor with no incident, an ongoing incident of a
/// monitor that is `up`). A person's decision is not a lost transition: an
/// outage a person closed stays closed, an incident a person reopened stays
/// open.
pub fn reconcile(status: MonitorStatus, standing: Standing, policy: Policy) -> Step {
    on_status_change(status, status, standing, policy)
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
/// outage closes that outage; reopening while the monitor is not in trouble
/// holds the incident open against the scheduler.
pub fn standing_after(action: ManualAction, monitor: MonitorStatus, policy: Policy) -> Standing {
    match action {
        ManualAction::Resolve if policy.fine(monitor) => Standing::Clear,
        ManualAction::Resolve => Standing::ClosedByPerson,
        ManualAction::Reopen if policy.troubled(monitor) => Standing::Ongoing,
        ManualAction::Reopen => Standing::Reopened,
        ManualAction::Cancel => Standing::Clear,
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
            let step = on_status_change(from, to, standing, Policy::OUTAGES_ONLY);
            assert_eq!(
                (step.transition, step.standing),
                (expected, after),
                "{from:?} -> {to:?}, standing {standing:?}"
            );
        }
        // A person's reopen ends as the table says: down, then up resolves it.
        let down = on_status_change(Up, Down, Reopened, Policy::OUTAGES_ONLY);
        assert_eq!(on_status_change(Down, Up, down.standing, Policy::OUTAGES_ONLY).transition, Resolve);
    }

    #[test]
    fn slowness_opens_an_incident_only_when_the_monitor_says_so() {
        use Standing::{Clear, ClosedByPerson as Closed, Ongoing as Open_, Reopened};
        use Transition::*;
        let (outages, slowness) = (Policy::OUTAGES_ONLY, Policy { degraded_opens: true });
        #[rustfmt::skip]
        let table = [
            // policy,   from,     to,       standing, expected, standing after
            (outages,  Up,       Degraded, Clear,    Nothing,  Clear),
            (outages,  Down,     Degraded, Open_,    Resolve,  Clear),    // answering again, if slowly
            (outages,  Down,     Degraded, Closed,   Nothing,  Clear),
            (outages,  Degraded, Down,     Clear,    Open,     Open_),
            (outages,  Degraded, Up,       Clear,    Nothing,  Clear),
            (slowness, Up,       Degraded, Clear,    Open,     Open_),
            (slowness, Degraded, Up,       Open_,    Resolve,  Clear),
            (slowness, Degraded, Down,     Open_,    Record,   Open_),    // one incident: it got worse
            (slowness, Down,     Degraded, Open_,    Record,   Open_),
            (slowness, Down,     Up,       Open_,    Resolve,  Clear),
            (slowness, Degraded, Partial,  Open_,    Record,   Open_),
            (slowness, Down,     Degraded, Closed,   Nothing,  Closed),   // a person closed this trouble
            (slowness, Degraded, Up,       Closed,   Nothing,  Clear),
            (slowness, Up,       Degraded, Reopened, Record,   Open_),
        ];
        for (policy, from, to, standing, expected, after) in table {
            let step = on_status_change(from, to, standing, policy);
            assert_eq!(
                (step.transition, step.standing),
                (expected, after),
                "{policy:?}: {from:?} -> {to:?}, {standing:?}"
            );
        }
        assert_eq!(opening_impact(Down), Impact::Unknown);
        assert_eq!(opening_impact(Degraded), Impact::DegradedPerformance);
        assert_eq!(standing_after(ManualAction::Resolve, Degraded, outages), Standing::Clear);
        assert_eq!(standing_after(ManualAction::Resolve, Degraded, slowness), Standing::ClosedByPerson);
        assert_eq!(standing_after(ManualAction::Reopen, Degraded, slowness), Standing::Ongoing);
        assert_eq!(standing_after(ManualAction::Reopen, Degraded, outages), Standing::Reopened);
    }

    #[test]
    fn the_system_moves_an_impact_only_between_its_own() {
        use Impact::*;
        #[rustfmt::skip]
        let table = [
            (DegradedPerformance, MonitorStatus::Down,     false, Some(Unknown)),
            (Unknown,             MonitorStatus::Degraded, false, Some(DegradedPerformance)),
            (Unknown,             MonitorStatus::Down,     false, None),
            (DegradedPerformance, MonitorStatus::Degraded, false, None),
            (DegradedPerformance, MonitorStatus::Partial,  false, None),
            (MajorOutage,         MonitorStatus::Degraded, false, None),    // a person's choice
            (PartialOutage,       MonitorStatus::Down,     false, None),
            (DegradedPerformance, MonitorStatus::Down,     true,  None),    // chosen by a person
            (Unknown,             MonitorStatus::Degraded, true,  None),
        ];
        for (current, to, chosen, expected) in table {
            assert_eq!(followed_impact(current, to, chosen), expected, "{current:?} -> {to:?}, chosen {chosen}");
        }
    }

    #[test]
    fn a_child_outage_joins_waits_for_or_ignores_its_parent() {
        use DependencyStep::*;
        let s = chrono::Duration::seconds;
        #[rustfmt::skip]
        let table = [
            (ParentStanding::Down(7),   s(0),   Join(7)),
            (ParentStanding::Down(7),   s(999), Join(7)),
            (ParentStanding::Out,       s(999), Wait),     // until the parent's state changes
            (ParentStanding::Unsettled, s(0),   Wait),
            (ParentStanding::Unsettled, s(119), Wait),
            (ParentStanding::Unsettled, s(120), Own),      // no verdict in time
            (ParentStanding::Fine,      s(0),   Own),
        ];
        for (parent, waited, expected) in table {
            assert_eq!(dependency_step(parent, waited, s(120)), expected, "{parent:?} after {waited}");
        }
    }

    #[test]
    fn reconciling_repairs_only_what_the_status_contradicts() {
        use Standing::*;
        use Transition::*;
        let repair = |status, standing| reconcile(status, standing, Policy::OUTAGES_ONLY).transition;
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
        let policy = Policy::OUTAGES_ONLY;
        assert_eq!(reconcile(Up, ClosedByPerson, policy).standing, Clear, "an outage that ended is forgotten");
        assert_eq!(reconcile(Down, ClosedByPerson, policy).standing, ClosedByPerson);
        assert_eq!(repair(Degraded, Ongoing), Resolve, "slow is no outage unless the monitor says so");
        let slowness = Policy { degraded_opens: true };
        assert_eq!(reconcile(Degraded, Clear, slowness).transition, Open);
        assert_eq!(reconcile(Degraded, Ongoing, slowness).transition, Nothing);
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
            assert_eq!(standing_after(action, status, Policy::OUTAGES_ONLY), expected, "{action:?} while {status:?}");
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
