"""What signing in tells the audit log, so that the staff accounts need not import it.

Each is sent by ``authenticate`` inside its transaction, before the commit, with the user as sender
(None for an address no account has); a receiver adds its rows to the same session.
"""

from blinker import Namespace

_signals = Namespace()

signed_in = _signals.signal("signed-in")
sign_in_failed = _signals.signal("sign-in-failed")  # with reason: password | locked | inactive | unknown
locked_out = _signals.signal("locked-out")  # with until: the end of the lock (naive UTC)
