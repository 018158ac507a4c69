"""The participant's pseudonymous id, kept in Flask's signed session cookie.

No account and no personal data: the cookie holds a random id; the profile (ward, relation,
age band) is asked once and kept on the participant row.
"""

from flask import g, session

from .models import Participant
from .services import create_participant, get_participant

SESSION_KEY = "participant"


def current_participant() -> Participant | None:
    if "participant" not in g:
        g.participant = get_participant(session.get(SESSION_KEY))
    return g.participant


def ensure_participant() -> Participant:
    participant = current_participant()
    if participant is None:
        participant = create_participant()
        remember(participant.public_id)
        g.participant = participant
    return participant


def current_public_id() -> str | None:
    return session.get(SESSION_KEY)


def remember(public_id: str) -> None:
    """This browser is now the participant ``public_id``."""
    session[SESSION_KEY] = public_id
    session.permanent = True
