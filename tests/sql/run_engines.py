#!/usr/bin/env python3
"""Loads generated profiles and events into real SQL engines and runs compiled segments.

Usage: run_engines.py DIR ENGINE[,ENGINE...]

DIR holds (written by tests/sql.rs):
  data.json     {"profile_columns": [[name, type], ...], "event_columns": [[name, type], ...],
                 "profiles": [{column: value}], "events": [{column: value}]}
                types: id, number, string, boolean, date, datetime, string[]; events also have
                profile_id, type, at, and a JSON copy of their properties ("props").
  queries.json  [{"id": ..., "engine": ..., "sql": ...}]

Engines: duckdb (the `duckdb` Python package), postgres (Debian's PostgreSQL server binaries,
started here on 127.0.0.1 in a temp dir as the `postgres` user and stopped at the end), spark
(the `pyspark` package, local mode, session time zone UTC).

Tables: profiles(id, one column per attribute), events(profile_id, type, at, one column per
property), events_json(profile_id, type, at, props JSON).

Prints one JSON object: {"results": {query id: {"ids": [...]} or {"error": "..."}},
"tables": {engine: {"profiles": n, "events": n, "events_json": n}}, "seconds": {engine: s}}.
Exits 3 with a message on stderr when an engine is not installed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def missing(what, how):
    sys.stderr.write(f"SQL engine not available: {what}. Install it with: {how}\n")
    sys.exit(3)


def load(dir_):
    with open(os.path.join(dir_, "data.json"), encoding="utf-8") as f:
        data = json.load(f)
    with open(os.path.join(dir_, "queries.json"), encoding="utf-8") as f:
        queries = json.load(f)
    return data, queries


EVENT_BASE = [["profile_id", "id"], ["type", "string"], ["at", "datetime"]]


# ---------------------------------------------------------------- DuckDB

DUCK_TYPES = {
    "id": "VARCHAR",
    "number": "DOUBLE",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "string[]": "VARCHAR[]",
    "json": "JSON",
}


def duck_quote(name):
    return '"' + name.replace('"', '""') + '"'


def run_duckdb(data, queries, out):
    try:
        import duckdb
    except ImportError:
        missing("the duckdb Python package", "pip install duckdb")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    def create(table, columns, rows):
        cols = ", ".join(f"{duck_quote(n)} {DUCK_TYPES[t]}" for n, t in columns)
        con.execute(f"CREATE TABLE {duck_quote(table)} ({cols})")
        marks = ", ".join(
            f"CAST(? AS {DUCK_TYPES[t]})" if t in ("date", "datetime", "json") else "?"
            for _, t in columns
        )
        values = [
            [
                json.dumps(r.get(n)) if t == "json" else r.get(n)
                for n, t in columns
            ]
            for r in rows
        ]
        if values:
            con.executemany(f"INSERT INTO {duck_quote(table)} VALUES ({marks})", values)

    create("profiles", data["profile_columns"], data["profiles"])
    create("events", EVENT_BASE + data["event_columns"], data["events"])
    create("events_json", EVENT_BASE + [["props", "json"]], data["events"])
    for q in queries:
        if q["engine"] != "duckdb":
            continue
        try:
            rows = con.execute(q["sql"]).fetchall()
            out["results"][q["id"]] = {"ids": [r[0] for r in rows]}
        except Exception as e:  # reported per query, compared by the Rust test
            out["results"][q["id"]] = {"error": str(e)}
    out["tables"]["duckdb"] = {
        t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("profiles", "events", "events_json")
    }


# ---------------------------------------------------------------- PostgreSQL

PG_TYPES = {
    "id": "TEXT",
    "number": "DOUBLE PRECISION",
    "string": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "string[]": "TEXT[]",
    "json": "JSONB",
}


def pg_bin():
    for base in ("/usr/lib/postgresql",):
        if os.path.isdir(base):
            versions = sorted(os.listdir(base), key=lambda v: int(v) if v.isdigit() else 0)
            for v in reversed(versions):
                b = os.path.join(base, v, "bin")
                if os.path.exists(os.path.join(b, "initdb")):
                    return b
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    missing("PostgreSQL server binaries (initdb, pg_ctl, postgres)", "apt-get install postgresql")


def pg_literal(value, typ):
    if value is None:
        return "NULL"
    if typ == "string[]":
        return "ARRAY[" + ", ".join(pg_literal(v, "string") for v in value) + "]::TEXT[]"
    if typ == "json":
        return pg_literal(json.dumps(value), "string") + "::JSONB"
    if typ == "boolean":
        return "TRUE" if value else "FALSE"
    if typ == "number":
        return repr(float(value))
    # standard_conforming_strings is on: only quotes are special.
    s = "'" + str(value).replace("'", "''") + "'"
    if typ == "date":
        return s + "::DATE"
    if typ == "datetime":
        return s + "::TIMESTAMPTZ"
    return s


def run_postgres(data, queries, out):
    bindir = pg_bin()
    if shutil.which("psql") is None:
        missing("psql", "apt-get install postgresql-client")
    as_root = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="kaleido-pg-")
    os.chmod(tmp, 0o777)
    datadir = os.path.join(tmp, "data")
    port = str(54300 + os.getpid() % 600)

    def as_pg(args):
        cmd = (["runuser", "-u", "postgres", "--"] if as_root else []) + args
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    started = False
    try:
        as_pg([os.path.join(bindir, "initdb"), "-D", datadir, "-E", "UTF8",
               "--locale=C.UTF-8", "-A", "trust", "-U", "postgres"])
        as_pg([os.path.join(bindir, "pg_ctl"), "-D", datadir, "-l", os.path.join(tmp, "log"),
               "-w", "-o", f"-k {tmp} -p {port} -h 127.0.0.1 -c fsync=off", "start"])
        started = True

        def psql(script):
            r = subprocess.run(
                ["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-X", "-q", "-At",
                 "-v", "ON_ERROR_STOP=1", "-f", "-"],
                input=script, capture_output=True, text=True,
            )
            return r

        def create(table, columns, rows):
            cols = ", ".join(f"{duck_quote(n)} {PG_TYPES[t]}" for n, t in columns)
            parts = [f"CREATE TABLE {duck_quote(table)} ({cols});"]
            for r in rows:
                vals = ", ".join(pg_literal(r.get(n), t) for n, t in columns)
                parts.append(f"INSERT INTO {duck_quote(table)} VALUES ({vals});")
            return "\n".join(parts)

        script = "SET TimeZone = 'UTC';\n" + "\n".join([
            create("profiles", data["profile_columns"], data["profiles"]),
            create("events", EVENT_BASE + data["event_columns"], data["events"]),
            create("events_json", EVENT_BASE + [["props", "json"]], data["events"]),
        ])
        r = psql("BEGIN;\n" + script + "\nCOMMIT;\n")
        if r.returncode != 0:
            raise RuntimeError("loading PostgreSQL failed: " + r.stderr[:2000])
        # All queries in one session: a function runs each one, keeps the
        # row order, and turns an error into a result.
        parts = ["""
