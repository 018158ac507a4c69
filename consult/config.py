"""Configuration defaults.

Layers, later wins: these defaults → ``instance/config.py`` → ``CONSULT_*`` / ``DATABASE_URL``
environment → the test dict given to ``create_app``. Nothing here is read at import time by
other modules; they read ``current_app.config``.
"""

from datetime import timedelta


class DefaultConfig:
    # The SQLite file lives in instance/ (git-ignored); DATABASE_URL overrides it.
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app from instance_path
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Japanese first; English is the second UI language.
    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")

    # The participant cookie (a pseudonymous id in Flask's signed session) lasts a consultation.
    PERMANENT_SESSION_LIFETIME = timedelta(days=180)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_TIME_LIMIT = None  # a citizen may take an hour to write; the token lives with the session

    # Largest request body accepted (a 2,000-character comment is < 10 KB).
    MAX_CONTENT_LENGTH = 256 * 1024

    # The home and topic pages, rendered, kept per process for visitors who bring no session of
    # their own, and checked against a version of their content on every request (pagecache.py).
    PAGE_CACHE_ENABLED = True
    PAGE_CACHE_SIZE = 256  # pages per process (about 45 KB each)
    PAGE_CACHE_MAX_AGE = 300  # seconds: a bound for changes made outside the app (SQL, scripts)
    # Compile these templates and load the catalogues when the app is made (consult/__init__.py);
    # None: unless TESTING (each test makes an app of its own).
    WARM_UP = None
    WARM_TEMPLATES = ("base.html", "_macros.html", "workshops/phone*.html", "workshops/_*.html")

    # Published comments per page on a topic page, and the API's default and largest page.
    COMMENTS_PER_PAGE = 20
    API_MAX_PER_PAGE = 100

    # The address phones open when they scan a workshop's QR code (e.g. https://consult.city.example)
    # when the app sits behind a proxy that hides its public host; empty: the request's own host.
    PUBLIC_BASE_URL = ""

    # Rate limits (Flask-Limiter syntax). memory-locked:// (ratelimit.py) counts per process; use
    # redis://… in production.
    RATELIMIT_STORAGE_URI = "memory-locked://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LIMIT_COMMENTS = "10/minute;60/hour"
    RATE_LIMIT_CONFIRMS = "30/minute;300/hour"  # 確認 steps, each of which keeps a draft for a day
    RATE_LIMIT_VOTES = "120/minute"
    RATE_LIMIT_NOTES = "30/minute"
    RATE_LIMIT_LOGIN = "10/minute"
    RATE_LIMIT_LOOKUP = "10/minute;50/hour"
    # The open-data file is the whole consultation: a few downloads a minute are plenty.
    RATE_LIMIT_OPEN_DATA = "20/minute;200/day"
    # A ceiling per address over all public writes: a workshop hall shares one address.
    RATE_LIMIT_WRITES_PER_ADDRESS = "1200/minute"

    # Where analysis runs are done (consult/analysis/jobs.py): empty, a process of their own started
    # by the web worker; redis://… (CONSULT_ANALYSIS_QUEUE), an RQ queue that `rq worker` serves.
    ANALYSIS_QUEUE = ""

    # Production (CONSULT_PRODUCTION=1): secure cookies and HSTS. Behind a TLS proxy, set
    # CONSULT_PROXY_HOPS to the number of proxies so that the client address and scheme are right.
    PRODUCTION = False
    PROXY_HOPS = 0
