"""The RQ job of an analysis run (jobs.py queues it): the worker process makes an app of its own.
Only an RQ worker imports this module; the app never does, so it may import the app's factory."""

from consult import create_app
from consult.analysis import runs


def work(run_id: int) -> None:
    with create_app().app_context():
        runs.perform(run_id)
