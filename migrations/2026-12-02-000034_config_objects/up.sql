-- Objects a configuration file (`vigie apply`) manages, by the key the file
-- gives them: the console marks them "managed by configuration", and
-- `apply --prune` deletes only these. A table of its own, so that servers of
-- the previous release, which do not know it, run on unchanged. A row whose
-- object was deleted in the console stays until the next apply, which
-- creates the object again if the file still declares it.
CREATE TABLE config_objects (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT config_objects_pkey PRIMARY KEY (kind, key),
    CONSTRAINT config_objects_object_key UNIQUE (kind, object_id),
    CONSTRAINT config_objects_kind_check CHECK (kind IN ('monitor', 'channel', 'rule', 'status_page')),
    CONSTRAINT config_objects_key_check CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$')
);
