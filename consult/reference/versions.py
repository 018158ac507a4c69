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
from ..consultation.versions import CLOSE, clock, consultation_shown
from ..pagecache import last_id, version_rows
from .models import BudgetItem, OtherCity, OtherCityProject, ReferenceDocument, StaffOpinion, WardBudget


def _statement():
    items = (select(func.count(BudgetItem.id)).scalar_subquery(),
             select(func.coalesce(func.sum(BudgetItem.amount), 0)).scalar_subquery())
    return (select(Consultation.title, *consultation_shown(), last_id(AuditEvent.id), last_id(Ward.id),
                   last_id(WardBudget.id), *items, last_id(StaffOpinion.id), last_id(OtherCity.id),
                   last_id(OtherCityProject.id), last_id(ReferenceDocument.id), pagecache.snapshot_column())
            .order_by(Consultation.id.desc()).limit(1))


def reference_version(**_view_args) -> pagecache.Version | None:
    rows = version_rows("reference", _statement)
    if not rows:
        return None
    *values, snapshot = rows[0]
    return pagecache.version((*values, clock(values[1 + CLOSE])), snapshot)  # after the title
