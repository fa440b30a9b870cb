DROP TABLE incident_events;
DROP TABLE incident_monitors;
DROP TABLE incidents;
