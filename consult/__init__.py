"""consult — a public-workshop consultation platform.

``create_app`` builds the application; ``wsgi.py`` at the repository root exposes one for servers.
"""

import os
import secrets
from fnmatch import fnmatch
from pathlib import Path

from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, database, edge, errors, i18n, pagecache, security, signing
from .accessibility import bp as accessibility_bp
from .admin import bp as admin_bp
from .analysis import bp as analysis_bp
from .api import bp as api_bp
from .auth import bp as auth_bp
from .config import DefaultConfig
from .consultation import context as consultation_context, legacy as legacy_urls
from .editing import bp as editing_bp
from .extensions import csrf, db, login_manager, migrate
from .followup import bp as followup_bp
from .language_versions import bp as language_versions_bp
from .markdown import render_markdown
from .participation import bp as participation_bp
from .pubcom import bp as pubcom_bp
from .ratelimit import limiter
from .readings import bp as readings_bp
from .reference import bp as reference_bp
from .results import bp as results_bp
from .secretariat import bp as secretariat_bp
from .workshops import bp as workshops_bp


def create_app(test_config: dict | None = None) -> Flask:
    # Tests give their own instance folder, so that nothing they write lands in the checkout's.
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(DefaultConfig)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CONSULT")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "consult.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    if app.config["PRODUCTION"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")
    if app.config["PROXY_HOPS"]:
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    edge.init_app(app)  # before the blueprints: routes take the bounded int converter when added
    _init_extensions(app)
    _register_blueprints(app)
    consultation_context.init_app(app)
    legacy_urls.init_app(app)

    i18n.init_app(app)
    app.jinja_env.filters["markdown"] = render_markdown
    errors.init_app(app)
    security.init_app(app)
    pagecache.init_app(app)
    cli.init_app(app)
    if app.config["WARM_UP"] if app.config["WARM_UP"] is not None else not app.testing:
        _warm_up(app)
    return app


def _warm_up(app: Flask) -> None:
    """Compile the templates that a crowd opens at once (a workshop's hall joining, config
    WARM_TEMPLATES) and load each language's catalogue now, in each worker before it takes
    requests, rather than in its first requests: those cost 40–120 ms of CPU each and, at a
    workshop's start, every phone waits behind them (bench/RESULTS.md, the 300-phone workshop).
    Not every template: that would add seconds to each worker's start. No database is touched
    (workers open their connections after the fork)."""
    configure_mappers()
    patterns = app.config["WARM_TEMPLATES"]
    for name in app.jinja_env.list_templates(filter_func=lambda n: any(fnmatch(n, p) for p in patterns)):
        app.jinja_env.get_template(name)
    for language in app.config["LANGUAGES"]:
        with app.test_request_context("/"), force_locale(language):
            get_translations()


def _normalise_db_url(url: str) -> str:
    # Heroku-style postgres:// URLs and bare postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it (mode 600) on first run. Never in git."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    database.init_app(app)
    signing.init_app(app)


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(participation_bp)
    app.register_blueprint(reference_bp, url_prefix="/reference")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(workshops_bp)
    app.register_blueprint(secretariat_bp)
    app.register_blueprint(editing_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(accessibility_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(pubcom_bp)
    app.register_blueprint(analysis_bp)
    app.register_blueprint(readings_bp)
    app.register_blueprint(language_versions_bp)
