-- +goose Up
CREATE TABLE orgs (id bigserial PRIMARY KEY, owner_id bigint NOT NULL REFERENCES users (id));

-- +goose Down
DROP TABLE orgs;
ALTER TABLE users DROP COLUMN email;
