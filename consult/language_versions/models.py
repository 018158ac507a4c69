"""One other version of a staff-written text: a topic's, a section's or a proposal's."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import utcnow

TARGETS = ("topic", "section", "proposal")
# "easy": やさしい日本語 (lang ja); "en": English.
LANGUAGES = ("easy", "en")
TITLE_MAX = 200
BODY_MAX = 20000


class LanguageVersion(db.Model):
    __tablename__ = "language_version"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "language"),
        CheckConstraint(f"target_type IN {TARGETS}", name="target_type"),
        CheckConstraint(f"language IN {LANGUAGES}", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    language: Mapped[str] = mapped_column(String(8))
    # topic: title and lead; section: heading and text (Markdown); proposal: its text in `body`.
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # A section's revision this was written for: a later revision makes it out of date for staff.
    revision_number: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at_utc: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<LanguageVersion {self.target_type}/{self.target_id} {self.language}>"
