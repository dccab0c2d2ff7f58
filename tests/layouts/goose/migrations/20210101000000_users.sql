-- +goose Up
-- +goose StatementBegin
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);
-- +goose StatementEnd
CREATE INDEX users_email_idx ON users (email);

-- +goose Down
DROP TABLE users;
