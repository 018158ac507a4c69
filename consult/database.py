"""Database engine settings that differ by backend."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            from .extensions import db

            _configure_sqlite(db.engine)


def _configure_sqlite(engine: Engine) -> None:
    """WAL lets readers and one writer proceed together; the busy timeout makes writers queue
    instead of failing; foreign keys are off by default in SQLite."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
