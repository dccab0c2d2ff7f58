CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);
CREATE INDEX t_name_idx ON t (name);
