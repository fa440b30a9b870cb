-- Tells every server that something a public page shows has changed, so
-- that rendered pages are dropped: incidents and what they affect, public
-- updates, monitor statuses, daily rollups and the pages' own settings.
-- Once per statement; PostgreSQL folds repeats within a transaction and
-- delivers at commit.
CREATE FUNCTION vigie_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vigie_status', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER incidents_status_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER incident_monitors_status_changed AFTER INSERT OR UPDATE OR DELETE ON incident_monitors
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER incident_updates_status_changed AFTER INSERT OR UPDATE OR DELETE ON incident_updates
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER monitors_status_changed AFTER UPDATE OF status OR DELETE ON monitors
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER daily_rollups_status_changed AFTER INSERT OR UPDATE OR DELETE ON daily_rollups
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER status_pages_status_changed AFTER INSERT OR UPDATE OR DELETE ON status_pages
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
CREATE TRIGGER status_page_components_status_changed AFTER INSERT OR UPDATE OR DELETE ON status_page_components
    FOR EACH STATEMENT EXECUTE FUNCTION vigie_status_changed();
