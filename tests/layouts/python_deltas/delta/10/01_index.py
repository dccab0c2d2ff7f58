def run_upgrade(cur):
    cur.execute("CREATE INDEX t_b_idx ON t (b)")
