-- The console: single-use sign-in links an account's platform hands its user, and the sessions they open. Only
-- SHA-256 hashes of the link tokens and session ids are stored; `account_id` NULL is an admin session.
CREATE TABLE console_links (
    token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE, csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);

-- Attempts counted per endpoint and hour by outcome class and latency bucket, kept as outcomes are recorded: the
-- console's rates, percentiles and charts read a few hundred rows instead of every attempt of the day.
CREATE TABLE attempt_hours (
    endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE, account_id TEXT NOT NULL,
    hour BIGINT NOT NULL, class TEXT NOT NULL, bucket BIGINT NOT NULL, n BIGINT NOT NULL,
    PRIMARY KEY (endpoint_id, hour, class, bucket));
CREATE INDEX attempt_hours_account ON attempt_hours (account_id, hour);
