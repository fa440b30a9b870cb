DELETE FROM subscriber_notices WHERE kind = 'component_update';
ALTER TABLE subscriber_notices DROP CONSTRAINT subscriber_notices_kind_check;
ALTER TABLE subscriber_notices ADD CONSTRAINT subscriber_notices_kind_check CHECK (kind IN (
    'incident_published', 'incident_updated', 'incident_resolved',
    'maintenance_scheduled', 'maintenance_changed', 'maintenance_started',
    'maintenance_completed', 'maintenance_cancelled'));
ALTER TABLE subscriber_notices ALTER COLUMN incident_id SET NOT NULL;
DROP TABLE subscriber_component_states;
