"""chiVe's vectors read from the ja_ginza wheel without spaCy: the keys must be spaCy's own hashes."""

import numpy as np
import pytest

from consult.analysis import wordvectors


@pytest.mark.parametrize("word", ["", "a", "abcdefgh", "abcdefghi", "窓口", "区役所等の在り方に関する検討会", "👍"])
def test_our_hash_is_spacys(word):
    strings = pytest.importorskip("spacy.strings")  # installed with ja_ginza; imported only here
    assert wordvectors.murmurhash64a(word.encode("utf-8")) == strings.hash_string(word)


def test_known_words_have_vectors_and_related_words_are_closer():
    vectors = wordvectors.load()
    rows = vectors.rows(["駐車場", "駐輪", "保育園", "子育て", "ぬるぽがっ"])
    assert rows[4] == -1 and (rows[:4] >= 0).all()
    park, bikes, nursery, childcare = (vectors.table[r] / np.linalg.norm(vectors.table[r]) for r in rows[:4])
    assert park @ bikes > park @ nursery + 0.3
    assert nursery @ childcare > nursery @ bikes + 0.2
