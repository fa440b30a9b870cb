-- A monitor may depend on another (its parent): while the parent is down,
-- the child's outage joins the parent's incident instead of opening its own.
-- Cycles are refused by the application; deleting a parent frees its children.
ALTER TABLE monitors ADD COLUMN parent_id BIGINT REFERENCES monitors (id) ON DELETE SET NULL
    CHECK (parent_id <> id);
CREATE INDEX monitors_parent_id_idx ON monitors (parent_id) WHERE parent_id IS NOT NULL;
