"""What the workshops tell other areas, so that the workshops need not import them.

``workshop_closed`` is sent by ``close_workshop`` inside its transaction, before the commit, with
the workshop as sender, ``themes`` (its KJ themes in board order) and ``user`` (who closed it, None
from the CLI). A receiver adds its rows to the same session, so that the close and what follows
from it are stored together or not at all, and returns the ids of the records it made; they are
written into the close's audit event. The secretariat turns each theme into a proposed opinion
group (consult/secretariat/groups.py).
"""

from blinker import Namespace

_signals = Namespace()

workshop_closed = _signals.signal("workshop-closed")
