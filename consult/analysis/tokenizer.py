"""Japanese tokenisation for the text engine: SudachiPy (SplitMode.C) with sudachidict-core.

Why Sudachi: see docs/analysis.md, "Tokeniser". Mode C keeps compounds such as 区役所 and
まちづくり whole, and `normalized_form()` folds spelling variants (引越し → 引っ越し,
まちづくり → 町作り), so one idea is one term however a citizen writes it.
"""

import functools
import importlib.metadata
import re

from consult.core import morphology
from consult.core.text import nfkc

# Parts of speech (first field of Sudachi's POS) that carry content. 形状詞 keeps 不便, 便利, 大変.
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
# Noun subtypes that say nothing about a theme.
_DROP_NOUN_SUBTYPES = frozenset({"数詞"})
_DROP_POS = frozenset({"代名詞"})  # これ, それ, 私 …

# Words every comment uses whatever it is about, checked against both the dictionary form as
# people write it (する) and Sudachi's normalised form (為る), after NFKC. Kept short
# on purpose: TF-IDF already down-weights common words, this list only removes the ones that
# would otherwise crowd the labels.
STOP_WORDS = frozenset(
    {
        "する", "ある", "いる", "なる", "できる", "出来る", "思う", "考える", "言う", "見る", "居る", "有る",
        "こと", "もの", "物", "事", "ため", "為", "よう", "様", "ところ", "所", "とき", "時", "方", "人",
        "の", "ん", "感じる", "欲しい", "ほしい", "いい", "良い", "よい", "無い", "ない", "くれる",
        "貰う", "もらう", "頂く", "いただく", "下さる", "くださる", "おる", "致す", "いたす",
        "くる", "来る", "行く", "いく", "しまう", "みる", "おく", "やる", "さん", "様子", "気",
        "今", "前", "後", "中", "上", "下", "他", "ほか", "等", "など", "的", "さ", "み",
        "為る", "成る", "遣る", "呉れる", "仕舞う", "置く", "分かる", "分る", "本当", "お願い", "宜しい", "よろしい",
    }
)

# Sudachi refuses inputs over ~49 kB; comments longer than this are cut at sentence ends.
_MAX_CHARS = morphology.MAX_CHARS
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")
_ONE_KANA = re.compile(r"^[\u3040-\u30ffー]$")
_NO_LETTER = re.compile(r"^[\W\d_]+$")

_kinds: dict[int, int] = {}  # {POS id: what it does to the term list}, filled as they appear

# What a part of speech does to the term list (decided once per POS id, not per morpheme).
_DROP, _NOUN, _OTHER, _SUFFIX = 0, 1, 2, 3


def _kind(pos: tuple) -> int:
    if pos[0] == "接尾辞" and pos[1] == "名詞的":
        return _SUFFIX
    if pos[1] == "非自立可能" and pos[0] in ("動詞", "形容詞"):  # する, ある, いる, なる, ない, ほしい …
        return _DROP
    if pos[0] not in _CONTENT_POS or pos[1] in _DROP_NOUN_SUBTYPES or pos[0] in _DROP_POS:
        return _DROP
    return _NOUN if pos[0] == "名詞" else _OTHER


def _chunks(text: str):
    if len(text) <= _MAX_CHARS:
        yield text
        return
    chunk = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > _MAX_CHARS:  # one endless sentence: cut it hard
            yield sentence[:_MAX_CHARS]
            sentence = sentence[_MAX_CHARS:]
        if len(chunk) + len(sentence) > _MAX_CHARS:
            yield chunk
            chunk = ""
        chunk += sentence
    if chunk:
        yield chunk


def _keep(term: str) -> bool:
    return bool(term) and term not in STOP_WORDS and not _ONE_KANA.match(term) and not _NO_LETTER.match(term)


def tokenize(text: str) -> list[str]:
    """Content words of `text` in their normalised form, in order (NFKC first)."""
    analyser, dictionary, kinds = morphology.tokenizer("C"), morphology.dictionary(), _kinds
    terms: list[str] = []
    for chunk in _chunks(nfkc(text)):
        previous_noun = False  # a noun suffix (避難 + 所, 利用 + 者) joins the noun before it
        for morpheme in analyser.tokenize(chunk):
            pos_id = morpheme.part_of_speech_id()
            kind = kinds.get(pos_id)
            if kind is None:
                kind = kinds[pos_id] = _kind(dictionary.pos_of(pos_id))
            if kind == _SUFFIX and previous_noun:
                terms[-1] += morpheme.normalized_form()
                continue
            previous_noun = kind == _NOUN
            # The stop list is written as people write (する); _keep checks the normalised form (為る).
            if kind in (_NOUN, _OTHER) and morpheme.dictionary_form() not in STOP_WORDS:
                terms.append(morpheme.normalized_form())
    return [term for term in terms if _keep(term)]


@functools.lru_cache(maxsize=200_000)
def subwords(term: str) -> tuple[str, ...]:
    """The short units (SplitMode.A) inside a compound term: 子育て中 → 子育て; 駐車場 → 駐車.

    The engine adds them as extra features so that comments that write the same idea as
    different compounds (保育所 / 保育園 / 保育料) still share a term. Empty for a simple word.
    """
    parts = [m.normalized_form() for m in morphology.tokenizer("A").tokenize(term)]
    if len(parts) < 2:
        return ()
    return tuple(part for part in parts if len(part) > 1 and part != term and _keep(part))


def package_versions() -> dict[str, str]:
    """Names and versions of what shapes a result, recorded with each run."""
    versions = {}
    for name in ("SudachiPy", "sudachidict-core", "ja_ginza", "numpy", "scikit-learn"):  # ja_ginza: the word vectors
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions
