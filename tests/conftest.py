"""Fixtures: every test gets its own database, migrated and seeded, on SQLite or PostgreSQL.

The schema is built once per run by the real migrations and the real `seed`, into a template;
each test then gets a copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL),
so tests never share state. Set TEST_DATABASE_URL=postgresql://user:pw@host/db to use
PostgreSQL (the role needs CREATEDB); otherwise SQLite files in a temporary folder are used.
"""

import contextvars
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import time
import warnings
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from consult import create_app
from consult.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
_counter = itertools.count()


INSTANCE = tempfile.mkdtemp(prefix="consult-test-instance-")


def _config(url: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False, "INSTANCE_PATH": INSTANCE, "RATELIMIT_ENABLED": False}


def _build_template(url: str) -> None:
    app = create_app(_config(url))
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        from consult.seed.loader import load_seed

        load_seed()
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    def __init__(self, folder):
        self.folder = folder
        self.template = folder / "template.sqlite"
        _build_template(f"sqlite:///{self.template}")
        with sqlite3.connect(self.template) as conn:  # a plain file, no WAL side files to copy
            conn.execute("PRAGMA journal_mode=DELETE")

    def new(self) -> str:
        path = self.folder / f"test-{next(_counter)}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        pass  # the temporary folder goes away with the run

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self, base_url: str):
        self.base = make_url(base_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.prefix = f"consult_t{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_tpl"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        _build_template(self._url(self.template))
        self.maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db")
        self.ready = None

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _create(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self._url(name)

    def new(self) -> str:
        # Copying the template takes PostgreSQL about half a second, as long as many a test: the
        # next test's copy is made by the server while this one runs (a failure still surfaces here).
        if self.ready is None:
            self.ready = self.maker.submit(self._create)
        url = self.ready.result()
        self.ready = self.maker.submit(self._create)
        return url

    def drop(self, url: str) -> None:
        # FORCE ends leftover sessions; an autovacuum worker can still refuse for a moment.
        name = make_url(url).database
        for attempt in range(5):
            try:
                with self.admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except Exception:
                time.sleep(0.2 * (attempt + 1))
        warnings.warn(f"could not drop test database {name}")

    def close(self) -> None:
        if self.ready is not None:
            try:
                self.drop(self.ready.result())
            except Exception:
                pass  # the run is over; the error was a copy no test used
        self.maker.shutdown()
        self.drop(self._url(self.template))
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = PostgresDatabases(PG_URL) if PG_URL else SqliteDatabases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.close()


@pytest.fixture
def database_url(databases):
    url = databases.new()
    yield url
    databases.drop(url)


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a server would: its own `g`,
    its own database session, committed or rolled back by the request itself."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # End the test's own read transaction, so that its next query sees what the request wrote
        # (a redirect followed inside the request's context has no test context to end).
        if has_app_context():
            db.session.rollback()
        return response


@pytest.fixture
def app(request, database_url):
    """The app on a fresh database; @pytest.mark.config(KEY=value) overrides settings."""
    overrides = {}
    for marker in request.node.iter_markers("config"):
        overrides.update(marker.kwargs)
    app = create_app({**_config(database_url), **overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- one-line factories -------------------------------------------------------------------

@pytest.fixture
def topic(app):
    """topic("counters") → the seeded Topic."""
    from consult.consultation.models import Topic

    def get(slug: str = "roles") -> Topic:
        return db.session.scalar(select(Topic).where(Topic.slug == slug))

    return get


@pytest.fixture
def participant(app):
    """participant(ward="chuo") → a stored Participant with a profile."""
    from consult.participation.services import create_participant

    def make(ward: str = "chuo", relation: str = "resident", age_band: str | None = None):
        p = create_participant()
        p.ward_code, p.relation, p.age_band = ward, relation, age_band
        db.session.commit()
        return p

    return make


def valid_comment(**overrides) -> dict:
    """The form fields of a comment that passes validation."""
    data = {"ward": "higashi", "relation": "resident", "age_band": "40s",
            "body": "出張所で取り扱う手続きを統一してほしいです。", "consent": "1"}
    data.update(overrides)
    return data


def confirm_and_submit(client, slug: str = "counters", **fields):
    """Walk 入力 → 確認 → 完了 like a browser; return (confirm response, submit response)."""
    confirm = client.post(f"/c/kumamoto-ward-offices-h26/topics/{slug}/comment", data={"action": "confirm", **valid_comment(**fields)},
                          follow_redirects=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', confirm.get_data(as_text=True))
    data = {**valid_comment(**fields), "submission_key": key.group(1) if key else ""}
    return confirm, client.post(f"/c/kumamoto-ward-offices-h26/topics/{slug}/comment/submit", data=data)
