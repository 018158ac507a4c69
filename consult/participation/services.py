"""Participation rules, shared by the web forms, the JSON API and (later) the workshop screens.

Functions here take plain values and return models or raise ``InvalidInput``; they never touch
``request``, ``session`` or ``flash``.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..auth.permissions import may_participate
from ..consultation.context import current_consultation_id, first_consultation
from ..consultation.models import Consultation, Proposal, Section, Topic, Ward, accepts
from ..core import fields
from ..core.codes import (AGE_BANDS, CHANNEL_BITS, RECEIPT_ALPHABET, RELATIONS, VOTE_VALUES, WARD_OUTSIDE,
                          WARD_UNDISCLOSED)
from ..core.errors import InvalidInput, NotAccepting
from ..core.transactions import action
from ..core.text import has_forbidden_characters, nfkc, normalise_newlines, visible_length
from ..extensions import db
from ..i18n import utcnow
from . import tallies
from .models import Comment, FormDraft, Participant, Support, Vote, VoteTally

BODY_MAX = 2000
QUOTE_MAX = 500  # the passage of a provision a comment is about (Comment.quote)


@dataclass
class CommentDraft:
    """A comment that passed validation, before it is stored."""

    topic: Topic
    section: Section | None
    proposal: Proposal | None
    ward_code: str
    relation: str
    age_band: str | None
    body: str
    quote: str | None = None  # the passage of the section (a pubcom's provision) the comment is about


# --- a public comment's provisions, as citizens read them ------------------------------------------

def provision_title(section: Section) -> str:
    """The provision's own heading line as printed — 第6章 区のまちづくり, 1 区のまちづくり, ※1「区民」 —
    or "" for an item (1), ②), whose text begins with its number."""
    heading = section.current.heading
    if not section.label:
        return heading
    if section.label.startswith("※"):
        return f"{section.label}「{heading}」" if heading else section.label
    if section.depth >= 2:
        return ""
    return f"{section.label} {heading}".strip()


def provision_text(section: Section) -> str:
    """What a citizen can select of a provision: its heading line, then its text."""
    return "\n".join(part for part in (provision_title(section), section.current.body) if part)


def provision_path(anchor: str) -> str:
    """The provision's full number from its anchor: ch6-1-2-2 → 第6章 1 2) ②, note1 → ※1."""
    if anchor.startswith("note") and anchor[4:].isdigit():
        return f"※{int(anchor[4:])}"
    parts = anchor[2:].split("-") if anchor.startswith("ch") else []
    if not parts or not all(p.isdigit() for p in parts):
        return anchor
    numbers = [int(p) for p in parts]
    out = [f"第{numbers[0]}章"]
    if len(numbers) > 1:
        out.append(str(numbers[1]))
    if len(numbers) > 2:
        out.append(f"{numbers[2]})")
    if len(numbers) > 3:
        n = numbers[3]
        out.append(chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})")
    return " ".join(out)


