-- V10 runs after V9 and V2: versions are numbers, not strings.
ALTER TABLE accounts ADD COLUMN name text NOT NULL DEFAULT '';
