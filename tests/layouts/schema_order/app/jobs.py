def purge(cur):
    # Runtime DDL: a background job, not the schema.
    cur.execute("ALTER TABLE jobs DROP COLUMN payload")
    cur.execute("CREATE TABLE scratch (id int)")
    cur.execute("CREATE TEMP TABLE work AS SELECT id FROM jobs WHERE done")
    cur.execute("DELETE FROM jobs WHERE id IN (SELECT id FROM work)")
