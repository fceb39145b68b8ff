-- Operational webhooks: where an account wants to hear about its endpoints' trouble (the secret sealed like
-- endpoint secrets), and the notices queued for it and for the service-wide URL, sent with retries.
CREATE TABLE operational_webhooks (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE, url TEXT NOT NULL, secret TEXT NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);

-- `destination` is `account` (the account's operational webhook) or `service` (the service-wide one); `status`
-- pending → delivered, failed (retries ran out) or dropped (the destination was removed meanwhile).
CREATE TABLE operational_events (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    destination TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT, updated_at BIGINT NOT NULL);
CREATE INDEX operational_events_due ON operational_events (status, next_attempt_at);
CREATE INDEX operational_events_account ON operational_events (account_id, created_at);
