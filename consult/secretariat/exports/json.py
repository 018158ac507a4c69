"""The JSON export: {"generated_at", "filters", "comments": [...]}, written one comment at a time."""

import json
from datetime import datetime
from typing import Any, Iterable, Iterator

from ...i18n import to_jst, utcnow
from ..filters import ReviewFilter
from .rows import CHUNK_ROWS, PROGRESS_ROWS, Cells, comment_columns, comment_rows, jst, plan


class RecordCells(Cells):
    """Plain values for JSON: labels as they are, datetimes in JST."""
    finish = staticmethod(lambda v: v)
    text = staticmethod(lambda v: v or "")
    datetime = staticmethod(jst)
    count = staticmethod(lambda v: v or 0)
    flag = staticmethod(bool)
    number = staticmethod(lambda v: v)


def comment_records(f: ReviewFilter, *, chunk: int = CHUNK_ROWS) -> Iterator[dict[str, Any]]:
    """Every matching comment as a dict of display values (id first), in the order received."""
    keys = ["id", *(k for k, _ in comment_columns())]
    lk, rows = comment_rows(f, chunk)
    converters = plan(lk, keys, RecordCells)
    return ({k: convert(r[i]) for k, (i, convert) in zip(keys, converters)} for r in rows)


def comments_json(f: ReviewFilter, *, progress=None) -> Iterator[bytes]:
    head = {"generated_at": to_jst(utcnow()).isoformat(), "filters": f.as_args()}
    return _json_chunks(head, comment_records(f), progress)


def _json_chunks(head: dict, records: Iterable[dict], progress) -> Iterator[bytes]:
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": [\n').encode()
    n = 0
    for rec in records:
        rec = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in rec.items()}
        yield ((",\n" if n else "") + json.dumps(rec, ensure_ascii=False)).encode()
        n += 1
        if progress and n % PROGRESS_ROWS == 0:
            progress(n)
    yield b"\n]}\n"
    if progress:
        progress(n)
