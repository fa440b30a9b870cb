DROP TRIGGER status_page_components_status_changed ON status_page_components;
DROP TRIGGER status_pages_status_changed ON status_pages;
DROP TRIGGER daily_rollups_status_changed ON daily_rollups;
DROP TRIGGER monitors_status_changed ON monitors;
DROP TRIGGER incident_updates_status_changed ON incident_updates;
DROP TRIGGER incident_monitors_status_changed ON incident_monitors;
DROP TRIGGER incidents_status_changed ON incidents;
DROP FUNCTION vigie_status_changed();
