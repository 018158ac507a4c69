"""Ward-workshop rules, shared by the facilitator console, the phones, the projector JSON and the CLI.

Functions here take plain values (a workshop, a user or participant, a mapping of form fields) and
return models or raise ``InvalidInput`` / ``NotAccepting`` / ``WrongState``; they never touch
``request``, ``session`` or ``flash``. Every staff change is written to the audit log in the same
transaction as the change. Citizens' text is never logged, nor copied into the audit log.

Life-cycle: planned → open (a join code is drawn) → closed (notes and dots stop; the themes are
handed on through ``signals.workshop_closed``, and the secretariat makes them proposed opinion
groups). Every note is a ``Comment``: channel ``workshop`` from a phone, ``paper`` when typed in
from a sticky note.

One module per purpose: ``lifecycle`` (prepare, open, close), ``phone`` (seats, notes, dots),
``paper``, ``board`` (KJ themes), ``projector``, ``queries`` (lists and counts) and ``common``.
The names below are what the CLI, the tests and the benchmark use; the views import the modules.
"""

from ...core.errors import InvalidInput, NotAccepting
from .board import create_theme
from .common import CODE_ALPHABET, WrongState, find_by_code, is_well_formed_code, new_join_code, normalise_code
from .lifecycle import close_workshop, open_workshop
from .paper import add_paper_notes, parse_paper_lines
from .phone import BudgetExhausted, spend_dot
from .queries import comment_dot_counts, list_workshops, note_dot_totals, workshop_counts

__all__ = ["CODE_ALPHABET", "BudgetExhausted", "InvalidInput", "NotAccepting", "WrongState", "add_paper_notes",
           "close_workshop", "comment_dot_counts", "create_theme", "find_by_code", "is_well_formed_code",
           "list_workshops", "new_join_code", "normalise_code", "note_dot_totals", "open_workshop",
           "parse_paper_lines", "spend_dot", "workshop_counts"]
