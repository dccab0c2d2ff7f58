CREATE TABLE t (id int PRIMARY KEY, old text);
CREATE TABLE jobs (id int PRIMARY KEY, payload text, done boolean);
