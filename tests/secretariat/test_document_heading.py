"""The review document's head as staff choose it: the date it bears (in 和暦 of that date, not the
machine's clock) and its 資料番号, on the page and in the workbook; a wrong value is refused."""

import io

from openpyxl import load_workbook

DOCUMENT = "/staff/c/kumamoto-ward-offices-h26/review/document"


def test_the_chosen_date_and_number_are_printed(staff):
    client, _ = staff("secretariat")
    html = client.get(DOCUMENT + "?made_on=2014-10-20&number=資料2").get_data(as_text=True)
    head = html.split('class="document__head')[1].split("</header>")[0]
    assert "平成26年10月20日" in head and "令和" not in head
    assert '<span lang="ja">資料2</span>' in head
    # Without a choice: today, and the plain label.
    plain = client.get(DOCUMENT).get_data(as_text=True).split('class="document__head')[1].split("</header>")[0]
    assert "令和" in plain and ">資料<" in plain


def test_the_workbook_carries_the_same_head(staff):
    client, _ = staff("secretariat")
    response = client.get(DOCUMENT + ".xlsx?made_on=2014-10-20&number=資料2")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["資料番号"] == "資料2" and rows["作成日"].startswith("平成26年10月20日")


def test_a_wrong_date_or_number_is_refused_and_kept(staff):
    client, _ = staff("secretariat")
    for query, message in [("made_on=2014-02-30", "年-月-日で入力してください"),
                           ("made_on=1980-01-01", "平成元年"),
                           ("number=" + "資" * 21, "20文字以内")]:
        response = client.get(DOCUMENT + "?" + query)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page, query
        assert 'aria-invalid="true"' in page
        assert client.get(DOCUMENT + ".xlsx?" + query).status_code == 422
