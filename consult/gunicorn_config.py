"""How `make run` serves consult: gunicorn with threaded workers, as a small city can run it.

`gunicorn -c python:consult.gunicorn_config wsgi:app`. Every setting can be overridden on the
command line or by gunicorn's own environment variable (GUNICORN_CMD_ARGS); these are the
defaults for one host with the embedded SQLite database (WAL, busy timeout: database.py).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"

# One worker per core (at least two, so a slow request never holds up the others), each with
# threads for the waiting on the database and the network. WEB_CONCURRENCY is the usual override.
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 8)

# Keep-alive for phones on a workshop's Wi-Fi; a request that runs a minute is stuck, not slow
# (exports of a whole consultation take seconds, see bench/RESULTS.md).
keepalive = 5
timeout = 120
graceful_timeout = 15

# The app is imported in each worker after the fork, so no database connection is shared between
# processes (SQLite and psycopg both require it).
preload_app = False

# The access log carries method, path and status; never request bodies (citizens' text).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
