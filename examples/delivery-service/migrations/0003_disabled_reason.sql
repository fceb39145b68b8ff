-- Why an endpoint was switched off by the service rather than its owner (a 410 Gone from the receiver): shown by the
-- API's health and cleared when the owner activates it again.
ALTER TABLE endpoints ADD COLUMN disabled_reason TEXT;
