-- What to watch. Limits mirror the validation in app::ssr::monitors so that
-- nothing invalid is stored even if a caller skips it.
CREATE TABLE monitors (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind TEXT NOT NULL CHECK (kind IN ('http', 'tcp')),
    url TEXT CHECK (length(url) <= 2048),
    host TEXT CHECK (length(host) <= 253),
    port INTEGER CHECK (port BETWEEN 1 AND 65535),
    method TEXT NOT NULL DEFAULT 'GET',
    headers JSONB NOT NULL DEFAULT '{}',
    body TEXT,
    accepted_status TEXT NOT NULL DEFAULT '200-299',
    keyword TEXT,
    keyword_mode TEXT NOT NULL DEFAULT 'contains' CHECK (keyword_mode IN ('contains', 'absent')),
    follow_redirects BOOLEAN NOT NULL DEFAULT true,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds BETWEEN 1 AND 3600),
    timeout_seconds INTEGER NOT NULL CHECK (timeout_seconds BETWEEN 1 AND 30 AND timeout_seconds <= interval_seconds),
    region_threshold INTEGER NOT NULL DEFAULT 1 CHECK (region_threshold >= 1),
    incident_confirmations INTEGER NOT NULL DEFAULT 3 CHECK (incident_confirmations BETWEEN 1 AND 5),
    recovery_confirmations INTEGER NOT NULL DEFAULT 2 CHECK (recovery_confirmations BETWEEN 1 AND 5),
    ssl_expiry_days INTEGER NOT NULL DEFAULT 14 CHECK (ssl_expiry_days BETWEEN 1 AND 365),
    paused BOOLEAN NOT NULL DEFAULT false,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('up', 'down', 'partial', 'maintenance', 'pending')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'http' AND url IS NOT NULL) OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL))
);

-- Which regions probe a monitor.
CREATE TABLE monitor_regions (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    region_id BIGINT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, region_id)
);
CREATE INDEX monitor_regions_region_id_idx ON monitor_regions (region_id);
