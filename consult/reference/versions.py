"""The page-cache version of the reference pages (consult/pagecache.py), in one statement.

Reference materials are written by `flask seed` alone: a new row moves a last id, and an edit in
place moves the budget items' count or sum (the figures the charts draw); anything else is
bounded by PAGE_CACHE_MAX_AGE. Ward names come from the ward table, changed by audited staff
edits; what the pages print of the consultation is read directly.
"""

from sqlalchemy import func, select

from .. import pagecache
from ..audit.models import AuditEvent
from ..consultation.models import Consultation, Ward
from ..consultation.versions import _CLOSE, _clock, _consultation_shown, _last, _rows
from .models import BudgetItem, OtherCity, OtherCityProject, ReferenceDocument, StaffOpinion, WardBudget


def _statement():
    items = (select(func.count(BudgetItem.id)).scalar_subquery(),
             select(func.coalesce(func.sum(BudgetItem.amount), 0)).scalar_subquery())
    return (select(Consultation.title, *_consultation_shown(), _last(AuditEvent.id), _last(Ward.id),
                   _last(WardBudget.id), *items, _last(StaffOpinion.id), _last(OtherCity.id),
                   _last(OtherCityProject.id), _last(ReferenceDocument.id), pagecache.snapshot_column())
            .order_by(Consultation.id.desc()).limit(1))


def reference_version(**_view_args) -> pagecache.Version | None:
    rows = _rows("reference", _statement)
    if not rows:
        return None
    *values, snapshot = rows[0]
    return pagecache.version((*values, _clock(values[1 + _CLOSE])), snapshot)  # after the title
