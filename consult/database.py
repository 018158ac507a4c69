"""Database engine settings that differ by backend, and the health check."""

from flask import Flask, g, has_request_context, jsonify, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from .extensions import db

# Requests that may write take SQLite's write lock when their transaction begins (BEGIN
# IMMEDIATE): a transaction that reads first and writes later would otherwise get SQLITE_BUSY at
# once, ignoring the busy timeout. Reads keep a deferred BEGIN, so pages never wait for writers;
# so does work outside requests (the CLI, tests), which runs alone.
_READ_METHODS = ("GET", "HEAD", "OPTIONS")
_READS_ONLY = "_db_reads_only"


def reads_only() -> None:
    """What is left of this request only reads (e.g. a refused POST rendering its form again):
    its next transaction begins deferred, so the page is not rendered holding the write lock."""
    g.setdefault(_READS_ONLY, True)


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine)
    app.add_url_rule("/healthz", "healthz", healthz)


def _configure_sqlite(engine: Engine) -> None:
    """WAL lets readers and one writer proceed together; the busy timeout makes writers queue
    instead of failing; foreign keys are off by default in SQLite."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (SQLAlchemy's pysqlite recipe)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MB page cache per connection
        cur.execute("PRAGMA mmap_size=268435456")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        writing = has_request_context() and request.method not in _READ_METHODS and _READS_ONLY not in g
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def healthz():
    """200 when the database answers, 503 otherwise; for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:  # any failure to answer is "down" to a load balancer
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
