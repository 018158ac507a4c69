"""Rate limits on what the public can post (Flask-Limiter).

Two keys: the participant (the signed cookie's id, else the address) for per-person limits, and
the address for a wide ceiling — wide because a workshop venue puts forty phones behind one
address. Addresses are kept only as a keyed hash. Storage is in memory per process by default;
with several processes or hosts set RATELIMIT_STORAGE_URI to a Redis URL (see docs/deploy.md).
"""

import hashlib
import hmac

from flask import current_app, request, session
from flask_limiter import Limiter


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
