"""The review filters — topic, ward, channel, workshop, status, opinion group, JST date range and
Japanese full-text search — parsed once and applied to every figure, list and export.

``parse_filter`` takes plain values (a dict of query arguments) and returns a ``ReviewFilter`` or
raises ``InvalidInput`` with one message per bad field. The filter turns itself into SQL
conditions for comments and for votes; nothing here loops over rows.

Votes carry no text, status or opinion group. They are filtered by topic, ward (the voter's),
channel, date and workshop (the voters seated there); when a search word or an opinion group is
chosen, votes are narrowed to the participants who wrote a matching comment. Status never
applies to votes. The pages say so beside the figures.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..consultation.models import Proposal, Topic
from ..consultation.services import ward_choices
from ..core import fields
from ..core.codes import CHANNELS
from ..core.errors import InvalidInput
from ..core.labels import channel_labels, status_labels
from ..core.text import has_forbidden_characters, nfkc, search_key
from ..extensions import db
from ..i18n import jst_day_start_utc
from ..participation.models import Comment, Participant, Vote, VoteRollup
from ..workshops.models import Workshop, WorkshopSeat
from .models import OpinionGroup
from .signals import comment_set_for

# "active" (the default of the review pages) leaves out hidden comments — spam, abuse and
# duplicates are not opinions to count; "all" takes every status.
STATUS_CHOICES = ("active", "all", "pending", "published", "hidden")
SEARCH_MAX = 100
FILTER_FIELDS = ("topic", "ward", "channel", "workshop", "status", "group", "from", "to", "q", "campaign")


def small_int(raw: Any, max_digits: int = 9) -> int | None:
    """A non-negative integer typed in ASCII digits (not ², not ١٢), or None."""
    if isinstance(raw, str):
        raw = raw.strip()
        if raw and raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
            return int(raw)
    return None


def clean_arg(raw: Any) -> str:
    """A query argument as text, or "" when it is not text or holds control characters (NUL
    and the like can never match a code, and PostgreSQL refuses them in a query)."""
    return raw.strip() if isinstance(raw, str) and not has_forbidden_characters(raw) else ""


def status_choices() -> list[tuple[str, Any]]:
    labels = status_labels()
    return [("active", _l("非公開を除く（公開＋確認待ち）")), ("all", _l("すべて（非公開を含む）")),
            ("pending", labels["pending"]), ("published", labels["published"]), ("hidden", labels["hidden"])]


def _like_pattern(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ReviewFilter:
    consultation_id: int
    topic_id: int | None = None
    topic_slug: str = ""
    ward: str = ""
    channel: str = ""
    workshop_id: int | None = None
    status: str = "active"
    group: str = ""  # "" any, "none" for comments in no group, else the group's id
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""  # as typed; matched through search_key
    # A copy-paste campaign of an analysis run ("12-C3"), resolved by the analysis (signals.comment_set).
    campaign: str = ""
    campaign_set: Any = field(default=None, compare=False)
    default_status: str = field(default="active", compare=False)

    # --- SQL ------------------------------------------------------------------------------

    def _topic_ids(self):
        return select(Topic.id).where(Topic.consultation_id == self.consultation_id)

    def comment_conditions(self, *, status: str | None = None) -> list:
        """WHERE conditions on Comment; ``status`` overrides the filter's (e.g. quotes: published)."""
        conds = [Comment.topic_id.in_(self._topic_ids())]
        if self.topic_id is not None:
            conds.append(Comment.topic_id == self.topic_id)
        if self.ward:
            conds.append(Comment.ward_code == self.ward)
        if self.channel:
            conds.append(Comment.channel == self.channel)
        if self.workshop_id is not None:
            conds.append(Comment.workshop_id == self.workshop_id)
        status = status or self.status
        if status == "active":
            conds.append(Comment.status != "hidden")
        elif status != "all":
            conds.append(Comment.status == status)
        if self.group == "none":
            conds.append(Comment.opinion_group_id.is_(None))
        elif self.group:
            conds.append(Comment.opinion_group_id == int(self.group))
        if self.date_from is not None:
            conds.append(Comment.created_at_utc >= jst_day_start_utc(self.date_from))
        if self.date_to is not None:
            conds.append(Comment.created_at_utc < jst_day_start_utc(self.date_to + timedelta(days=1)))
        key = search_key(self.q) if self.q else ""
        if key:
            conds.append(Comment.search_text.like(_like_pattern(key), escape="\\"))
        if self.campaign_set is not None:
            conds.append(Comment.id.in_(self.campaign_set.ids))
        return conds

    @property
    def narrows_votes_by_comments(self) -> bool:
        return bool(self.group or (self.q and search_key(self.q)) or self.campaign)

    def _proposal_conditions(self) -> list:
        conds = [Proposal.topic_id.in_(self._topic_ids()), Proposal.withdrawn_at_utc.is_(None)]
        if self.topic_id is not None:
            conds.append(Proposal.topic_id == self.topic_id)
        return conds

    def vote_conditions(self) -> list:
        """WHERE conditions on Vote; the statement must join Proposal, and Participant when a ward
        is chosen (``vote_base``)."""
        conds = self._proposal_conditions()
        if self.ward:
            conds.append(Participant.ward_code == self.ward)
        if self.channel:
            conds.append(Vote.channel == self.channel)
        if self.workshop_id is not None:
            conds.append(Vote.participant_id.in_(
                select(WorkshopSeat.participant_id).where(WorkshopSeat.workshop_id == self.workshop_id)))
        if self.date_from is not None:
            conds.append(Vote.created_at_utc >= jst_day_start_utc(self.date_from))
        if self.date_to is not None:
            conds.append(Vote.created_at_utc < jst_day_start_utc(self.date_to + timedelta(days=1)))
        if self.narrows_votes_by_comments:
            conds.append(Vote.participant_id.in_(
                select(Comment.participant_id).where(Comment.participant_id.is_not(None),
                                                     *self.comment_conditions())))
        return conds

    def vote_base(self, *columns, voter: bool = False):
        """SELECT columns FROM votes matching the filter; the voter (Participant) is joined only
        when the ward filter or ``voter=True`` (a column of Participant) needs it."""
        query = select(*columns).select_from(Vote).join(Proposal, Proposal.id == Vote.proposal_id)
        if voter or self.ward:
            query = query.join(Participant, Participant.id == Vote.participant_id)
        return query.where(*self.vote_conditions())

    @property
    def rollup_answers(self) -> bool:
        """Whether the vote rollup can answer the vote figures: it knows proposals (so topics),
        the voter's ward, channels, values and JST days, but not workshops or comments."""
        return self.workshop_id is None and not self.narrows_votes_by_comments

    def rollup_conditions(self) -> list:
        """WHERE conditions on VoteRollup joined with Proposal: ``vote_conditions``' twins."""
        conds = self._proposal_conditions()
        if self.ward:
            conds.append(VoteRollup.ward_code == self.ward)
        if self.channel:
            conds.append(VoteRollup.channel == self.channel)
        if self.date_from is not None:
            conds.append(VoteRollup.day >= self.date_from)
        if self.date_to is not None:
            conds.append(VoteRollup.day <= self.date_to)
        return conds

    @property
    def vote_channels_answer(self) -> bool:
        """Whether Participant.vote_channels can stand for the voters (it knows neither topics,
        days nor workshops)."""
        return (self.rollup_answers and self.topic_id is None and self.date_from is None
                and self.date_to is None)

    # --- for links and display ------------------------------------------------------------

    def as_args(self) -> dict[str, str]:
        """The query arguments that reproduce this filter (defaults left out)."""
        args = {"topic": self.topic_slug, "ward": self.ward, "channel": self.channel,
                "workshop": str(self.workshop_id) if self.workshop_id is not None else "",
                "status": self.status if self.status != self.default_status else "",
                "group": self.group, "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else "", "q": self.q,
                "campaign": self.campaign}
        return {k: v for k, v in args.items() if v}

    def values(self) -> dict[str, str]:
        """Every field's value for the filter form (defaults included)."""
        return {**dict.fromkeys(FILTER_FIELDS, ""), "status": self.status, **self.as_args()}

    @property
    def is_default(self) -> bool:
        return not self.as_args()

    def with_status(self, status: str) -> "ReviewFilter":
        return replace(self, status=status)

    def describe(self) -> list[tuple[Any, str]]:
        """(label, value) for each condition in force, for the pages, exports and the document."""
        out: list[tuple[Any, str]] = []
        if self.topic_id is not None:
            topic = db.session.get(Topic, self.topic_id)
            out.append((_l("審議事項"), f"{topic.number}. {topic.title}"))
        if self.ward:
            out.append((_l("区"), str(dict(ward_choices()).get(self.ward, self.ward))))
        if self.channel:
            out.append((_l("経路"), str(channel_labels()[self.channel])))
        if self.workshop_id is not None:
            out.append((_l("ワークショップ"), db.session.get(Workshop, self.workshop_id).title))
        out.append((_l("状態"), str(dict(status_choices())[self.status])))
        if self.group == "none":
            out.append((_l("意見グループ"), str(_l("未分類"))))
        elif self.group:
            out.append((_l("意見グループ"), db.session.get(OpinionGroup, int(self.group)).title))
        if self.date_from or self.date_to:
            out.append((_l("期間（日本時間）"), f"{self.date_from or ''} – {self.date_to or ''}"))
        if self.q:
            out.append((_l("キーワード"), self.q))
        if self.campaign_set is not None:
            out.append((self.campaign_set.label, self.campaign_set.description))
        return out


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _date(raw: str, name: str, errors: dict) -> date | None:
    """A JST calendar day: 2014-10-04, also typed as 2014/10/04 or in full-width digits."""
    if not raw:
        return None
    m = _DATE.fullmatch(nfkc(raw).strip().replace("/", "-"))
    try:
        if m is None:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        fields.add(errors, name, 
            _l("日付は「2014-10-04」のように 年-月-日 の形で入力してください。"))
        return None


