-- The schema as it was before versioned migrations (one owner, no accounts). `IF NOT EXISTS` throughout: a
-- database made before migrations were versioned adopts this version as it is.
CREATE TABLE IF NOT EXISTS api_keys (hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoints (
    id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE, description TEXT NOT NULL, topics TEXT NOT NULL,
    method TEXT NOT NULL, scheme TEXT NOT NULL, rate_limit BIGINT NOT NULL, burst_limit BIGINT NOT NULL,
    enabled BIGINT NOT NULL, health TEXT NOT NULL, failing_since BIGINT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    rate_tat_us BIGINT NOT NULL DEFAULT 0, served_at BIGINT NOT NULL DEFAULT 0, due_at BIGINT);
CREATE TABLE IF NOT EXISTS secrets (
    id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    value TEXT NOT NULL, label TEXT, expires_at BIGINT, created_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS secrets_endpoint ON secrets (endpoint_id);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, topic TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE, topic TEXT NOT NULL,
    status TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
    claims BIGINT NOT NULL, lease_owner TEXT, lease_until BIGINT, last_error TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (event_id, endpoint_id));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_endpoint ON deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS deliveries_lease ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_in_flight ON deliveries (endpoint_id) WHERE lease_owner IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_endpoint_due ON deliveries (endpoint_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS endpoints_due ON endpoints (due_at) WHERE due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY, delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL, attempt BIGINT NOT NULL,
    started_at BIGINT NOT NULL, latency_ms BIGINT NOT NULL, status_code BIGINT, outcome TEXT NOT NULL,
    error_class TEXT, error TEXT, response_excerpt TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_endpoint ON attempts (endpoint_id, started_at);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id);