CREATE FUNCTION kaleido_run(q TEXT) RETURNS TEXT LANGUAGE plpgsql AS $f$
DECLARE ids TEXT[] := '{}'; rec RECORD;
BEGIN
  FOR rec IN EXECUTE q LOOP ids := ids || rec.id::TEXT; END LOOP;
  RETURN json_build_object('ids', to_json(ids))::TEXT;
EXCEPTION WHEN others THEN
  RETURN json_build_object('error', SQLERRM)::TEXT;
END $f$;"""]
        mine = [q for q in queries if q["engine"] == "postgres"]
        for n, q in enumerate(mine):
            tag = "$kq$"
            if tag in q["sql"]:
                out["results"][q["id"]] = {"error": "the test harness cannot quote this query"}
                continue
            parts.append(f"SELECT '{n}' || chr(9) || kaleido_run({tag}{q['sql']}{tag});")
        r = psql("\n".join(parts) + "\n")
        if r.returncode != 0:
            raise RuntimeError("running queries on PostgreSQL failed: " + r.stderr[:2000])
        for line in r.stdout.splitlines():
            if "\t" not in line:
                continue
            n, result = line.split("\t", 1)
            out["results"][mine[int(n)]["id"]] = json.loads(result)
        r = psql("SELECT (SELECT COUNT(*) FROM profiles) || ',' || (SELECT COUNT(*) FROM events)"
                 " || ',' || (SELECT COUNT(*) FROM events_json);")
        counts = r.stdout.strip().split(",") if r.returncode == 0 else ["-1", "-1", "-1"]
        out["tables"]["postgres"] = dict(zip(("profiles", "events", "events_json"),
                                              (int(c) for c in counts)))
    finally:
        if started:
            try:
                as_pg([os.path.join(bindir, "pg_ctl"), "-D", datadir, "-m", "immediate", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- Spark

def run_spark(data, queries, out):
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql import types as T
    except ImportError:
        missing("the pyspark Python package (and Java 17)", "pip install pyspark")
    import datetime as dt

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("kaleido-sql-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    types = {
        "id": T.StringType(),
        "number": T.DoubleType(),
        "string": T.StringType(),
        "boolean": T.BooleanType(),
        "date": T.DateType(),
        "datetime": T.TimestampType(),
        "string[]": T.ArrayType(T.StringType(), True),
        "json": T.StringType(),
    }

    def convert(value, typ):
        if value is None:
            return None
        if typ == "date":
            return dt.date.fromisoformat(value)
        if typ == "datetime":
            v = value.replace("Z", "+00:00")
            return dt.datetime.fromisoformat(v).astimezone(dt.timezone.utc)
        if typ == "number":
            return float(value)
        if typ == "json":
            return json.dumps(value)
        return value

    def create(table, columns, rows):
        schema = T.StructType([T.StructField(n, types[t], True) for n, t in columns])
        data_rows = [tuple(convert(r.get(n), t) for n, t in columns) for r in rows]
        spark.createDataFrame(data_rows, schema).cache().createOrReplaceTempView(table)

    try:
        create("profiles", data["profile_columns"], data["profiles"])
        create("events", EVENT_BASE + data["event_columns"], data["events"])
        create("events_json", EVENT_BASE + [["props", "json"]], data["events"])
        for q in queries:
            if q["engine"] != "spark":
                continue
            try:
                rows = spark.sql(q["sql"]).collect()
                out["results"][q["id"]] = {"ids": [r[0] for r in rows]}
            except Exception as e:
                out["results"][q["id"]] = {"error": str(e)[:3000]}
        out["tables"]["spark"] = {
            t: spark.sql(f"SELECT COUNT(*) FROM {t}").collect()[0][0]
            for t in ("profiles", "events", "events_json")
        }
    finally:
        spark.stop()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    data, queries = load(sys.argv[1])
    out = {"results": {}, "tables": {}, "seconds": {}}
    runners = {"duckdb": run_duckdb, "postgres": run_postgres, "spark": run_spark}
    for engine in sys.argv[2].split(","):
        if engine not in runners:
            sys.stderr.write(f"unknown engine {engine!r}\n")
            sys.exit(2)
        t0 = time.time()
        runners[engine](data, queries, out)
        out["seconds"][engine] = round(time.time() - t0, 2)
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
