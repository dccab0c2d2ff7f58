def run_upgrade(cur):
    cur.execute("ALTER TABLE t DROP COLUMN a")
