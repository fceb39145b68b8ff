-- Fewer index entries written per delivery ([delivery-speed]): every claim and every outcome rewrites the index
-- entries of the columns it changes, so an index no statement reads is paid for twice per delivery.
-- `deliveries_lease` (by lease owner) was read by nothing: leases are renewed and released by delivery id.
DROP INDEX deliveries_lease;
-- `deliveries_due` (pending rows by due time) only served the queue-depth metric, which `deliveries_endpoint_due`
-- (the same rows, by endpoint then due time) answers as well; claims already read that one.
DROP INDEX deliveries_due;
-- Attempts filtered by error class name a class: the successes (most attempts, no class) need no entry.
DROP INDEX attempts_endpoint_class;
CREATE INDEX attempts_endpoint_class ON attempts (endpoint_id, error_class, started_at, id) WHERE error_class IS NOT NULL;
