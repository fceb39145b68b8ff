-- What a receiver answers is kept as bytes, exactly as it came (Postgres' TEXT refuses U+0000, and a body need not
-- be UTF-8 at all). Rows from before keep their text in `response_excerpt`.
ALTER TABLE attempts ADD COLUMN response_body BYTEA;

-- Console links and sessions remember the key that made them: revoking the key ends them. Sessions and unused links
-- from before could not be tied to a key, so they end here.
DELETE FROM console_sessions;
DELETE FROM console_links;
ALTER TABLE console_links ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE console_sessions ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
