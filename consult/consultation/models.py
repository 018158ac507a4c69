"""The consultation itself: its meetings, topics, the interim summary's sections, proposals, wards."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import utcnow



class Phase(StrEnum):
    """Where a consultation stands. Staff move it (editing.phases); its dates may move it too."""

    DRAFT = "draft"  # 準備中: its pages are up, nothing is accepted yet
    OPEN = "open"  # 受付中: comments, votes and supports are accepted
    CLOSED = "closed"  # 締切: the secretariat reviews
    PUBLISHED = "published"  # 結果公表: results and the city's answers are public


PHASES = tuple(p.value for p in Phase)


class Kind(StrEnum):
    """What citizens answer: a deliberation's topics (sections and proposals, workshops), or a
    public comment (意見公募) on one document of numbered provisions."""

    DELIBERATION = "deliberation"
    PUBCOM = "pubcom"


KINDS = tuple(k.value for k in Kind)


def effective_phase(phase: str, close_at_utc: datetime | None, now_utc: datetime | None = None) -> Phase:
    """The phase as citizens meet it now: an open consultation whose closing time has passed is
    closed at that moment, before staff or ``flask editing tick`` move its phase."""
    if phase == Phase.OPEN and close_at_utc is not None and (now_utc or utcnow()) >= close_at_utc:
        return Phase.CLOSED
    return Phase(phase)


def accepts(phase: str, close_at_utc: datetime | None) -> bool:
    """Whether comments, votes and supports are taken now (for paths that read the columns alone)."""
    return effective_phase(phase, close_at_utc) == Phase.OPEN


class Consultation(db.Model):
    __tablename__ = "consultation"
    __table_args__ = (CheckConstraint(f"phase IN {PHASES}", name="phase"),
                      CheckConstraint(f"kind IN {KINDS}", name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The consultation's name in its URLs (/c/<slug>/…); never changes once citizens have its links.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="deliberation", server_default="deliberation")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, staff-written
    phase: Mapped[str] = mapped_column(String(16), default="draft")
    # Comments enter as pending (checked by the secretariat before publication) unless turned off.
    premoderation: Mapped[bool] = mapped_column(default=True)
    # The comment period and the publication of results; the phase is changed by staff (logged).
    comments_open_at_utc: Mapped[datetime | None]
    comments_close_at_utc: Mapped[datetime | None]
    results_published_at_utc: Mapped[datetime | None]
    # Archived: kept with everything it received, but off the home page's lists and closed to edits.
    archived_at_utc: Mapped[datetime | None]
    # 匿名意見の取扱い: whether an opinion without the submitter's name or address is accepted
    # (staff then record why). Public-comment rules usually require both.
    accept_anonymous: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    meetings: Mapped[list["Meeting"]] = relationship(back_populates="consultation",
                                                     order_by="Meeting.starts_on")
    topics: Mapped[list["Topic"]] = relationship(back_populates="consultation", order_by="Topic.number")

    @property
    def effective_phase(self) -> Phase:
        return effective_phase(self.phase, self.comments_close_at_utc)

    @property
    def accepting(self) -> bool:
        """Whether citizens may comment, vote and support now (the ``participate`` predicate)."""
        return self.archived_at_utc is None and accepts(self.phase, self.comments_close_at_utc)

    @property
    def results_published(self) -> bool:
        return self.phase == Phase.PUBLISHED

    @property
    def is_pubcom(self) -> bool:
        return self.kind == Kind.PUBCOM

    @property
    def archived(self) -> bool:
        return self.archived_at_utc is not None

    def __repr__(self) -> str:
        return f"<Consultation {self.slug} {self.phase}>"


class Meeting(db.Model):
    """A meeting of the study group, or a period such as the citizens' workshops."""

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("consultation_id", "key"),
        CheckConstraint("kind IN ('meeting', 'workshops', 'publication')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    key: Mapped[str] = mapped_column(String(32))  # stable id used by the seed, e.g. "m1"
    kind: Mapped[str] = mapped_column(String(16), default="meeting")
    number: Mapped[int | None]  # 第n回; None for a period
    title: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    # When only part of a month is known (上旬 / 中旬 / 下旬), as in the seed's schedule.
    month_part: Mapped[str | None] = mapped_column(String(16))

    consultation: Mapped[Consultation] = relationship(back_populates="meetings")

    def __repr__(self) -> str:
        return f"<Meeting {self.key} {self.starts_on}>"


class Ward(db.Model):
    __tablename__ = "ward"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # chuo, higashi, nishi, minami, kita
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    population: Mapped[int | None]
    population_source: Mapped[str] = mapped_column(String(300), default="")
    population_as_of: Mapped[date | None]

    def __repr__(self) -> str:
        return f"<Ward {self.code}>"


class Topic(db.Model):
    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("consultation_id", "slug"), UniqueConstraint("consultation_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    number: Mapped[int]
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    summary_notice: Mapped[str] = mapped_column(Text, default="")  # e.g. "this is a sample draft"

    consultation: Mapped[Consultation] = relationship(back_populates="topics")
    sections: Mapped[list["Section"]] = relationship(back_populates="topic", order_by="Section.position")
    proposals: Mapped[list["Proposal"]] = relationship(back_populates="topic", order_by="Proposal.position")

    def __repr__(self) -> str:
        return f"<Topic {self.number} {self.slug}>"


class Section(db.Model):
    """One paragraph group of a topic's interim summary.

    The anchor is the section's identity in URLs (``/topics/roles#current``) and never changes;
    its text lives in revisions, so a revised section keeps its id, its anchor and its comments.
    """

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("topic_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    anchor: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    retired_at_utc: Mapped[datetime | None]
    # A public comment's provision: its printed number (第6章, 1, 2), ②, ※1) and its depth in the
    # document (chapter 0, article 1, item 2, sub-item 3; notes 0). The anchor comes from the
    # number path (ch6-1-2-2) and stays when the text is revised. Empty for a topic's section.
    label: Mapped[str] = mapped_column(String(32), default="", server_default="")
    depth: Mapped[int] = mapped_column(default=0, server_default="0")

    topic: Mapped[Topic] = relationship(back_populates="sections")
    revisions: Mapped[list["SectionRevision"]] = relationship(
        back_populates="section", order_by="SectionRevision.number")

    @property
    def current(self) -> "SectionRevision":
        return self.revisions[-1]

    def __repr__(self) -> str:
        return f"<Section {self.topic_id}#{self.anchor}>"


class SectionRevision(db.Model):
    __tablename__ = "section_revision"
    __table_args__ = (UniqueConstraint("section_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    number: Mapped[int]
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, staff-written, sanitised on display
    note: Mapped[str] = mapped_column(Text, default="", server_default="")  # what changed, by staff
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    section: Mapped[Section] = relationship(back_populates="revisions")
    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<SectionRevision {self.section_id} r{self.number}>"


class Proposal(db.Model):
    """A statement of the interim summary that citizens agree or disagree with."""

    __tablename__ = "proposal"
    __table_args__ = (UniqueConstraint("topic_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    withdrawn_at_utc: Mapped[datetime | None]

    topic: Mapped[Topic] = relationship(back_populates="proposals")

    def __repr__(self) -> str:
        return f"<Proposal {self.topic_id}/{self.key}>"
