"""An analysis run and what it suggested. Nothing here changes a comment or an opinion group: staff
accept, merge or discard a suggestion, and the run stays as it was, so a figure in the review
document can be traced to the run, its settings, its input and the package versions that made it."""

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import utcnow

RUN_KINDS = ("text", "votes")


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


RUN_STATES = tuple(s.value for s in RunState)
ACTIVE_STATES = (RunState.QUEUED.value, RunState.RUNNING.value)

# A suggestion's fate: open until staff decide; accepted into an opinion group; or discarded.
DECISIONS = ("open", "accepted", "discarded")


class AnalysisRun(db.Model):
    __tablename__ = "analysis_run"
    __table_args__ = (
        CheckConstraint(f"kind IN {RUN_KINDS}", name="kind"),
        CheckConstraint(f"state IN {RUN_STATES}", name="state"),
        # One run at a time per consultation: the database refuses a second, whatever the worker.
        Index("ux_analysis_run_active", "consultation_id", unique=True,
              sqlite_where=text("state IN ('queued', 'running')"),
              postgresql_where=text("state IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=RunState.QUEUED.value)
    stage: Mapped[str] = mapped_column(String(32), default="")
    progress: Mapped[float] = mapped_column(default=0.0)  # 0..1 within the whole run
    # What was asked (engine settings and the selection: topic, channel, period), as JSON.
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    input_count: Mapped[int | None]
    package_versions_json: Mapped[str] = mapped_column(Text, default="{}")
    # Figures of the whole run (k, silhouette, seconds per stage, consensus and divisive proposals).
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    # Why it failed, in words for staff (never comment text).
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at_utc: Mapped[datetime] = mapped_column(default=utcnow)
    started_at_utc: Mapped[datetime | None]
    heartbeat_at_utc: Mapped[datetime | None]  # a job that stops beating was killed
    finished_at_utc: Mapped[datetime | None]

    groups = relationship("AnalysisGroup", back_populates="run", order_by="AnalysisGroup.position",
                          cascade="all, delete-orphan")

    @property
    def settings(self) -> dict:
        return json.loads(self.settings_json or "{}")

    @property
    def package_versions(self) -> dict:
        return json.loads(self.package_versions_json or "{}")

    @property
    def summary(self) -> dict:
        return json.loads(self.summary_json or "{}")

    def __repr__(self) -> str:
        return f"<AnalysisRun {self.id} {self.kind} {self.state}>"


class AnalysisGroup(db.Model):
    """One suggested group: broad (parent_key None) or finer (inside its parent)."""

    __tablename__ = "analysis_group"
    __table_args__ = (CheckConstraint(f"decision IN {DECISIONS}", name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    key: Mapped[str] = mapped_column(String(16))  # "1", "1-2" (text); "A", "B" (votes)
    parent_key: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(Text, default="")  # distinctive terms, joined with 「・」
    size: Mapped[int] = mapped_column(default=0)
    # Representative comments (text) or the agree shares per proposal (votes), as JSON.
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    decision: Mapped[str] = mapped_column(String(16), default="open")
    opinion_group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_group.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at_utc: Mapped[datetime | None]

    run = relationship("AnalysisRun", back_populates="groups")

    @property
    def detail(self) -> dict:
        return json.loads(self.detail_json or "{}")

    def __repr__(self) -> str:
        return f"<AnalysisGroup {self.run_id}/{self.key}>"


class AnalysisPoint(db.Model):
    """Where one comment (text) or one participant (votes) fell: its groups and its map position."""

    __tablename__ = "analysis_point"

    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)  # comment id or participant id
    group_key: Mapped[str | None] = mapped_column(String(16))  # broad group (None: excluded)
    subgroup_key: Mapped[str | None] = mapped_column(String(16))
    # Near-identical copies (a copy-paste campaign) share a key: one voice, many senders.
    campaign_key: Mapped[str | None] = mapped_column(String(16))
    x: Mapped[float | None]
    y: Mapped[float | None]
