-- migrate:up
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL
);
CREATE INDEX accounts_email_idx ON accounts (email);

-- migrate:down
DROP TABLE accounts;
