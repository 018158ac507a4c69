"""The review document as a 資料: a cover, figures that state their source and date (and staff are told
on screen when the population does not fit the document's date), charts and intervals that say what
they show, no note to staff in what is printed, and a workbook with the same tables."""

import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from consult.consultation.models import Ward
from consult.extensions import db

DOCUMENT = "/staff/c/kumamoto-ward-offices-h26/review/document"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "80", "--comments", "120", "--votes", "400",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output


def _article(html: str) -> str:
    return html.split('<article class="document"')[1].split("</article>")[0]


def test_the_cover_stands_alone_with_the_contents(staff):
    client, _ = staff("secretariat")
    html = client.get(DOCUMENT + "?made_on=2014-10-20&number=資料2").get_data(as_text=True)
    cover = html.split('class="document__head document__cover"')[1].split("</header>")[0]
    assert "第5回" in cover and "資料2" in cover and "平成26年10月20日" in cover and "事務局作成" in cover
    contents = cover.split('class="document__contents"')[1]
    for number in (1, 2, 3, 4):
        assert f'href="#doc-t{number}"' in contents
    assert 'href="#doc-intro-h"' in contents
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert re.search(r"\.document__cover \{[^}]*break-after: page", css)
    # Headings stay with what follows them; no forced page per topic (it left pages half empty).
    assert re.search(r"\.document h2, \.document h3[^{]*\{ break-after: avoid", css)
    assert not re.search(r"\.document__topic \{[^}]*break-before: page", css)


def test_the_population_states_its_source_and_date_and_the_seed_holds_no_staff_note(staff):
    client, _ = staff("secretariat")
    article = _article(client.get(DOCUMENT + "?made_on=2014-10-20").get_data(as_text=True))
    assert "人口：" in article and "熊本市推計人口" in article and "平成26年10月1日" in article
    assert "置き換えて" not in article and "国勢調査" not in article
    assert "平成27年" not in article  # nothing from after the document's date


@pytest.mark.parametrize("as_of, made_on, message", [
    (date(2015, 10, 1), "2014-10-20", "より後です"),
    (date(2010, 10, 1), "2016-01-05", "5年以上前です"),
])
def test_staff_are_told_on_screen_when_the_population_does_not_fit_the_date(staff, as_of, made_on, message):
    client, _ = staff("secretariat")
    db.session.execute(update(Ward).values(population_as_of=as_of))
    db.session.commit()
    html = client.get(DOCUMENT + f"?made_on={made_on}").get_data(as_text=True)
    screen = html.split('<article class="document"')[0]
    assert message in screen and '/kumamoto-ward-offices-h26/wards"' in screen  # the wards' editor
    assert message not in _article(html)  # not printed


def test_a_population_of_the_document_s_time_gives_no_warning(staff):
    client, _ = staff("secretariat")
    html = client.get(DOCUMENT + "?made_on=2014-10-20").get_data(as_text=True)
    assert "より後です" not in html and "年以上前です" not in html


def test_charts_and_intervals_say_what_they_show(staff, demo):
    client, _ = staff("secretariat")
    article = _article(client.get(DOCUMENT + "?made_on=2014-10-20").get_data(as_text=True))
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", article)
    assert len(captions) >= 1 + 2 * 4  # the wards' chart, then two per topic
    assert all("横軸" in c and ("件" in c or "%" in c) for c in captions), captions
    # The second line under 全体 (the interval) is labelled where it starts.
    totals = re.findall(r"<tfoot><tr><th scope=\"row\">全体(.*?)</th>", article)
    assert totals and all("95%信頼区間" in t for t in totals)


class _Tables(HTMLParser):
    """The document's tables as rows of cell texts, each with its caption."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row, self._in_caption = [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def _counts(cells: list[str]) -> list[int]:
    """The counts of a printed row: 「8（100.0%）」 gives 8; shares and intervals are left out."""
    found = []
    for cell in cells:
        cell = re.sub(r"（[^）]*%）|\d+(\.\d+)?[–-]\d+(\.\d+)?%|\d+\.\d+%?", "", cell)
        found += [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", cell)]
    return found


def _in_order(wanted: list[int], values: list[int]) -> bool:
    """Whether ``wanted`` appears in ``values`` in that order (the workbook may add columns, such as
    the wards' populations, that the printed table leaves out)."""
    it = iter(values)
    return all(any(v == w for v in it) for w in wanted)


def test_the_workbook_holds_every_table_of_the_document(staff, demo):
    client, _ = staff("secretariat")
    html = client.get(DOCUMENT + "?made_on=2014-10-20").get_data(as_text=True)
    parser = _Tables()
    parser.feed(_article(html))
    book = load_workbook(io.BytesIO(client.get(DOCUMENT + ".xlsx?made_on=2014-10-20").data))
    sheets = {ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    every_row = [row for rows in sheets.values() for row in rows]
    checked = 0
    for table in parser.tables:
        header = table["rows"][0]
        for cells in table["rows"][1:]:
            label, counts = cells[0], _counts(cells[1:])
            if not counts or label.isdigit():  # group rows are numbered: matched by their title below
                continue
            label = label.split("95%")[0]  # 全体 and its interval line
            matches = [row for row in every_row if row and str(row[0]) == label
                       and _in_order(counts, [v for v in row[1:] if isinstance(v, int)])]
            assert matches, (table["caption"], header, cells)
            checked += 1
    assert checked > 60
    # The groups' table and the quotes: every group title's count and every quote with its ward.
    for topic in range(1, 5):
        rows = sheets[f"審議事項{topic}"]
        assert any(row[0] == "グループに分類していないご意見" for row in rows)
    quotes = re.findall(r'<blockquote lang="ja"><p>(.*?)</p></blockquote><p class="doc-quote-meta">（(.*?)・', _article(html))
    assert quotes
    for text, ward in quotes:
        assert any(row[0] == text.replace("&#34;", '"') and row[1] == ward for row in every_row), text
    overview = {row[0]: row[1] for row in sheets["概要"] if row and row[0]}
    assert overview["人口の出典"].startswith("熊本市推計人口") and "平成26年10月1日" in overview["人口の出典"]
    assert "件名" in overview


def test_a_ward_without_population_prints_no_source_line(staff):
    client, _ = staff("secretariat")
    db.session.execute(update(Ward).values(population=None, population_source="", population_as_of=None))
    db.session.commit()
    html = client.get(DOCUMENT + "?made_on=2014-10-20").get_data(as_text=True)
    assert "人口：" not in _article(html) and "より後です" not in html
    assert db.session.scalar(select(Ward.population_source).limit(1)) == ""
