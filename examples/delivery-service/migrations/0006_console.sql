-- The console: single-use sign-in links an account's platform hands its user, and the sessions they open. Only
-- SHA-256 hashes of the link tokens and session ids are stored; `account_id` NULL is an admin session.
CREATE TABLE console_links (
    token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE, csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
