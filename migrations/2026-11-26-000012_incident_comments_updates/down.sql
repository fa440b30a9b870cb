DROP TABLE incident_updates;
DROP TABLE incident_comments;
