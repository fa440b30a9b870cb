-- The timeline, comments and updates keep who acted under the name they had
-- then, also after that member is removed from the team: the name is stored
-- with each row, and the member's id stays (ids are never reused) instead of
-- being cleared by a foreign key.
ALTER TABLE incident_events ADD COLUMN actor_name TEXT;
UPDATE incident_events e SET actor_name = u.name FROM users u WHERE u.id = e.actor_id;
ALTER TABLE incident_events DROP CONSTRAINT incident_events_actor_id_fkey;

ALTER TABLE incident_comments ADD COLUMN author_name TEXT;
UPDATE incident_comments c SET author_name = u.name FROM users u WHERE u.id = c.author_id;
ALTER TABLE incident_comments DROP CONSTRAINT incident_comments_author_id_fkey;

ALTER TABLE incident_updates ADD COLUMN author_name TEXT;
UPDATE incident_updates p SET author_name = u.name FROM users u WHERE u.id = p.author_id;
ALTER TABLE incident_updates DROP CONSTRAINT incident_updates_author_id_fkey;

-- Public updates can be corrected; feeds keep their id and show when.
ALTER TABLE incident_updates ADD COLUMN edited_at TIMESTAMPTZ;
