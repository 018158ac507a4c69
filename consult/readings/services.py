"""The reading dictionary: staff add, change and remove words; pages read it through a cache."""

import threading
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import record
from ..core import furigana
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, nfkc
from ..core.transactions import action
from ..extensions import db
from .models import READING_MAX, WORD_MAX, ReadingEntry


def entries() -> list[ReadingEntry]:
    return list(db.session.scalars(select(ReadingEntry).order_by(ReadingEntry.word_key)))


def validate(data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, list] = {}
    word = (data.get("word") or "").strip()
    reading = nfkc((data.get("reading") or "").strip())
    if not word:
        errors["word"] = [_l("語を入力してください。")]
    elif len(nfkc(word)) > WORD_MAX or has_forbidden_characters(word) or any(c.isspace() for c in word):
        errors["word"] = [_l("語は空白を含まない%(n)d文字以内で入力してください。", n=WORD_MAX)]
    elif not furigana.has_kanji(word):
        errors["word"] = [_l("ふりがなが付くのは漢字を含む語だけです。漢字を含む語を入力してください。")]
    if not reading:
        errors["reading"] = [_l("読みを入力してください。")]
    elif len(reading) > READING_MAX or not furigana.is_reading(reading):
        errors["reading"] = [_l("読みはひらがなかカタカナ%(n)d文字以内で入力してください。", n=READING_MAX)]
    if errors:
        raise InvalidInput(errors)
    return {"word": word, "word_key": nfkc(word), "reading": furigana.hiragana(reading)}


@action
def save(user, data: Mapping[str, Any]) -> ReadingEntry:
    """Add a word, or change the reading of one already there (the same word after NFKC)."""
    values = validate(data)
    entry = db.session.scalar(select(ReadingEntry).where(ReadingEntry.word_key == values["word_key"]))
    if entry is None:
        entry = ReadingEntry(created_by_id=getattr(user, "id", None), **values)
        db.session.add(entry)
        db.session.flush()
        record(user, "reading.create", "reading", entry.id, after={"word": entry.word, "reading": entry.reading})
    elif entry.reading != values["reading"] or entry.word != values["word"]:
        before = {"word": entry.word, "reading": entry.reading}
        entry.word, entry.reading = values["word"], values["reading"]
        record(user, "reading.update", "reading", entry.id, before=before,
               after={"word": entry.word, "reading": entry.reading})
    return entry


@action
def delete(user, entry: ReadingEntry) -> None:
    record(user, "reading.delete", "reading", entry.id, before={"word": entry.word, "reading": entry.reading})
    db.session.delete(entry)


# The dictionary as pages use it, per process, re-read when a worker sees it changed.
_lock = threading.Lock()
_kept: tuple[tuple, dict[str, str]] = ((), {})


def readings() -> dict[str, str]:
    """{word (NFKC): reading}: one small query per page with furigana (count, last change)."""
    global _kept
    version = tuple(db.session.execute(select(func.count(ReadingEntry.id), func.max(ReadingEntry.updated_at_utc),
                                              func.max(ReadingEntry.id))).one())
    if _kept[0] != version:
        rows = db.session.execute(select(ReadingEntry.word_key, ReadingEntry.reading)).all()
        with _lock:
            _kept = (version, {word: reading for word, reading in rows})
    return _kept[1]
