"""The production path of a run: onto the RQ queue in Redis, done by `rq worker consult-analysis`."""

import os
import re
import subprocess
import sys
from pathlib import Path

from redis import Redis
from rq import Queue

from consult.analysis.jobs import QUEUE_NAME

from tests.security.test_two_instances import redis_url  # noqa: F401  (a fixture: a Redis of the test's own)
from .test_pages import PAGE, demo, wait_done  # noqa: F401  (demo is a fixture)


def test_a_run_goes_onto_the_queue_and_a_worker_does_it(app, demo, staff, redis_url, database_url):  # noqa: F811
    app.config["ANALYSIS_QUEUE"] = redis_url
    client, _user = staff("secretariat")
    response = client.post(PAGE, data={"kind": "text", "topic": "", "channel": ""})
    assert response.status_code == 303
    run_id = int(re.search(r"/analysis/(\d+)$", response.headers["Location"]).group(1))
    queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
    assert queue.count == 1 and queue.jobs[0].args == (run_id,)  # queued, not started by the web worker
    # A worker elsewhere (here: a process of its own) takes it, with the app's database.
    worker = subprocess.run(
        [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", redis_url, QUEUE_NAME],
        env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL)
    assert worker.returncode == 0, worker.stderr[-2000:]
    run = wait_done(run_id, 30)
    assert run.state == "done", run.error_message
    assert run.input_count and run.groups and queue.count == 0