def provision_choice(section: Section, words: int = 30) -> str:
    """The chooser's line for a provision: its full number and its heading, else its first words."""
    title = section.current.heading or section.current.body
    if section.depth >= 2 and title.startswith(section.label):
        title = title[len(section.label):].strip()
    title = " ".join(title.split())
    if len(title) > words:
        title = title[:words] + "…"
    return f"{provision_path(section.anchor)} {title}".strip()


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` in NFKC without white space, and for each of its characters the index it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for folded in nfkc(char):
            if not folded.isspace():
                out.append(folded)
                where.append(index)
    return "".join(out), where


def find_passage(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` stands in ``text`` (start, end), compared in NFKC and ignoring white space
    (a selection across lines brings line breaks of its own); None when it is not there."""
    needle, _ = _folded(quote or "")
    if not needle:
        return None
    haystack, where = _folded(text or "")
    start = haystack.find(needle)
    if start < 0:
        return None
    return where[start], where[start + len(needle) - 1] + 1


_WARD_CODES = select(Ward.__table__.c.code)


def _ward_codes() -> set[str]:
    """What ward_choices offers, without building its labels (the vote path's cost)."""
    return {*db.session.connection().execute(_WARD_CODES).scalars(), WARD_OUTSIDE, WARD_UNDISCLOSED}


def validate_profile(data: Mapping, errors: dict) -> tuple[str, str, str | None]:
    """Ward, relation and optional age band; messages go into ``errors``."""
    ward_code = fields.string(data, "ward", errors)
    if not ward_code and "ward" not in errors:
        fields.add(errors, "ward", _l("お住まいの区などを選んでください（「回答しない」も選べます）。"))
    elif ward_code not in _ward_codes():
        fields.add(errors, "ward", _l("区の選択肢にない値です。一覧から選んでください。"))
    relation = fields.string(data, "relation", errors)
    if not relation and "relation" not in errors:
        fields.add(errors, "relation", _l("区との関わりを選んでください。"))
    elif relation not in RELATIONS:
        fields.add(errors, "relation", _l("区との関わりの選択肢にない値です。"))
    age_band = fields.string(data, "age_band", errors) or None
    if age_band is not None and age_band not in AGE_BANDS:
        fields.add(errors, "age_band", _l("年代の選択肢にない値です。"))
    return ward_code, relation, age_band


def validate_comment(topic: Topic, data: Mapping) -> CommentDraft:
    """Check a comment as the web form and the API receive it; raise InvalidInput."""
    errors: dict[str, list] = {}

    section = None
    anchor = fields.string(data, "section", errors)
    if anchor:
        section = next((s for s in topic.sections if s.anchor == anchor and s.retired_at_utc is None), None)
        if section is None:
            fields.add(errors, "section", _l("この論点にない節です。"))
    proposal = None
    key = fields.string(data, "proposal", errors)
    if key:
        proposal = next((p for p in topic.proposals if p.key == key and p.withdrawn_at_utc is None), None)
        if proposal is None:
            fields.add(errors, "proposal", _l("この論点にない提案です。"))

    quote = normalise_newlines(fields.string(data, "quote", errors)).strip() or None
    if quote is not None and "quote" not in errors:
        quote_length = visible_length(quote)
        if quote_length > QUOTE_MAX:
            fields.add(errors, "quote", _l("選んだ部分は%(max)d文字以内にしてください（現在%(count)d文字）。選ぶ範囲を短くするか、この欄を空にしてください。",
                                          max=QUOTE_MAX, count=quote_length))
        elif has_forbidden_characters(quote):
            fields.add(errors, "quote", _l("選んだ部分に使えない制御文字が含まれています。"))
        elif section is None and "section" not in errors:
            fields.add(errors, "quote", _l("選んだ部分がどの条文のものか分かりません。条文を選ぶか、この欄を空にしてください。"))
        elif section is not None and find_passage(provision_text(section), quote) is None:
            fields.add(errors, "quote", _l("選んだ部分が、選ばれている条文の現在の文にありません。条文を選び直すか、この欄を空にしてください。"))

    ward_code, relation, age_band = validate_profile(data, errors)

    body = normalise_newlines(fields.string(data, "body", errors))
    length = visible_length(body)
    if "body" in errors:
        pass
    elif length == 0:
        fields.add(errors, "body", _l("ご意見を入力してください。"))
    elif length > BODY_MAX:
        fields.add(errors, "body", 
            _l("ご意見は%(max)d文字以内でお願いします（現在%(count)d文字）。", max=BODY_MAX, count=length))
    elif has_forbidden_characters(body):
        fields.add(errors, "body", _l("ご意見に使えない制御文字が含まれています。"))

    consent = data.get("consent")
    if consent not in (True, "1", "on", "yes", "true"):
        fields.add(errors, "consent", _l("個人情報の取扱いに同意いただく必要があります。"))

    if errors:
        raise InvalidInput(errors)
    return CommentDraft(topic, section, proposal, ward_code, relation, age_band, body.strip(), quote)


def new_receipt_no() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))  # 60 bits
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


def received_comment(consultation: Consultation, body: str, *, channel: str, **columns) -> Comment:
    """A comment as it arrives by any channel (web, API, phone, paper): a new receipt number, and
    published at once or pending by the consultation's premoderation. Not yet added to the session."""
    now = utcnow()
    published = not consultation.premoderation
    return Comment(receipt_no=new_receipt_no(), channel=channel, body=body,
                   status="published" if published else "pending", created_at_utc=now,
                   published_at_utc=now if published else None, **columns)


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def submit_comment(draft: CommentDraft, participant: Participant | None, *, channel: str = "web",
                   submission_key: str | None = None, is_demo: bool = False) -> tuple[Comment, bool]:
    """Store a validated comment; return (comment, created).

    With a submission key, re-sending the same confirmed form returns the stored comment
    instead of making a second one, even when two requests race.
    """
    consultation = draft.topic.consultation
    if not may_participate(consultation):
        raise NotAccepting()
    if submission_key:
        existing = db.session.scalar(select(Comment).where(Comment.submission_key == submission_key))
        if existing is not None:
            return existing, False
    if participant is not None:
        remember_profile(participant, draft.ward_code, draft.relation, draft.age_band)
    for _attempt in range(5):
        comment = received_comment(
            consultation, draft.body, channel=channel, submission_key=submission_key, topic=draft.topic,
            section=draft.section, section_revision=draft.section.current if draft.section else None,
            proposal=draft.proposal, participant=participant, ward_code=draft.ward_code,
            relation=draft.relation, age_band=draft.age_band, quote=draft.quote, is_demo=is_demo)
        try:
            with db.session.begin_nested():
                db.session.add(comment)
            db.session.commit()
            return comment, True
        except IntegrityError:
            db.session.rollback()
            if submission_key:
                existing = db.session.scalar(select(Comment).where(Comment.submission_key == submission_key))
                if existing is not None:
                    return existing, False
            # else: a receipt number collided (1 in 2^60); draw another
    raise RuntimeError("could not allocate a receipt number")


