-- migrate:up transaction:false
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id));
CREATE INDEX CONCURRENTLY orders_account_id_idx ON orders (account_id);

-- migrate:down
DROP INDEX orders_account_id_idx;
DROP TABLE orders;
CREATE TABLE orders_archive (id bigint);
