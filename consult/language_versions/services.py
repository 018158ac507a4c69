"""Read and write the other versions: one query per page, one audited action per save."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..consultation.models import Proposal, Section, Topic
from ..consultation.services import live_proposals, live_sections
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from .models import BODY_MAX, LANGUAGES, TITLE_MAX, LanguageVersion

Key = tuple[str, int, str]  # (target type, target id, language)


def for_consultation(consultation_id: int) -> dict[Key, LanguageVersion]:
    rows = db.session.scalars(select(LanguageVersion).where(LanguageVersion.consultation_id == consultation_id))
    return {(v.target_type, v.target_id, v.language): v for v in rows}


@dataclass
class Part:
    """One text of the topic's page, with its original and the fields its versions have."""

    target_type: str
    target: Topic | Section | Proposal
    title: str  # original title / heading ("" for a proposal)
    body: str  # original lead / text / proposal
    revision_number: int | None = None

    @property
    def key(self) -> str:
        return f"{self.target_type}-{self.target.id}"

    @property
    def has_title(self) -> bool:
        return self.target_type != "proposal"


def parts(topic: Topic) -> list[Part]:
    found = [Part("topic", topic, topic.title, topic.lead)]
    found += [Part("section", s, s.current.heading, s.current.body, s.current.number) for s in live_sections(topic)]
    found += [Part("proposal", p, "", p.text) for p in live_proposals(topic)]
    return found


def _clean(value: str | None) -> str:
    return normalise_newlines(value or "").strip()


def validate(topic: Topic, data: Mapping[str, Any]) -> dict[Key, tuple[str, str, int | None]]:
    """{key: (title, body, revision)} for every field of the form; errors name the field."""
    errors: dict[str, list] = {}
    values = {}
    for part in parts(topic):
        for language in LANGUAGES:
            name = f"{part.key}-{language}"
            title = _clean(data.get(f"{name}-title")) if part.has_title else ""
            body = _clean(data.get(f"{name}-body"))
            if visible_length(title) > TITLE_MAX:
                errors[f"{name}-title"] = [_l("見出しは%(n)d文字以内で入力してください。", n=TITLE_MAX)]
            if visible_length(body) > BODY_MAX:
                errors[f"{name}-body"] = [_l("本文は%(n)d文字以内で入力してください。", n=BODY_MAX)]
            if has_forbidden_characters(title) or has_forbidden_characters(body):
                errors[f"{name}-body"] = [_l("使えない制御文字が含まれています。")]
            if part.target_type == "section" and bool(title) != bool(body):
                errors[f"{name}-body"] = [_l("節は見出しと本文の両方を書いてください（両方とも空なら、もとの文を表示します）。")]
            values[(part.target_type, part.target.id, language)] = (title, body, part.revision_number)
    if errors:
        raise InvalidInput(errors)
    return values


@action
def save(user, topic: Topic, data: Mapping[str, Any]) -> int:
    """Write the topic's versions as the form gives them; an emptied one is removed. Returns the number changed."""
    values = validate(topic, data)
    kept = for_consultation(topic.consultation_id)
    changed = 0
    for key, (title, body, revision) in values.items():
        version = kept.get(key)
        before = {"title": version.title, "body": version.body} if version else None
        if not title and not body:
            if version is not None:
                db.session.delete(version)
                record(user, "language_version.delete", key[0], key[1], before=before, after={"language": key[2]})
                changed += 1
            continue
        if version is None:
            version = LanguageVersion(consultation_id=topic.consultation_id, target_type=key[0], target_id=key[1],
                                      language=key[2])
            db.session.add(version)
        elif (version.title, version.body, version.revision_number) == (title, body, revision):
            continue
        version.title, version.body, version.revision_number = title, body, revision
        version.updated_by_id = getattr(user, "id", None)
        record(user, "language_version.update", key[0], key[1], before=before,
               after={"language": key[2], "title": title, "body": body})
        changed += 1
    return changed