def remember_profile(participant: Participant, ward_code: str, relation: str, age_band: str | None) -> None:
    participant.ward_code = ward_code
    participant.relation = relation
    if age_band:
        participant.age_band = age_band


def get_participant(public_id: str | None) -> Participant | None:
    if not public_id:
        return None
    return db.session.scalar(select(Participant).where(Participant.public_id == public_id))


def create_participant(*, is_demo: bool = False) -> Participant:
    participant = Participant(public_id=secrets.token_hex(16), is_demo=is_demo)
    db.session.add(participant)
    db.session.flush()
    return participant


def _check_vote(value, withdrawn_at_utc, accepting: bool) -> None:
    if value not in VOTE_VALUES:
        raise InvalidInput({"value": [_l("賛成・反対・どちらともいえない のいずれかを選んでください。")]})
    if withdrawn_at_utc is not None:
        raise InvalidInput({"proposal": [_l("この提案は取り下げられました。")]})
    if not accepting:
        raise NotAccepting()


def cast_vote(participant: Participant, proposal: Proposal, value: str, *, channel: str = "web",
              consultation: Consultation | None = None) -> dict[str, int]:
    """Record or change a participant's vote; one row per participant and proposal, always, and
    the tallies moved in the same transaction. ``consultation``: the proposal's, when the caller has it loaded.
    Returns the proposal's counts after the vote, read before the commit (no second transaction)."""
    _check_vote(value, proposal.withdrawn_at_utc, may_participate(consultation or proposal.topic.consultation))
    db.session.flush()  # a ward just given is stored (and earlier votes moved) before this one counts
    tallies.record_vote(db.session.connection(), participant.id, proposal.id, value, channel)
    counts = _tally_counts([proposal.id])[proposal.id]
    db.session.commit()
    return counts


# The JSON API's vote: its topic, proposal and consultation in one statement.
_VOTE_TARGET = (
    select(Consultation.phase, Consultation.comments_close_at_utc, Proposal.id, Proposal.withdrawn_at_utc)
    .select_from(Topic)
    .join(Consultation, Consultation.id == Topic.consultation_id)
    .outerjoin(Proposal, and_(Proposal.topic_id == Topic.id, Proposal.key == bindparam("key")))
    .where(Topic.slug == bindparam("slug"),
           Topic.consultation_id == bindparam("consultation")))
_P = Participant.__table__
_VOTER = select(_P.c.id, _P.c.ward_code, _P.c.relation).where(_P.c.public_id == bindparam("public_id"))
_NEW_VOTER = insert(_P).values(
    public_id=bindparam("public_id"), ward_code=bindparam("ward"), relation=bindparam("relation"),
    age_band=bindparam("age_band"), is_demo=False, created_at_utc=bindparam("now"),
    vote_channels=bindparam("bits"), comment_channels=0).returning(_P.c.id)


@dataclass
class VoteResult:
    counts: dict[str, int]
    new_public_id: str | None  # of a participant made for this vote: the caller puts it in the session


def vote_by_keys(public_id: str | None, topic_slug, proposal_key, value, data: Mapping, *,
                 channel: str = "web", consultation_id: int | None = None) -> VoteResult:
    """``cast_vote`` for the JSON API, on the session's connection without loading ORM objects:
    one statement for the topic, proposal and phase, one for the voter (or one INSERT for a new
    one, with the profile from ``data``), the vote's upsert with its tally and rollup, and the
    counts. Checks and messages as ``cast_vote``'s, in the same order. The topic is looked for in
    ``consultation_id``, else in the request's consultation (else the first one)."""
    if consultation_id is None:
        consultation_id = current_consultation_id()
    if consultation_id is None:  # a site-wide route: the first consultation, as cast_vote does
        first = first_consultation()
        consultation_id = first.id if first is not None else 0
    conn = db.session.connection()
    target = None
    if isinstance(topic_slug, str):
        target = conn.execute(_VOTE_TARGET, {"slug": topic_slug, "consultation": consultation_id,
                                             "key": proposal_key if isinstance(proposal_key, str) else None}).first()
    if target is None:
        raise InvalidInput({"topic": [_l("この論点はありません。")]})
    phase, close_at, proposal_id, withdrawn = target
    if proposal_id is None:
        raise InvalidInput({"proposal": [_l("この論点にない提案です。")]})
    voter = conn.execute(_VOTER, {"public_id": public_id}).first() if public_id else None
    profile = None
    if voter is None or not (voter.ward_code and voter.relation):
        errors: dict = {}
        profile = validate_profile(data, errors)
        if errors:
            raise InvalidInput(errors)
    _check_vote(value, withdrawn, accepts(phase, close_at))
    new_public_id = known = None
    if voter is None:
        new_public_id = secrets.token_hex(16)
        ward, relation, age_band = profile
        bits = CHANNEL_BITS[channel]  # its first vote, below
        pid = conn.execute(_NEW_VOTER, {"public_id": new_public_id, "ward": ward, "relation": relation,
                                        "age_band": age_band, "now": utcnow(), "bits": bits}).scalar_one()
        known = (ward, bits)
    else:
        pid = voter.id
        if profile is not None:  # rare: a participant without a profile (e.g. one who only supported)
            remember_profile(db.session.get(Participant, pid), *profile)
            db.session.flush()  # through the ORM, whose events move any earlier votes to the new ward
    tallies.record_vote(conn, pid, proposal_id, value, channel, voter=known)
    counts = _tally_counts([proposal_id])[proposal_id]
    db.session.commit()
    return VoteResult(counts, new_public_id)


