-- diesel compares versions without dashes: this runs after 2019-03-01, before 2019-09-01.
ALTER TABLE users ADD COLUMN email text;
