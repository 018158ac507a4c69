"""What citizens give: participants (pseudonymous), comments, votes on proposals, supports."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.codes import AGE_BANDS, CHANNELS, RELATIONS, STATUSES, VOTE_VALUES
from ..core.text import search_key
from ..extensions import db
from ..i18n import utcnow


def _search_text_default(context) -> str:
    return search_key(context.get_current_parameters().get("body") or "")


class Participant(db.Model):
    """A person known only by a random id kept in their browser's signed cookie."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint(f"relation IS NULL OR relation IN {RELATIONS}", name="relation"),
        CheckConstraint(f"age_band IS NULL OR age_band IN {AGE_BANDS}", name="age_band"),
        # The review counts participants by profile and channels from this index alone.
        Index("ix_participant_profile", "ward_code", "relation", "age_band", "vote_channels", "comment_channels"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    ward_code: Mapped[str | None] = mapped_column(String(16))
    relation: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    is_demo: Mapped[bool] = mapped_column(default=False)  # synthetic, made by `flask demo-data`
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    # CHANNEL_BITS of the channels this participant voted through on proposals not withdrawn;
    # kept by participation/tallies.py so the review's participant figures need not scan votes.
    vote_channels: Mapped[int] = mapped_column(default=0, server_default="0")
    # Likewise for the channels of their comments that are not hidden.
    comment_channels: Mapped[int] = mapped_column(default=0, server_default="0")
    # The participant's id in another tool, for one imported from it (a Polis export's
    # `participant`). Not unique: participants belong to no consultation, and two imports may
    # both have a participant 0; the import checks the ids of one file.
    external_id: Mapped[str | None] = mapped_column(String(128))

    @property
    def has_profile(self) -> bool:
        return bool(self.ward_code and self.relation)

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"


class Comment(db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"relation IS NULL OR relation IN {RELATIONS}", name="relation"),
        CheckConstraint(f"age_band IS NULL OR age_band IN {AGE_BANDS}", name="age_band"),
        CheckConstraint("paper_dots >= 0", name="paper_dots"),
        # An imported comment keeps the other tool's comment-id, once per topic.
        UniqueConstraint("topic_id", "external_id"),
        Index("ix_comment_status_created", "status", "created_at_utc"),
        Index("ix_comment_topic_status_created", "topic_id", "status", "created_at_utc"),
        Index("ix_comment_topic_ward", "topic_id", "ward_code"),
        # Covers the review's comment figures (filters and GROUP BY keys), read without the table.
        Index("ix_comment_review", "topic_id", "status", "channel", "ward_code", "created_at_utc",
              "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 受付番号: unique and unguessable; the citizen's only handle on what they sent.
    receipt_no: Mapped[str] = mapped_column(String(20), unique=True)
    # One stored comment per confirmed submission, however often it is re-sent.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    # The revision the citizen read when commenting, so later revisions never re-target it.
    section_revision_id: Mapped[int | None] = mapped_column(ForeignKey("section_revision.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    ward_code: Mapped[str] = mapped_column(String(16))
    relation: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    body: Mapped[str] = mapped_column(Text)  # exactly as received; never edited
    # NFKC, case-folded copy of the body for search (０９６ finds 096); filled on insert, also by
    # bulk Core inserts, through the column default.
    search_text: Mapped[str | None] = mapped_column(Text, default=_search_text_default)
    body_published: Mapped[str | None] = mapped_column(Text)  # moderator's masked copy, if any
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    published_at_utc: Mapped[datetime | None]

    # Workshop notes: where they were written and how the room grouped and weighed them.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id"), index=True)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_table.id"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    paper_dots: Mapped[int] = mapped_column(default=0, server_default="0")  # dots counted on a paper sticky note

    # Public comment: the passage of the provision the citizen selected (as shown to them, in the
    # revision above), the briefing where it was voiced, the register entry (受付台帳) of an opinion
    # sent by post, FAX, e-mail or at the counter, and the day the city received it.
    quote: Mapped[str | None] = mapped_column(Text)
    briefing_id: Mapped[int | None] = mapped_column(ForeignKey("briefing.id"), index=True)
    register_entry_id: Mapped[int | None] = mapped_column(ForeignKey("register_entry.id"), index=True)
    received_on: Mapped[date | None]

    # Imported (channel "imported"): the other tool's comment-id, and the file's other columns
    # (name -> value, as JSON) as written there; never published, shown to staff only.
    external_id: Mapped[str | None] = mapped_column(String(128))
    imported_attributes_json: Mapped[str | None] = mapped_column(Text)

    # Moderation, beside the untouched original.
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    moderated_at_utc: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opinion_group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_group.id"), index=True)

    topic = relationship("Topic")
    workshop = relationship("Workshop")
    table = relationship("WorkshopTable")
    theme = relationship("Theme")
    opinion_group = relationship("OpinionGroup")
    briefing = relationship("Briefing")
    register_entry = relationship("RegisterEntry")
    section = relationship("Section")
    section_revision = relationship("SectionRevision")
    proposal = relationship("Proposal")
    participant: Mapped[Participant | None] = relationship()

    @property
    def public_text(self) -> str:
        return self.body_published if self.body_published is not None else self.body

    def __repr__(self) -> str:
        return f"<Comment {self.receipt_no} {self.status}>"


class Vote(db.Model):
    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("participant_id", "proposal_id"),
        CheckConstraint(f"value IN {VOTE_VALUES}", name="value"),
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        Index("ix_vote_proposal_value", "proposal_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    value: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at_utc: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Vote p{self.participant_id} on {self.proposal_id}: {self.value}>"


class VoteTally(db.Model):
    """Votes per proposal and value, kept in the vote's transaction (participation/tallies.py);
    the ``vote`` rows remain the record and ``flask recount`` rebuilds this from them."""

    __tablename__ = "vote_tally"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    value: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]


class VoteRollup(db.Model):
    """Votes per proposal, voter's current ward ('' when not given), channel, value and JST day of
    the first vote: every vote figure of the review dashboard that a filter lets it answer."""

    __tablename__ = "vote_rollup"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int]


class CommentRollup(db.Model):
    """Comments per topic, ward, channel, status, JST day received and whether a participant sent
    them: the review dashboard's comment figures that a filter lets it answer, without reading
    comments. Kept in each comment's transaction (participation/tallies.py); `flask recount`
    rebuilds it from the comment rows."""

    __tablename__ = "comment_rollup"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    anonymous: Mapped[bool] = mapped_column(primary_key=True)  # no participant (paper notes typed in)
    n: Mapped[int]


class ParticipantRollup(db.Model):
    """Participants per (ward, relation, age band, channels voted or commented through), '' for
    no value: the dashboard's participant figures without reading the participant table. Kept by
    database triggers on `participant` (migration 0013), which see every writer, ORM, Core and
    bulk; `flask recount` checks it against the participant rows."""

    __tablename__ = "participant_rollup"

    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    channels: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # vote | comment channels
    n: Mapped[int]


class Support(db.Model):
    """A participant's +1 on a published comment."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("participant_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Support p{self.participant_id} → c{self.comment_id}>"


class FormDraft(db.Model):
    """A comment form between 確認 and 送信: what was typed, kept so that the 確認 page is a page of
    its own (GET) that Back and Forward can show again. Deleted when the comment is sent, and a
    day after it was made otherwise; never shown to anyone but the browser holding its token."""

    __tablename__ = "form_draft"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    data: Mapped[str] = mapped_column(Text)  # the form's fields as JSON
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<FormDraft t{self.topic_id}>"
