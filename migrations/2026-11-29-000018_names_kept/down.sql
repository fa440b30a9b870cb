ALTER TABLE incident_updates DROP COLUMN edited_at;

UPDATE incident_updates SET author_id = NULL WHERE author_id NOT IN (SELECT id FROM users);
ALTER TABLE incident_updates ADD CONSTRAINT incident_updates_author_id_fkey
    FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE incident_updates DROP COLUMN author_name;

UPDATE incident_comments SET author_id = NULL WHERE author_id NOT IN (SELECT id FROM users);
ALTER TABLE incident_comments ADD CONSTRAINT incident_comments_author_id_fkey
    FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE incident_comments DROP COLUMN author_name;

UPDATE incident_events SET actor_id = NULL WHERE actor_id NOT IN (SELECT id FROM users);
ALTER TABLE incident_events ADD CONSTRAINT incident_events_actor_id_fkey
    FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE incident_events DROP COLUMN actor_name;
