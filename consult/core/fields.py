"""Reading submitted values: text with limits, dates and times in JST, whole numbers.

Each reader takes the submitted mapping (a form, a JSON body or the parsed rows of an import) and a
dict of errors; it returns the cleaned value and adds a translated message under the field's name when
the value is refused. Nothing here touches the request.
"""

import re
from datetime import date, datetime, timezone
from typing import Mapping

from flask_babel import lazy_gettext as _l

from ..edge import parse_int
from ..i18n import JST, to_jst
from .text import has_forbidden_characters, nfkc, normalise_newlines, visible_length

ANCHOR_RE = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


def raw(data: Mapping, name: str) -> str:
    """A submitted value as text; absent, a list or a number (JSON) count as empty."""
    value = data.get(name)
    return value if isinstance(value, str) else ""


def add(errors: dict, name: str, message) -> None:
    errors.setdefault(name, []).append(message)


def string(data: Mapping, name: str, errors: dict) -> str:
    """A text value as given; absent is "", a number or a list (JSON) is an error of its own."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        add(errors, name, _l("文字列で指定してください。"))
        return ""
    return value


def text(data: Mapping, name: str, errors: dict, *, label, max_len: int, required: bool = False,
         single_line: bool = False) -> str:
    value = normalise_newlines(raw(data, name))
    if single_line:
        value = value.replace("\n", " ")
    value = value.strip()
    length = visible_length(value)
    if required and length == 0:
        add(errors, name, _l("%(field)sを入力してください。", field=label))
    elif length > max_len:
        add(errors, name, _l("%(field)sは%(max)d文字以内にしてください（現在%(count)d文字）。",
                             field=label, max=max_len, count=length))
    elif has_forbidden_characters(value):
        add(errors, name, _l("%(field)sに使えない制御文字が含まれています。", field=label))
    return value


def identifier(data: Mapping, name: str, errors: dict, *, label) -> str:
    """An optional anchor or key: lower-case ASCII letters, digits and hyphens, starting with a letter."""
    value = nfkc(raw(data, name)).strip()
    if value and not ANCHOR_RE.match(value):
        add(errors, name, _l("%(field)sは半角の英小文字で始め、英小文字・数字・ハイフンだけで64文字以内にしてください（例：new-issues）。",
                             field=label))
    return value


def parse_date(value: str) -> date | None:
    value = nfkc(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None


def day(data: Mapping, name: str, errors: dict, *, label, required: bool = False) -> date | None:
    value = raw(data, name).strip()
    if not value:
        if required:
            add(errors, name, _l("%(field)sを入力してください。", field=label))
        return None
    parsed = parse_date(value)
    if parsed is None or parsed.year < 1927:
        add(errors, name, _l("%(field)sは 2014-10-21 のように年-月-日で入力してください。", field=label))
        return None
    return parsed


def parse_jst(value: str) -> datetime | None:
    """'2014-10-31T17:00' or '2014/10/31 17:00' in JST → naive UTC; None when unreadable."""
    value = nfkc(value or "").strip().replace("T", " ").replace("/", "-")
    value = re.sub(r"\s+", " ", value)
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            local = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if local.year < 1927:
            return None
        return local.replace(tzinfo=JST).astimezone(timezone.utc).replace(tzinfo=None)
    return None


def moment(data: Mapping, name: str, errors: dict, *, label, required: bool = False) -> datetime | None:
    value = raw(data, name).strip()
    if not value:
        if required:
            add(errors, name, _l("%(field)sを入力してください。", field=label))
        return None
    parsed = parse_jst(value)
    if parsed is None:
        add(errors, name, _l("%(field)sは 2014-10-31 17:00 のように日付と時刻（日本時間）で入力してください。",
                             field=label))
    return parsed


def jst_input(dt: datetime | None) -> str:
    """Naive UTC → the value of a datetime-local input, in JST."""
    return to_jst(dt).strftime("%Y-%m-%dT%H:%M") if dt is not None else ""


def whole_number(data: Mapping, name: str, errors: dict, *, label, low: int, high: int,
                 required: bool = False) -> int | None:
    value = re.sub(r"[\s,，人]", "", nfkc(raw(data, name)))
    if not value:
        if required:
            add(errors, name, _l("%(field)sを入力してください。", field=label))
        return None
    number = parse_int(value, low, high)
    if number is None:
        add(errors, name, _l("%(field)sは%(low)s以上%(high)s以下の整数で入力してください。",
                             field=label, low=f"{low:,}", high=f"{high:,}"))
    return number


def checkbox(data: Mapping, name: str) -> bool:
    return raw(data, name) in ("1", "on", "yes", "true")
