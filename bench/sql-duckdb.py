#!/usr/bin/env python3
"""DuckDB side of bench/sql.mjs: loads the generated CSV files and times the
compiled queries. Reads one JSON object on stdin:

  {"profiles": "profiles.csv", "events": "events.csv",
   "queries": [{"name": ..., "sql": ...}], "rounds": 3}

and prints {"load": seconds, "threads": n, "version": "...",
"queries": [{"name", "count", "seconds": [...]}]} (seconds of each round).
"""

import json
import sys
import time

try:
    import duckdb
except ImportError:
    sys.stderr.write("bench/sql-duckdb.py needs the duckdb Python package: pip install duckdb\n")
    sys.exit(3)

job = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")

start = time.perf_counter()
con.execute(
    """
    CREATE TABLE profiles AS
    SELECT id, age, country, gender,
           CASE WHEN interests IS NULL THEN NULL ELSE string_split(interests, '|') END AS interests,
           "consent.marketing", signup_date
    FROM read_csv(?, header = true, nullstr = '', columns = {
        'id': 'VARCHAR', 'age': 'DOUBLE', 'country': 'VARCHAR', 'gender': 'VARCHAR',
        'interests': 'VARCHAR', 'consent.marketing': 'BOOLEAN', 'signup_date': 'DATE'})
    """,
    [job["profiles"]],
)
con.execute(
    """
    CREATE TABLE events AS
    SELECT profile_id, type, CAST("at" AS TIMESTAMPTZ) AS "at", amount, category, product_id
    FROM read_csv(?, header = true, nullstr = '', columns = {
        'profile_id': 'VARCHAR', 'type': 'VARCHAR', 'at': 'VARCHAR', 'amount': 'DOUBLE',
        'category': 'VARCHAR', 'product_id': 'VARCHAR'})
    """,
    [job["events"]],
)
load = time.perf_counter() - start
sizes = con.execute("SELECT (SELECT COUNT(*) FROM profiles), (SELECT COUNT(*) FROM events)").fetchone()

out = {
    "load": load,
    "profiles": sizes[0],
    "events": sizes[1],
    "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
    "version": duckdb.__version__,
    "queries": [],
}
for q in job["queries"]:
    seconds = []
    count = None
    for _ in range(job.get("rounds", 3)):
        t = time.perf_counter()
        count = con.execute(f"SELECT COUNT(*) FROM ({q['sql']}) AS members").fetchone()[0]
        seconds.append(time.perf_counter() - t)
    out["queries"].append({"name": q["name"], "count": count, "seconds": seconds})
json.dump(out, sys.stdout)
