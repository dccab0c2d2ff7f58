BEGIN;
CREATE TABLE flipr.users (
    nickname text PRIMARY KEY,
    password text NOT NULL
);
COMMIT;
