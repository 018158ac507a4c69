from datetime import date, datetime

import flask_babel
import pytest

from consult.i18n import approximate_date, jst, wareki
from consult.core.text import has_forbidden_characters, nfkc, search_key, visible_length


def test_nfkc_lengths_and_keys():
    assert visible_length("ｶﾞｲﾄﾞ") == 3  # half-width katakana with voiced marks
    assert visible_length("\u3000 ０９６ \n") == 3
    assert nfkc("㈱") == "(株)"
    assert search_key("  区役所　ＡＢＣ ") == "区役所 abc"


def test_forbidden_characters():
    assert has_forbidden_characters("abc\u202edef")  # right-to-left override
    assert has_forbidden_characters("a\x00b")
    assert not has_forbidden_characters("改行\nと\tタブ")


@pytest.mark.parametrize("d, text", [
    (date(2014, 5, 15), "平成26年5月15日（2014年5月15日）"),
    (date(1989, 1, 8), "平成元年1月8日（1989年1月8日）"),
    (date(1989, 1, 7), "昭和64年1月7日（1989年1月7日）"),
    (date(2019, 5, 1), "令和元年5月1日（2019年5月1日）"),
    (date(2025, 4, 1), "令和7年4月1日（2025年4月1日）"),
])
def test_wareki(app, d, text):
    with app.test_request_context("/"):
        assert wareki(d) == text


def test_approximate_and_jst(app):
    with app.test_request_context("/"):
        assert approximate_date(date(2014, 10, 1), "early-mid") == "平成26年10月上旬～中旬（2014年10月上旬～中旬）"
        assert jst(datetime(2014, 10, 1, 15, 30)) == "2014年10月2日 00:30"  # stored UTC, shown JST
    flask_babel.refresh()
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        assert wareki(date(2014, 5, 15)) == "15 May 2014 (Heisei 26)"
        assert approximate_date(date(2014, 6, 21), "late") == "late June 2014 (Heisei 26)"
