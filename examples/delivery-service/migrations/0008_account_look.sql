-- An account's own look in the console (brand name, logo, accent colour, font) over the service's, as JSON text;
-- NULL: the service's look.
ALTER TABLE accounts ADD COLUMN look TEXT;

-- When an endpoint last accepted a delivery (unix ms, to the minute: the recorder writes it at most once a minute),
-- for the console's list; NULL: not since this column exists.
ALTER TABLE endpoints ADD COLUMN last_success_at BIGINT;

-- Finding an event's deliveries (the history's event-id search) in the order the list shows them: with the order's
-- columns in the index, SQLite takes it instead of walking the account's whole history by time.
DROP INDEX deliveries_event;
CREATE INDEX deliveries_event ON deliveries (account_id, event_id, created_at, id);
