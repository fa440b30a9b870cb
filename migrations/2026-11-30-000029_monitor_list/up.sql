-- Monitors are listed by name, any case, a page at a time (keyset: the
-- name in lower case, then the id).
CREATE INDEX monitors_list_idx ON monitors (lower(name), id);
