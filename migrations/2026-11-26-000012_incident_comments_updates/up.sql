-- Comments are the team's private notes; updates are public. They live in
-- separate tables so that no query behind a public surface can reach a
-- comment by mistake. Both keep the Markdown and its sanitized HTML.
CREATE TABLE incident_comments (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ
);
CREATE INDEX incident_comments_incident_idx ON incident_comments (incident_id, created_at);

CREATE TABLE incident_updates (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    published_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_updates_incident_idx ON incident_updates (incident_id, published_at);
