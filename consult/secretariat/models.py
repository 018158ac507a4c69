"""The secretariat's work: opinion groups with the city's answers (the audit log is consult.audit's)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import utcnow

# 反映する / 既に盛り込み済み / 今後の参考とする / その他
# 反映区分. The deliberation answers with reflect / included / reference / other; a public comment's
# result with reflect (反映) / partly (一部反映) / not_reflected (反映なし) / other.
RESPONSE_CATEGORIES = ("reflect", "included", "reference", "other", "partly", "not_reflected")


class GroupState(StrEnum):
    PROPOSED = "proposed"  # made from a workshop's themes (or a suggestion): staff have not checked it
    CONFIRMED = "confirmed"  # checked by staff: counted in the review document and the results


GROUP_STATES = tuple(s.value for s in GroupState)


class OpinionGroup(db.Model):
    """Similar comments grouped by staff, with the summary (意見の概要) and the city's answer (市の考え方)."""

    __tablename__ = "opinion_group"
    __table_args__ = (
        CheckConstraint(f"response_category IS NULL OR response_category IN {RESPONSE_CATEGORIES}",
                        name="response_category"),
        CheckConstraint(f"state IN {GROUP_STATES}", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    # For a public comment, the provision the group's answer is about (None: the whole document).
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # 意見の概要, written by staff
    answer: Mapped[str] = mapped_column(Text, default="")  # 市の考え方
    response_category: Mapped[str | None] = mapped_column(String(16))
    # A workshop theme arrives as a proposed group; staff confirm, merge or rename it.
    state: Mapped[str] = mapped_column(String(16), default="confirmed")
    source_theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at_utc: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    topic = relationship("Topic")
    section = relationship("Section")
    source_theme = relationship("Theme")

    def __repr__(self) -> str:
        return f"<OpinionGroup {self.id} {self.title!r}>"

