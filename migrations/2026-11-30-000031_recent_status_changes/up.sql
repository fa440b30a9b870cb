-- The console's overview lists the latest status changes of any monitor:
-- an index by time reads the newest few without a scan of the whole table.
CREATE INDEX monitor_status_changes_time_idx ON monitor_status_changes (changed_at, id);
