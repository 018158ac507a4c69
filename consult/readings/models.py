"""A word of the reading dictionary: how it is read on this city's pages."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import utcnow

WORD_MAX = 40
READING_MAX = 80


class ReadingEntry(db.Model):
    __tablename__ = "reading_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(WORD_MAX))  # as staff typed it
    word_key: Mapped[str] = mapped_column(String(WORD_MAX), unique=True)  # NFKC: one entry per word
    reading: Mapped[str] = mapped_column(String(READING_MAX))  # hiragana
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at_utc: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ReadingEntry {self.id}>"
