-- A function that creates and drops a work table when it runs: not schema.
CREATE FUNCTION rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE rebuild_work (id int);
    DROP TABLE jobs;
END $$;
