DROP INDEX monitors_heartbeats_idx;
