"""The process's Japanese morphological analyser (SudachiPy with sudachidict-core), for every area.

The text engine tokenises with it (consult.analysis.tokenizer), moderation finds personal names
with its part-of-speech tags (below). One dictionary per process (memory-mapped, ~0.2 s to open);
one tokenizer per thread and mode, because a Sudachi tokenizer must not be used by two threads at
once and gunicorn serves with threads.
"""

import threading
from dataclasses import dataclass

from sudachipy import Dictionary, SplitMode

# Sudachi refuses inputs over ~49 kB; callers cut longer texts (see consult.analysis.tokenizer).
MAX_CHARS = 4000

_lock = threading.Lock()
_dictionary = None
_local = threading.local()


def dictionary() -> Dictionary:
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
    return _dictionary


def tokenizer(mode: str = "C"):
    """This thread's tokenizer for split mode "A" (shortest units) or "C" (whole compounds)."""
    made = getattr(_local, "tokenizers", None)
    if made is None:
        made = _local.tokenizers = {}
    if mode not in made:
        made[mode] = dictionary().create(mode=getattr(SplitMode, mode))
    return made[mode]


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int


def person_names(text: str) -> list[NameSpan]:
    """Spans of `text` that Sudachi tags as people's names (名詞,固有名詞,人名).

    A surname followed by a given name (山田太郎) is one span; a surname of two or more
    characters alone (田中が言うには) is a span. One-character surnames alone (森, 林) and given
    names alone are too often ordinary words (森都心, 明) and are not reported: a name with an
    honorific (森さん, 明さん) is found by the honorific rule in consult.secretariat.flags.
    Offsets are into `text` as given (the caller normalises first); texts longer than MAX_CHARS
    are read in pieces.
    """
    spans: list[NameSpan] = []
    for offset in range(0, len(text), MAX_CHARS):
        piece = text[offset:offset + MAX_CHARS]
        surname: tuple[int, int] | None = None  # a surname just read, waiting for a given name
        for morpheme in tokenizer("C").tokenize(piece):
            pos = morpheme.part_of_speech()
            part = pos[3] if pos[1] == "固有名詞" and pos[2] == "人名" else None
            if part == "名" and surname is not None:  # 山田太郎, 森太郎: a full name
                spans.append(NameSpan(offset + surname[0], offset + morpheme.end()))
                surname = None
                continue
            if surname is not None and surname[1] - surname[0] >= 2:
                spans.append(NameSpan(offset + surname[0], offset + surname[1]))
            surname = (morpheme.begin(), morpheme.end()) if part == "姓" else None
        if surname is not None and surname[1] - surname[0] >= 2:
            spans.append(NameSpan(offset + surname[0], offset + surname[1]))
    return spans
