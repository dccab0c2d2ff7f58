-- The reworked change: its earlier version is deploy/users@v1.0.sql.
BEGIN;
ALTER TABLE flipr.users ADD COLUMN fullname text;
CREATE INDEX users_fullname_idx ON flipr.users (fullname);
COMMIT;