def support_comment(participant: Participant, comment: Comment) -> bool:
    """Add a +1; returns False when this participant had already supported the comment."""
    if comment.status != "published":
        raise InvalidInput({"comment": [_l("公開されているご意見にだけ賛同できます。")]})
    if not may_participate(comment.topic.consultation):
        raise NotAccepting()
    try:
        with db.session.begin_nested():
            db.session.add(Support(participant_id=participant.id, comment_id=comment.id))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.commit()
        return False


_T = VoteTally.__table__
_TALLIES = select(_T.c.proposal_id, _T.c.value, _T.c.n).where(_T.c.proposal_id.in_(bindparam("ids", expanding=True)))


def _tally_counts(proposal_ids: list[int]) -> dict[int, dict[str, int]]:
    counts = {pid: dict.fromkeys(VOTE_VALUES, 0) for pid in proposal_ids}
    rows = db.session.connection().execute(_TALLIES, {"ids": proposal_ids})
    for proposal_id, value, n in rows:
        counts[proposal_id][value] = n
    return counts


def vote_counts(topic: Topic, proposal: Proposal | None = None) -> dict[int, dict[str, int]]:
    """proposal id → {agree, disagree, pass}, from the tally (one proposal's only, if given)."""
    return _tally_counts([p.id for p in ([proposal] if proposal is not None else topic.proposals)])


def votes_total(consultation) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(VoteTally.n), 0)).join(Proposal, Proposal.id == VoteTally.proposal_id)
        .join(Topic, Topic.id == Proposal.topic_id).where(Topic.consultation_id == consultation.id))


def participants_of(consultation) -> int:
    """Everyone who commented or voted in this consultation, once (participants are site-wide)."""
    topics = select(Topic.id).where(Topic.consultation_id == consultation.id)
    voters = (select(Vote.participant_id).join(Proposal, Proposal.id == Vote.proposal_id)
              .where(Proposal.topic_id.in_(topics)))
    writers = select(Comment.participant_id).where(Comment.topic_id.in_(topics), Comment.participant_id.is_not(None))
    return db.session.scalar(select(func.count()).select_from(voters.union(writers).subquery()))


def participant_votes(participant: Participant | None, topic: Topic) -> dict[int, str]:
    if participant is None:
        return {}
    rows = db.session.execute(
        select(Vote.proposal_id, Vote.value).join(Proposal, Proposal.id == Vote.proposal_id)
        .where(Vote.participant_id == participant.id, Proposal.topic_id == topic.id))
    return dict(rows.all())


# --- the 確認 step's draft -------------------------------------------------------------------

DRAFT_LIFETIME = timedelta(days=1)


@action
def keep_draft(topic: Topic, values: dict) -> str:
    """Keep a confirmed form for its 確認 page; returns the token the browser's session holds.
    Drafts older than a day go at the same time (nobody sends a comment a day after 確認)."""
    now = utcnow()
    db.session.execute(delete(FormDraft).where(FormDraft.created_at_utc < now - DRAFT_LIFETIME))
    token = secrets.token_urlsafe(24)
    db.session.add(FormDraft(token=token, topic_id=topic.id, data=json.dumps(values, ensure_ascii=False),
                             created_at_utc=now))
    return token


def kept_draft(token: str | None, topic: Topic) -> dict | None:
    if not token:
        return None
    draft = db.session.get(FormDraft, token)
    if draft is None or draft.topic_id != topic.id or draft.created_at_utc < utcnow() - DRAFT_LIFETIME:
        return None
    return json.loads(draft.data)


@action
def drop_draft(token: str | None) -> None:
    if token:
        db.session.execute(delete(FormDraft).where(FormDraft.token == token))
