"""The home page's list of consultations, by the state citizens meet them in."""

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from .models import Consultation, Phase


@dataclass
class Listing:
    open: list[Consultation] = field(default_factory=list)  # 受付中
    upcoming: list[Consultation] = field(default_factory=list)  # 予定 (準備中)
    closed: list[Consultation] = field(default_factory=list)  # 終了 (締切, being reviewed)
    published: list[Consultation] = field(default_factory=list)  # 結果公表

    @property
    def empty(self) -> bool:
        return not (self.open or self.upcoming or self.closed or self.published)


def consultation_listing() -> Listing:
    """Every consultation not archived, each under its phase as of now (a period that has ended is
    closed, before staff move it); the newest first within each."""
    listing = Listing()
    shelves = {Phase.OPEN: listing.open, Phase.DRAFT: listing.upcoming, Phase.CLOSED: listing.closed,
               Phase.PUBLISHED: listing.published}
    for consultation in db.session.scalars(select(Consultation).where(Consultation.archived_at_utc.is_(None))
                                           .order_by(Consultation.id.desc())):
        shelves[consultation.effective_phase].append(consultation)
    return listing
