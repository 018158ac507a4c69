"""Ruby readings over the kanji of a page: the analyser's readings, the staff's corrections first,
only the kanji of a word covered, and nothing outside the body's text touched."""

import pytest

from consult.core import furigana


def readings_of(html: str) -> list[tuple[str, str]]:
    """(base, reading) of every ruby in `html`."""
    import re

    return re.findall(r'<ruby>([^<]*)<rp>（</rp><rt aria-hidden="true">([^<]*)</rt>', html)


def test_words_get_their_readings_and_kana_are_not_repeated():
    assert readings_of(furigana.ruby_text("区役所等の在り方")) == [
        ("区役所", "くやくしょ"), ("等", "とう"), ("在", "あ"), ("方", "かた")]


def test_staff_readings_win_over_the_analyser_longest_first():
    staff = furigana.entries({"龍田": "たつだ", "龍田出張所": "たつだしゅっちょうじょ"})
    assert readings_of(furigana.ruby_text("龍田と龍田出張所", staff)) == [
        ("龍田", "たつだ"), ("龍田出張所", "たつだしゅっちょうじょ")]
    # without the entry the analyser reads 龍田 as たつた: the correction is what changes it
    assert readings_of(furigana.ruby_text("龍田と"))[0] == ("龍田", "たつた")


def test_a_staff_reading_is_aligned_to_the_kanji_too():
    assert readings_of(furigana.ruby_text("在り方", furigana.entries({"在り方": "ありかた"}))) == [
        ("在", "あ"), ("方", "かた")]


def test_text_is_escaped_and_text_without_kanji_is_left_as_text():
    assert furigana.ruby_text("<b>あ&い</b>") == "&lt;b&gt;あ&amp;い&lt;/b&gt;"
    assert "&lt;script&gt;" in furigana.ruby_text("区民<script>")


def test_the_page_is_changed_only_in_the_text_of_its_body():
    page = ('<!doctype html><html lang="ja"><head><title>区民</title></head><body>'
            '<h1 title="区民">区民の声 &amp; 意見</h1><script>var a = "区民";</script>'
            '<svg><text>区民</text></svg><select><option>中央区</option></select>'
            '<textarea name="body">区民</textarea><input value="区民"><p>窓口</p></body></html>')
    out = furigana.ruby_page(page)
    assert "<title>区民</title>" in out and 'title="区民"' in out and 'var a = "区民";' in out
    assert "<text>区民</text>" in out and "<option>中央区</option>" in out and ">区民</textarea>" in out
    assert 'value="区民"' in out
    assert readings_of(out) == [("区民", "くみん"), ("声", "こえ"), ("意見", "いけん"), ("窓口", "まどぐち")]
    assert " &amp; " in out


@pytest.mark.parametrize("reading, ok", [("たつだ", True), ("タツダ", True), ("たつーだ", True),
                                         ("tatsuda", False), ("竜田", False), ("", False), ("たつ だ", False)])
def test_what_counts_as_a_reading(reading, ok):
    assert furigana.is_reading(reading) is ok


def test_hiragana():
    assert furigana.hiragana("クヤクショ・ヴ") == "くやくしょ・ゔ"
