-- Each scheduler tick looks for late heartbeats. Read from the due states
-- of every kind, that is as many rows as there are checks due (all of them
-- when the scheduler falls behind); read from this index, as many as there
-- are heartbeats.
CREATE INDEX monitors_heartbeats_idx ON monitors (id) WHERE kind = 'heartbeat' AND NOT paused;
