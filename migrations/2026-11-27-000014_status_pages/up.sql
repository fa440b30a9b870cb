-- Public status pages: what each shows (its components, in order, under the
-- names the public sees) and how it looks. At most one page is the default
-- (served at `/`); a custom domain names at most one page.
CREATE TABLE status_pages (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT false,
    published BOOLEAN NOT NULL DEFAULT false,
    custom_domain TEXT UNIQUE,
    logo_url TEXT,
    accent_color TEXT CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX status_pages_one_default ON status_pages (is_default) WHERE is_default;

CREATE TABLE status_page_components (
    page_id BIGINT NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    group_name TEXT,
    PRIMARY KEY (page_id, position),
    UNIQUE (page_id, monitor_id)
);
CREATE INDEX status_page_components_monitor_idx ON status_page_components (monitor_id);
