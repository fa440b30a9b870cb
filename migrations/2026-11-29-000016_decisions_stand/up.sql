-- People's decisions about programmatic incidents, kept so that no
-- background job undoes them.
--
-- `monitors.outage_closed_at`: a team member resolved the monitor's incident
-- while the monitor was still failing. No new incident opens for this outage;
-- the mark is cleared when the monitor is up again, so the next outage opens
-- one as usual. The crash repair tells this apart from a lost transition.
ALTER TABLE monitors ADD COLUMN outage_closed_at TIMESTAMPTZ;

-- `incidents.held_open`: a team member reopened this programmatic incident
-- while its monitor was not down. The scheduler leaves it open until the
-- monitor goes down and recovers again (or a person resolves it).
ALTER TABLE incidents ADD COLUMN held_open BOOLEAN NOT NULL DEFAULT false;
