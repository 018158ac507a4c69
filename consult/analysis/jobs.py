"""Where a queued run is done, so that no web worker waits for it.

Embedded default (nothing else running): the web worker starts ``flask analysis work RUN_ID`` as
its own process and returns at once; the process ends with the run. Production
(``CONSULT_ANALYSIS_QUEUE=redis://…``): the run goes onto an RQ queue on the Redis the rate limits
already use, and ``rq worker consult-analysis`` on any server does it — RQ because Redis is already
part of the production setup, its jobs are plain functions, and a killed worker leaves nothing half
written (the run's result is stored in one transaction at its end; see runs.py).
"""

import os
import subprocess
import sys

from flask import current_app
from redis import Redis
from rq import Queue

QUEUE_NAME = "consult-analysis"


def dispatch(run_id: int) -> str:
    """Hand the run to its worker; return how ("rq" or "process")."""
    queue_url = current_app.config.get("ANALYSIS_QUEUE", "")
    if queue_url:
        Queue(QUEUE_NAME, connection=Redis.from_url(queue_url)).enqueue(
            "consult.analysis.worker.work", run_id, job_timeout=3600)
        return "rq"
    env = {**os.environ}
    if current_app.config.get("SQLALCHEMY_DATABASE_URI"):
        env["DATABASE_URL"] = current_app.config["SQLALCHEMY_DATABASE_URI"]
    subprocess.Popen([sys.executable, "-m", "flask", "--app", "consult", "analysis", "work", str(run_id)],
                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None,
                     start_new_session=True, close_fds=True)
    return "process"
