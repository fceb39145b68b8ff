-- A receiver that answers 429, 502 or 504 is paused rather than sent more: `slowed_until` (unix ms) is when
-- requests may go to it again, `slow_downs` how many such answers came since its last success (each doubles the
-- pause). Claims pass a paused endpoint by; a success clears both.
ALTER TABLE endpoints ADD COLUMN slowed_until BIGINT;
ALTER TABLE endpoints ADD COLUMN slow_downs INTEGER NOT NULL DEFAULT 0;
