"""Who commits: the service that carries out a user action. Views, the JSON API and the CLI
never commit; they roll back when a service refuses.

Most services end their action with ``@action``, which commits once, when the outermost action
returns — so an action made of others (a bulk moderation, an import) is still one transaction.
A few commit by hand at a point of their own: the race-safe writes of citizens' comments, votes
and workshop notes, which commit right after the savepoint that settles a double submit.
"""

from contextvars import ContextVar
from functools import wraps

from ..extensions import db

_depth: ContextVar[int] = ContextVar("consult_action_depth", default=0)


def action(service):
    """Commit what ``service`` changed when it returns (not when it raises), unless it runs inside
    another action, whose end commits both."""

    @wraps(service)
    def run(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            result = service(*args, **kwargs)
        finally:
            _depth.reset(token)
        if _depth.get() == 0:
            db.session.commit()
        return result

    return run
