"""Rate limits on what the public can post (Flask-Limiter).

Two keys: the participant (the signed cookie's id, else the address) for per-person limits, and
the address for a wide ceiling — wide because a workshop venue puts forty phones behind one
address. Addresses are kept only as a keyed hash. Storage is in memory per process by default;
with several processes or hosts set RATELIMIT_STORAGE_URI to a Redis URL (see docs/deploy.md).
"""

import hashlib
import hmac
import threading

from flask import current_app, request, session
from flask_limiter import Limiter
from limits.storage import MemoryStorage


def _hashed(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:24]


def address_key() -> str:
    return "ip:" + _hashed(request.remote_addr or "unknown")


def client_key() -> str:
    return f"p:{session.get('participant')}"


def _no_participant_yet() -> bool:
    # A first post (no cookie yet) meets only the address ceiling: forty new phones in one hall
    # must not share one person's budget. Scripts that drop their cookie meet the same ceiling.
    return "participant" not in session


class LockedMemoryStorage(MemoryStorage):
    """limits' in-memory storage, with its expiry timer replaced under a lock.

    MemoryStorage checks ``self.timer.is_alive()`` and then makes and starts a new Timer, unlocked:
    two request threads of one gunicorn worker can both start the same Timer, and one of them gets
    RuntimeError inside the rate-limit check — a 500 for a citizen — or the Timer's start-up a
    KeyError (seen once in the workshop load test's server log). URI: ``memory-locked://``.
    """

    STORAGE_SCHEME = ["memory-locked"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._timer_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook, by its mangled name
        with self._timer_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.start()


limiter = Limiter(key_func=address_key, strategy="moving-window")


def _limit(name: str):
    return lambda: current_app.config[name]


# Decorators for views: per participant, and per address.
def public_write(per_client: str):
    """Limit a public POST by participant (config key ``per_client``) and by address."""

    def decorator(view):
        view = limiter.limit(_limit("RATE_LIMIT_WRITES_PER_ADDRESS"), key_func=address_key,
                             methods=["POST"], scope="writes-per-address")(view)
        return limiter.limit(_limit(per_client), key_func=client_key, methods=["POST"],
                             exempt_when=_no_participant_yet)(view)

    return decorator
