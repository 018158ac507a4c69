"""THE LIMIT: what Flask itself does on this machine, under the same gunicorn settings as consult.

- ``GET /topics/<slug>`` returns a pre-rendered copy of consult's topic page (fetched from consult
  once by bench/run.py and passed in ``BENCH_BARE_PAGE``), with no template, query or session;
- ``POST /insert`` reads the same JSON body as consult's vote POST and does a single raw sqlite3
  INSERT (autocommit, one statement) into ``BENCH_BARE_DB``, with consult's SQLite settings (WAL,
  synchronous=NORMAL, busy timeout), on a connection per thread opened after gunicorn forks.

    gunicorn ... 'bench.bare_app:app'
"""

import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
# Read once, when gunicorn imports the app (bench/run.py sets both; importing without them is fine).
PAGE = Path(os.environ["BENCH_BARE_PAGE"]).read_bytes() if "BENCH_BARE_PAGE" in os.environ else b""
DB = os.environ.get("BENCH_BARE_DB", "")
_local = threading.local()

SCHEMA = """CREATE TABLE IF NOT EXISTS raw_vote (
    id INTEGER PRIMARY KEY, topic TEXT, proposal TEXT, value TEXT, ward TEXT, relation TEXT,
    created_at_utc TEXT NOT NULL)"""


def create_schema(path: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(SCHEMA)
    conn.commit()
    conn.close()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB, isolation_level=None, timeout=15, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


@app.get("/c/kumamoto-ward-offices-h26/topics/<slug>")
def page(slug: str):
    return Response(PAGE, content_type="text/html; charset=utf-8")


@app.post("/insert")
def insert():
    data = request.get_json(silent=True) or {}
    _conn().execute("INSERT INTO raw_vote (topic, proposal, value, ward, relation, created_at_utc) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (data.get("topic"), data.get("proposal"), data.get("value"), data.get("ward"),
                     data.get("relation"), datetime.now(timezone.utc).replace(tzinfo=None).isoformat()))
    return jsonify(ok=True)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