def parse_filter(args: Mapping[str, Any], consultation_id: int, *, default_status: str = "active") -> ReviewFilter:
    """Validate the query arguments of a review page; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}

    def text(name: str) -> str:
        value = args.get(name)
        return value.strip() if isinstance(value, str) else ""

    topic_id, topic_slug = None, text("topic")
    if topic_slug and not clean_arg(topic_slug):
        fields.add(errors, "topic", _l("審議事項の指定が正しくありません。一覧から選んでください。"))
    elif topic_slug:
        topic_id = db.session.scalar(select(Topic.id).where(Topic.consultation_id == consultation_id,
                                                            Topic.slug == topic_slug))
        if topic_id is None:
            fields.add(errors, "topic", _l("審議事項の指定が正しくありません。一覧から選んでください。"))

    ward = text("ward")
    if ward and ward not in dict(ward_choices()):
        fields.add(errors, "ward", _l("区の指定が正しくありません。一覧から選んでください。"))

    channel = text("channel")
    if channel and channel not in CHANNELS:
        fields.add(errors, "channel", _l("経路の指定が正しくありません。一覧から選んでください。"))

    workshop_id, raw = None, text("workshop")
    if raw:
        number = small_int(raw)
        if number is not None and db.session.scalar(
                select(Workshop.id).where(Workshop.id == number, Workshop.consultation_id == consultation_id)):
            workshop_id = number
        else:
            fields.add(errors, "workshop", _l("ワークショップの指定が正しくありません。一覧から選んでください。"))

    status = text("status") or default_status
    if status not in STATUS_CHOICES:
        fields.add(errors, "status", _l("状態の指定が正しくありません。一覧から選んでください。"))
        status = default_status

    group = text("group")
    if group and group != "none":
        number = small_int(group)
        exists = number is not None and db.session.scalar(
            select(OpinionGroup.id).join(Topic, Topic.id == OpinionGroup.topic_id)
            .where(OpinionGroup.id == number, Topic.consultation_id == consultation_id))
        if not exists:
            fields.add(errors, "group", _l("意見グループの指定が正しくありません。一覧から選んでください。"))
            group = ""
        else:
            group = str(number)

    date_from = _date(text("from"), "from", errors)
    date_to = _date(text("to"), "to", errors)
    if date_from and date_to and date_from > date_to:
        fields.add(errors, "to", _l("期間の終わりが始まりより前になっています。"))

    q = text("q")
    if len(q) > SEARCH_MAX:
        fields.add(errors, "q", _l("キーワードは%(max)d文字以内で入力してください。", max=SEARCH_MAX))
    elif has_forbidden_characters(q):
        fields.add(errors, "q", _l("キーワードに使えない制御文字が含まれています。"))

    campaign, campaign_set = text("campaign"), None
    if campaign:
        campaign_set = comment_set_for(consultation_id, "campaign", clean_arg(campaign)) if clean_arg(campaign) else None
        if campaign_set is None:
            fields.add(errors, "campaign", _l("同じ文面の指定が正しくありません。分析のページか確認の一覧から選び直してください。"))

    if errors:
        raise InvalidInput(errors)
    return ReviewFilter(consultation_id=consultation_id, topic_id=topic_id, topic_slug=topic_slug if topic_id else "",
                        ward=ward, channel=channel, workshop_id=workshop_id, status=status, group=group,
                        date_from=date_from, date_to=date_to, q=q, campaign=campaign if campaign_set else "",
                        campaign_set=campaign_set, default_status=default_status)
