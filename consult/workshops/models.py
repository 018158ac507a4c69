"""Ward workshops: tables, seats, dot votes and KJ themes. A workshop's notes are Comments
(channel ``workshop`` from phones, ``paper`` when typed in from sticky notes), so every count and
export treats them like web comments."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import utcnow



class WorkshopState(StrEnum):
    PLANNED = "planned"  # prepared: join code and QR exist, phones cannot join yet
    OPEN = "open"  # phones join, write notes and place dots
    CLOSED = "closed"  # the notes are the city's; the themes became proposed opinion groups


WORKSHOP_STATES = tuple(s.value for s in WorkshopState)

workshop_topic = Table(
    "workshop_topic", db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id"), primary_key=True),
)


class Workshop(db.Model):
    __tablename__ = "workshop"
    __table_args__ = (CheckConstraint(f"state IN {WORKSHOP_STATES}", name="state"),
                      CheckConstraint("dots_per_participant BETWEEN 0 AND 20", name="dots"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    key: Mapped[str | None] = mapped_column(String(32), unique=True)  # stable id for seeded workshops
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"))
    title: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_at_utc: Mapped[datetime | None]
    ends_at_utc: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default="planned")
    # Short code typed on phones (/w/<code>); set when the workshop opens.
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    dots_per_participant: Mapped[int] = mapped_column(default=3)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at_utc: Mapped[datetime | None]
    closed_at_utc: Mapped[datetime | None]

    consultation = relationship("Consultation")
    ward = relationship("Ward")
    facilitator = relationship("User")
    topics = relationship("Topic", secondary=workshop_topic, order_by="Topic.number")
    tables: Mapped[list["WorkshopTable"]] = relationship(back_populates="workshop",
                                                         order_by="WorkshopTable.position",
                                                         cascade="all, delete-orphan")
    themes: Mapped[list["Theme"]] = relationship(back_populates="workshop", order_by="Theme.position")

    @property
    def is_open(self) -> bool:
        return self.state == WorkshopState.OPEN

    @property
    def is_closed(self) -> bool:
        return self.state == WorkshopState.CLOSED

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.state}>"


class WorkshopTable(db.Model):
    __tablename__ = "workshop_table"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="tables")

    def __repr__(self) -> str:
        return f"<WorkshopTable {self.workshop_id}/{self.name}>"


class WorkshopSeat(db.Model):
    """A participant's place in a workshop: which table they sit at."""

    __tablename__ = "workshop_seat"
    __table_args__ = (UniqueConstraint("workshop_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    table_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_table.id"))
    joined_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    table = relationship("WorkshopTable")
    participant = relationship("Participant")


class DotVote(db.Model):
    """One dot, on a note (comment) or on a proposal.

    Each dot takes a numbered slot (1 … the workshop's dots per participant), unique per
    participant and workshop, so that racing requests can never spend more dots than allowed.
    """

    __tablename__ = "dot_vote"
    __table_args__ = (
        UniqueConstraint("workshop_id", "participant_id", "slot"),
        CheckConstraint("(comment_id IS NULL) <> (proposal_id IS NULL)", name="one_target"),
        CheckConstraint("slot >= 1", name="slot"),
        Index("ix_dot_vote_workshop_comment", "workshop_id", "comment_id"),
        Index("ix_dot_vote_workshop_proposal", "workshop_id", "proposal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    slot: Mapped[int]
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)


class Theme(db.Model):
    """A KJ-method group of a workshop's notes, named by the facilitator."""

    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    workshop: Mapped[Workshop] = relationship(back_populates="themes")
    topic = relationship("Topic")

    def __repr__(self) -> str:
        return f"<Theme {self.workshop_id}/{self.name}>"
