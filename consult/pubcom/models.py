"""What only a public comment has: its 地域説明会 (briefings) and the private 受付台帳 (register)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import utcnow


class Briefing(db.Model):
    """A 地域説明会 held in a ward; staff type in the opinions voiced there (channel 説明会)."""

    __tablename__ = "briefing"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    title: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_at_utc: Mapped[datetime]
    attendance: Mapped[int | None]  # 参加者数, entered after the event
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    ward = relationship("Ward")

    def __repr__(self) -> str:
        return f"<Briefing {self.id} {self.ward_id}>"


class RegisterEntry(db.Model):
    """One submission received by post, FAX, e-mail or at the counter, with who sent it.

    The name, address and contact are personal data kept for the public-comment rules only: the
    secretariat sees them here; no public page, public export or open data ever does, and other
    exports mask them unless asked for with a logged reason. The opinions themselves are comments
    pointing here (one letter may hold opinions on several provisions).
    """

    __tablename__ = "register_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # one of core.codes.REGISTER_CHANNELS
    received_on: Mapped[date]
    name: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")  # phone or e-mail for the answer, optional
    # Why an entry without name or address was accepted (匿名意見の取扱い), required then.
    anonymous_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<RegisterEntry {self.id} {self.channel}>"
