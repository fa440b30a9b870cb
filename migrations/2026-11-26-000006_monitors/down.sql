DROP TABLE monitor_regions;
DROP TABLE monitors;
