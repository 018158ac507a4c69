"""The audit log: who did what to which record, with the values before and after.

Call ``record`` in the same transaction as the change it describes, so that either both are
stored or neither is. This package depends on no area but the staff accounts (for the emails
shown), so that every area may write to the log; the admins' page that shows ``events_page`` is
the secretariat's (``secretariat.audit_log``, linked from its templates).
"""

from .models import AuditEvent
from .services import events_page, events_statement, record, record_export, snapshot, staff_who_acted

__all__ = ["AuditEvent", "events_page", "events_statement", "record", "record_export", "snapshot",
           "staff_who_acted"]
