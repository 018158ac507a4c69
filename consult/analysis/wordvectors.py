"""Japanese word vectors that ship inside a package: chiVe's, as GiNZA's ja_ginza wheel carries them.

chiVe (Works Applications, Apache-2.0) is word2vec trained on a web corpus of Japanese tokenised by
Sudachi, so its keys are the normalised forms our tokenizer produces (6 % of the words of
themes.csv are not in it). ja_ginza (MIT) keeps 480,443 words mapped onto 20,000 vectors of 300
dimensions in spaCy's on-disk layout. We read those files directly: importing spaCy costs 0.7 s
and 100 MB and we need none of its pipeline. Nothing is downloaded: the files are in the wheel
that `make run` installs.

Why vectors at all: short comments share few words (「駐車場が狭い」 and 「車を停める所が足りない」
share none), and TF-IDF cannot see that they say the same; the average of their words' vectors can.
On themes.csv, TF-IDF/SVD reached ARI 0.50; with these vectors beside it, see docs/analysis.md.
"""

import functools
import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
import srsly

PACKAGE = "ja_ginza"
DIMENSIONS = 300
_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy keys its vectors with (seed 1, UTF-8 bytes of the word)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    blocks = len(data) // 8
    for i in range(blocks):
        k = int.from_bytes(data[8 * i : 8 * i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[8 * blocks :]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def _vocab_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # finds the folder without importing (spaCy) it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed: run `make setup`")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob(f"{PACKAGE}-*/vocab"))
    if not found:
        raise RuntimeError(f"{PACKAGE} has no vocab folder")
    return found[-1]


class WordVectors:
    """word → 300-dimension vector, or None for a word chiVe does not know."""

    def __init__(self, vocab: Path):
        self.table = np.load(vocab / "vectors", allow_pickle=False)  # 20,000 × 300 float32
        key2row = srsly.read_msgpack(vocab / "key2row")
        keys = np.fromiter(key2row.keys(), dtype=np.uint64, count=len(key2row))
        rows = np.fromiter(key2row.values(), dtype=np.int64, count=len(key2row))
        order = np.argsort(keys)
        self._keys, self._rows = keys[order], rows[order]

    def rows(self, words) -> np.ndarray:
        """The table row of each word, −1 where it is unknown."""
        hashes = np.fromiter((murmurhash64a(w.encode("utf-8")) for w in words), dtype=np.uint64)
        where = np.searchsorted(self._keys, hashes)
        where = np.minimum(where, len(self._keys) - 1)
        found = self._keys[where] == hashes
        return np.where(found, self._rows[where], -1)


@functools.cache
def load() -> WordVectors:
    """Loaded once per process (0.3 s, 35 MB)."""
    return WordVectors(_vocab_dir())


def version() -> str:
    return importlib.metadata.version(PACKAGE)
