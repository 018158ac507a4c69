"""What goes with a download: its file name, its response (sent as it is made, never cached unless
public) and its line in the audit log."""

from typing import IO, Iterable, Iterator

from flask import Response

from ...audit import record
from ...core.transactions import action
from ...i18n import to_jst, utcnow
from ..filters import ReviewFilter


def filename(stem: str, ext: str) -> str:
    return f"{stem}_{to_jst(utcnow()):%Y%m%d-%H%M}.{ext}"


def file_chunks(fh: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Send an open temporary file in chunks, closing (and so deleting) it at the end."""
    try:
        fh.seek(0)
        while chunk := fh.read(size):
            yield chunk
    finally:
        fh.close()


def download(chunks: Iterable[bytes], name: str, mimetype: str, *, cache_control: str = "no-store") -> Response:
    """A file sent as it is made. The generators need no request context (see rows.py)."""
    response = Response(chunks, content_type=mimetype, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = cache_control
    return response


@action
def record_export(user, what: str, f: ReviewFilter, *, note: str = "", **details) -> None:
    """Each export is in the audit log: who, when, which format and filters. The caller commits."""
    record(user, f"export.{what}", "comment", "", after={"filters": f.as_args(), **details}, note=note)
