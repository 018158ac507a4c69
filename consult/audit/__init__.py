"""The audit log: who did what to which record, with the values before and after.

Call ``record`` in the same transaction as the change it describes, so that either both are
stored or neither is. This package depends on no area of the app, so that every area may write
to the log; the admins' page that reads it is the secretariat's (``secretariat.audit_log``).
"""

from .models import AuditEvent
from .services import record, snapshot

__all__ = ["AuditEvent", "record", "snapshot"]
