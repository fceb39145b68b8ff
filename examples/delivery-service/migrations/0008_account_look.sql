-- An account's own look in the console (brand name, logo, accent colour, font) over the service's, as JSON text;
-- NULL: the service's look.
ALTER TABLE accounts ADD COLUMN look TEXT;
