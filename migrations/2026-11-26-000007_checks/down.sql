DROP TABLE monitor_status_changes;
DROP TABLE checks;
DROP TABLE monitor_region_state;
