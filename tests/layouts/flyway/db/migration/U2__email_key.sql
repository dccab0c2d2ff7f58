DROP INDEX accounts_email_key;
