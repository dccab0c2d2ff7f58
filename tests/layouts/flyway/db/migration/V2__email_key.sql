CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
