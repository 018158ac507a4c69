"""Japanese text rules: NFKC for lengths, keys and matching; the original is always kept."""

import re
import unicodedata

# C0/C1 control characters other than tab and newline, and the bidi overrides that can make
# a comment display differently from what is stored.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def visible_length(text: str) -> int:
    """The length a person means: NFKC-normalised, surrounding whitespace trimmed."""
    return len(nfkc(text).strip())


def has_forbidden_characters(text: str) -> bool:
    return bool(_FORBIDDEN.search(text))


def search_key(text: str) -> str:
    """A key for matching and search: NFKC, case-folded, whitespace collapsed."""
    return re.sub(r"\s+", " ", nfkc(text)).strip().casefold()
