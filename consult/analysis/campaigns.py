"""Copy-paste campaigns: groups of comments that are the same text with small changes.

Pure: ``(doc_id, text)`` pairs in, :class:`Campaign` groups out. A campaign is a suggestion for
staff (the comments still count one by one); nothing here drops or merges comments.

How:

1. **Normalise.** NFKC (full-width letters and digits become half-width, half-width kana become
   full-width), case-folded, and every whitespace, punctuation and symbol character dropped, so
   「ご検討ください！」 and 「ご検討 ください!」 are the same text. Texts shorter than
   :data:`MIN_CHARS` characters after this are skipped: 「賛成です」 written by many people is
   agreement, not a campaign, and a short text cannot be told apart from a coincidence.
2. **Shingles.** The set of character 3-grams. Japanese has no spaces, so characters are the
   natural unit; 3-grams rather than 2-grams because bigrams of common kana (「ます」「です」
   「して」) are shared by unrelated answers and would raise their similarity.
3. **Candidates.** A datasketch MinHash (``num_perm`` permutations, seeded) per text, and a
   MinHashLSH index tuned to a threshold 0.2 below the final one, so pairs near the threshold are
   not missed: with 128 permutations that is 18 bands of 7, which makes a pair at Jaccard 0.8 a
   candidate with probability 0.986 (0.998 at 0.85), a pair at 0.5 with 0.13 and unrelated texts
   (≈ 0.1) almost never. (Tuned to 0.65, 16 bands of 8, it would miss 5 % of the pairs at 0.8.) A
   campaign of three or more needs only one found pair per member, so it is all but never split.
   This keeps the work linear in the number of texts rather than quadratic.
4. **Verify.** Every candidate pair is checked with the exact Jaccard similarity of the two
   shingle sets; pairs at or above ``threshold`` are joined, and groups are the connected
   components (union-find), so A~B and B~C put A, B and C together.

Why 0.8 on 3-grams: a 150-character comment has about 148 shingles. Changing one word of three
characters replaces at most five of them (Jaccard ≈ 0.94), so a template with three or four words
changed stays above 0.8, while two independent answers on the same subject share set phrases
(「について」「と思います」) and measure 0.1–0.3. Text with a sentence added or removed (about a
fifth of the text) drops below 0.8: that is a different comment quoting a template, which staff
should read as its own. Near the 10-character floor one changed character already costs more
than 0.2, so only true copies of short texts are grouped.

Identical texts (after normalisation) are grouped first without any hashing, so a campaign of a
thousand exact copies costs one dictionary entry, not half a million comparisons.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

MIN_CHARS = 10
SHINGLE = 3
_DROP = re.compile(r"[\W_]+")  # everything but letters and digits: spaces, punctuation, symbols, controls


@dataclass(frozen=True)
class Campaign:
    members: list  # doc ids, sorted
    representative: object  # the smallest id
    mean_similarity: float  # mean Jaccard of the other members to the representative

    @property
    def size(self) -> int:
        return len(self.members)


def normalise(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def shingles(norm: str) -> np.ndarray:
    """Sorted unique character 3-grams, each packed exactly into one integer (21 bits a character)."""
    cp = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    grams = (cp[:-2] << np.uint64(42)) | (cp[1:-1] << np.uint64(21)) | cp[2:]
    return np.unique(grams)


def _hash32(grams: np.ndarray) -> np.ndarray:
    """A 32-bit mix of the packed 3-grams (splitmix64's finaliser) for MinHash's permutations."""
    with np.errstate(over="ignore"):
        z = grams * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z & np.uint64(0xFFFFFFFF)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def find_near_duplicates(docs: Iterable[tuple[object, str]], threshold: float = 0.8, num_perm: int = 128,
                         seed: int = 1) -> list[Campaign]:
    """Groups of two or more texts whose 3-gram Jaccard similarity is ≥ ``threshold`` (directly or
    through a chain), largest first; ids must be unique and sortable."""
    # Identical normalised texts share one slot; only distinct texts are hashed and compared.
    slot_of: dict[str, int] = {}
    members: list[list] = []
    for doc_id, text in docs:
        norm = normalise(text)
        if len(norm) < MIN_CHARS:
            continue
        slot = slot_of.setdefault(norm, len(members))
        if slot == len(members):
            members.append([])
        members[slot].append(doc_id)
    texts = list(slot_of)  # slot order: dicts keep insertion order

    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=num_perm)
    # The 3-grams are hashed to 32 bits here in numpy; datasketch applies its seeded permutations.
    hashes = MinHash.generator((_hash32(shingles(norm)).tolist() for norm in texts),
                               num_perm=num_perm, seed=seed, hashfunc=int)
    found = _UnionFind(len(texts))
    cache: dict[int, np.ndarray] = {}

    def grams(slot: int) -> np.ndarray:
        if slot not in cache:
            cache[slot] = shingles(texts[slot])
        return cache[slot]

    # Query, then insert: each pair is met once, when its later text arrives, and no MinHash is kept.
    for slot, m in enumerate(hashes):
        for other in lsh.query(m):
            if found.find(other) != found.find(slot) and jaccard(grams(slot), grams(other)) >= threshold:
                found.union(slot, other)
        lsh.insert(slot, m, check_duplication=False)

    components: dict[int, list[int]] = {}
    for slot in range(len(texts)):
        components.setdefault(found.find(slot), []).append(slot)
    campaigns = []
    for slots in components.values():
        ids = sorted(i for s in slots for i in members[s])
        if len(ids) < 2:
            continue
        representative = ids[0]
        rep_slot = next(s for s in slots if representative in members[s])
        sims = [1.0 if s == rep_slot else jaccard(grams(rep_slot), grams(s)) for s in slots for _ in members[s]]
        sims.remove(1.0)  # the representative itself
        campaigns.append(Campaign(ids, representative, round(sum(sims) / len(sims), 4)))
    campaigns.sort(key=lambda c: (-c.size, c.representative))
    return campaigns
