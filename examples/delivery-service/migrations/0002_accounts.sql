-- Accounts: every endpoint, secret, event, delivery and attempt belongs to one. Rows of a one-owner database move
-- to the account `default`. A URL is unique within its account, an event id within its account. Attempts keep the
-- request they sent and the response's headers, and what triggered them; keys may belong to an account; an audit
-- log records who changed what.
--
-- Each table is rebuilt (the old one renamed `*_v1`, the new one made under the name, the rows copied, the old one
-- dropped children first), the one way to change a UNIQUE constraint that both SQLite and Postgres take in the
-- same words; children are dropped before their parents so no ON DELETE CASCADE fires on the way.
ALTER TABLE api_keys RENAME TO api_keys_v1;
ALTER TABLE endpoints RENAME TO endpoints_v1;
ALTER TABLE secrets RENAME TO secrets_v1;
ALTER TABLE events RENAME TO events_v1;
ALTER TABLE deliveries RENAME TO deliveries_v1;
ALTER TABLE attempts RENAME TO attempts_v1;
DROP INDEX IF EXISTS secrets_endpoint;
DROP INDEX IF EXISTS deliveries_due;
DROP INDEX IF EXISTS deliveries_endpoint;
DROP INDEX IF EXISTS deliveries_lease;
DROP INDEX IF EXISTS deliveries_in_flight;
DROP INDEX IF EXISTS deliveries_endpoint_due;
DROP INDEX IF EXISTS endpoints_due;
DROP INDEX IF EXISTS attempts_endpoint;
DROP INDEX IF EXISTS attempts_delivery;

CREATE TABLE accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
INSERT INTO accounts (id, name, created_at, updated_at)
    SELECT 'default', 'Default account', COALESCE((SELECT MIN(created_at) FROM endpoints_v1), 0),
    COALESCE((SELECT MIN(created_at) FROM endpoints_v1), 0)
    WHERE EXISTS (SELECT 1 FROM endpoints_v1) OR EXISTS (SELECT 1 FROM events_v1);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE, hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT);
INSERT INTO api_keys (id, account_id, hash, prefix, created_at, revoked_at)
    SELECT 'key_' || substr(hash, 1, 24), NULL, hash, '', created_at, NULL FROM api_keys_v1;

CREATE TABLE endpoints (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, url TEXT NOT NULL,
    description TEXT NOT NULL, topics TEXT NOT NULL, method TEXT NOT NULL, scheme TEXT NOT NULL,
    rate_limit BIGINT NOT NULL, burst_limit BIGINT NOT NULL, enabled BIGINT NOT NULL, health TEXT NOT NULL,
    failing_since BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
    rate_tat_us BIGINT NOT NULL DEFAULT 0, served_at BIGINT NOT NULL DEFAULT 0, due_at BIGINT,
    UNIQUE (account_id, url));
INSERT INTO endpoints (id, account_id, url, description, topics, method, scheme, rate_limit, burst_limit,
    enabled, health, failing_since, created_at, updated_at, rate_tat_us, served_at, due_at)
    SELECT id, 'default', url, description, topics, method, scheme, rate_limit, burst_limit, enabled, health,
    failing_since, created_at, updated_at, rate_tat_us, served_at, due_at FROM endpoints_v1;

CREATE TABLE secrets (
    id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    value TEXT NOT NULL, label TEXT, expires_at BIGINT, created_at BIGINT NOT NULL);
INSERT INTO secrets (id, endpoint_id, value, label, expires_at, created_at)
    SELECT id, endpoint_id, value, label, expires_at, created_at FROM secrets_v1;

CREATE TABLE events (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, id TEXT NOT NULL, topic TEXT NOT NULL,
    body TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (account_id, id));
INSERT INTO events (account_id, id, topic, body, created_at)
    SELECT 'default', id, topic, body, created_at FROM events_v1;

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE, topic TEXT NOT NULL,
    status TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
    claims BIGINT NOT NULL, lease_owner TEXT, lease_until BIGINT, last_error TEXT, last_error_class TEXT,
    trigger_kind TEXT NOT NULL DEFAULT 'scheduled', single_attempt BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (event_id, endpoint_id),
    FOREIGN KEY (account_id, event_id) REFERENCES events (account_id, id) ON DELETE CASCADE);
INSERT INTO deliveries (id, account_id, event_id, endpoint_id, topic, status, attempts, next_attempt_at, claims,
    lease_owner, lease_until, last_error, last_error_class, trigger_kind, single_attempt, created_at, updated_at)
    SELECT id, 'default', event_id, endpoint_id, topic, status, attempts, next_attempt_at, claims, lease_owner,
    lease_until, last_error, NULL, 'scheduled', 0, created_at, updated_at FROM deliveries_v1;

CREATE TABLE attempts (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL, attempt BIGINT NOT NULL,
    trigger_kind TEXT NOT NULL, started_at BIGINT NOT NULL, latency_ms BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
    status_code BIGINT, outcome TEXT NOT NULL, error_class TEXT, error TEXT,
    request_method TEXT NOT NULL, request_url TEXT NOT NULL, request_headers TEXT NOT NULL,
    response_headers TEXT NOT NULL, response_excerpt TEXT NOT NULL);
INSERT INTO attempts (id, account_id, delivery_id, endpoint_id, event_id, topic, attempt, trigger_kind,
    started_at, latency_ms, recorded_at, status_code, outcome, error_class, error, request_method, request_url,
    request_headers, response_headers, response_excerpt)
    SELECT a.id, 'default', a.delivery_id, a.endpoint_id, a.event_id, a.topic, a.attempt, 'scheduled',
    a.started_at, a.latency_ms, a.started_at + a.latency_ms, a.status_code, a.outcome, a.error_class, a.error,
    e.method, e.url, '[]', '[]', a.response_excerpt
    FROM attempts_v1 a JOIN endpoints_v1 e ON e.id = a.endpoint_id;

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE, actor TEXT NOT NULL,
    action TEXT NOT NULL, target_kind TEXT NOT NULL, target_id TEXT NOT NULL, detail TEXT NOT NULL,
    created_at BIGINT NOT NULL);

DROP TABLE attempts_v1;
DROP TABLE deliveries_v1;
DROP TABLE secrets_v1;
DROP TABLE events_v1;
DROP TABLE endpoints_v1;
DROP TABLE api_keys_v1;

CREATE INDEX api_keys_account ON api_keys (account_id, created_at);
CREATE INDEX endpoints_account ON endpoints (account_id, created_at, id);
CREATE INDEX endpoints_due ON endpoints (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX secrets_endpoint ON secrets (endpoint_id);
CREATE INDEX events_account ON events (account_id, created_at, id);
CREATE INDEX deliveries_event ON deliveries (account_id, event_id);
CREATE INDEX deliveries_account ON deliveries (account_id, created_at, id);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at, id);
CREATE INDEX deliveries_endpoint_status ON deliveries (endpoint_id, status, created_at, id);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_lease ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX deliveries_in_flight ON deliveries (endpoint_id) WHERE lease_owner IS NOT NULL;
CREATE INDEX deliveries_endpoint_due ON deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX attempts_account ON attempts (account_id, started_at, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, started_at, id);
CREATE INDEX attempts_endpoint_class ON attempts (endpoint_id, error_class, started_at, id);
CREATE INDEX attempts_delivery ON attempts (delivery_id, attempt);
CREATE INDEX attempts_recorded ON attempts (account_id, recorded_at, id);
CREATE INDEX audit_account ON audit_log (account_id, created_at, id);
