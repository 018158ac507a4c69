"""Automatic moderation flags: personal data on the NFKC text (full-width digits too), abusive
words, spans mapped back to the original text, and a masked proposal for publication."""

import pytest

from consult.secretariat.abusive_words import ABUSIVE_WORDS
from consult.secretariat.flags import MASK, find_flags, highlight, mask
from consult.core.text import search_key


def kinds(text):
    return [(f.kind, f.text) for f in find_flags(text)]


@pytest.mark.parametrize("text, found", [
    ("電話は０９６－３２８－２１１１です", ("phone", "０９６－３２８－２１１１")),  # full-width digits and hyphens
    ("携帯 090 1234 5678 まで", ("phone", "090 1234 5678")),
    ("（096）328-2111", ("phone", "（096）328-2111")),
    ("+81-96-328-2111", ("phone", "+81-96-328-2111")),
    ("0963282111に電話", ("phone", "0963282111")),
    ("090ー1234ー5678", ("phone", "090ー1234ー5678")),  # the long vowel mark typed as a hyphen
    ("連絡は ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ へ", ("email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ")),
    ("Taro.Yamada@Example.co.jp", ("email", "Taro.Yamada@Example.co.jp")),
    ("〒８６０－８６０１", ("postal", "〒８６０－８６０１")),
    ("〒860-8601", ("postal", "〒860-8601")),
    ("郵便番号 862-0950 です", ("postal", "862-0950")),
    ("水前寺6丁目18番1号に住んでいます", ("address", "6丁目18番1号")),
    ("手取本町１番１号", ("address", "１番１号")),
    ("五丁目の角", ("address", "五丁目")),
    ("字大江3番地の2", ("address", "3番地の2")),
    ("東区月出1-2-3", ("address", "1-2-3")),
])
def test_personal_data_is_flagged(text, found):
    assert found in kinds(text)


@pytest.mark.parametrize("text", [
    "平成26年10月4日に参加しました", "2014-10-04 の会", "10時から17時まで開いてほしい", "第5回検討会",
    "区役所は3か所", "予算は20,000千円です", "少しね、不便です", "ところすごく良い", "ばかりではない",
])
def test_ordinary_text_is_not_flagged(text):
    assert kinds(text) == []


@pytest.mark.parametrize("text, word", [
    ("職員はバカだ", "バカ"), ("ﾊﾞｶじゃないの", "ﾊﾞｶ"), ("税金泥棒！", "税金泥棒"), ("死ね", "死ね"),
    ("ＦＵＣＫ", "ＦＵＣＫ"),
])
def test_abusive_words_are_flagged_in_any_width(text, word):
    assert ("abusive", word) in kinds(text)


def test_the_word_list_is_written_as_search_keys():
    # Entries must be in the form matching sees (NFKC, case-folded), or they would never match.
    assert all(search_key(w) == w for w in ABUSIVE_WORDS)


def test_spans_point_into_the_original_text():
    text = "㈱の件。ﾃﾞﾝﾜは０９６－３２８－２１１１、ﾊﾞｶ"
    for flag in find_flags(text):
        assert text[flag.start:flag.end] == flag.text


def test_mask_replaces_personal_data_only():
    text = "〒860-8601 手取本町1番1号、電話096-328-2111。職員はバカ"
    assert mask(text) == f"{MASK} 手取本町{MASK}、電話{MASK}。職員はバカ"


def test_highlight_escapes_and_names_the_kind():
    text = "<b>090-1234-5678</b>"
    html = str(highlight(text, find_flags(text)))
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<mark class="flag flag--phone">090-1234-5678' in html and "電話番号らしき記載" in html


# --- names the morphological analyser tags (名詞,固有名詞,人名) -------------------------------------

@pytest.mark.parametrize("text, found", [
    ("窓口で山田太郎に対応してもらった。", [("name", "山田太郎")]),  # a full name, no honorific
    ("田中が言うには、中央区の駐車場は狭い。", [("name", "田中")]),  # a surname alone
    ("佐藤花子です。電話は096-328-2111", [("name", "佐藤花子"), ("phone", "096-328-2111")]),
    ("ｻﾄｳさんではなく佐藤花子です", [("name", "ｻﾄｳさん"), ("name", "佐藤花子")]),  # half-width kana, NFKC
])
def test_person_names_from_the_analyser(text, found):
    assert kinds(text) == found


@pytest.mark.parametrize("text", [
    "森都心プラザで手続きをした。",  # 森 is a surname too: one character alone is not reported
    "清水の出張所と水前寺の公園",  # places of the city the dictionary also has as surnames
    "区役所の在り方について、区民として意見します。",
    "中央区と東区の窓口",
])
def test_places_and_words_are_not_names(text):
    assert [k for k in kinds(text) if k[0] == "name"] == []


def test_an_analysed_name_is_masked_in_the_proposed_text():
    text = "先日、木村一郎が窓口で怒鳴っていた。"
    assert mask(text) == "先日、＊＊＊が窓口で怒鳴っていた。"
    assert text == "先日、木村一郎が窓口で怒鳴っていた。"  # the original is never changed
