"""The review document printed by Chromium to PDF, as the secretariat hands it to the 審議会: A4
portrait, a cover of its own, numbered pages, no heading left at the foot of a page and no page
left nearly empty — checked on the pages converted to images (poppler's pdftoppm) and on their text."""

import io
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from consult.auth.services import create_user
from tests.browser.staff import PASSWORD, sign_in
from tests.browser.test_secretariat_flow import _pdf_text

DOCUMENT = "/staff/c/kumamoto-ward-offices-h26/review/document?made_on=2014-10-20&number=資料2"
A4_POINTS = (595, 842)  # 210 × 297 mm
MIN_FILLED = 0.4  # the share of a page's text area a page before the last must at least reach
DPI = 40


@pytest.fixture
def printed(app, runner, server, desktop):
    """The demo consultation as `make run` fills it, printed by the secretariat."""
    result = runner.invoke(args=["demo-data", "--no-staff"])
    assert result.exit_code == 0, result.output
    create_user("secretariat@example.jp", "secretariat", PASSWORD)
    sign_in(desktop, server, "secretariat@example.jp")
    desktop.goto(server + DOCUMENT)
    headings = desktop.locator(".document h2, .document h3").all_inner_texts()
    return desktop.pdf(format="A4", prefer_css_page_size=True, print_background=True), headings


def _filled(pdf: bytes, tmp_path) -> list[float]:
    """Each page rendered to a grey image: how far down its text area the ink reaches (0–1)."""
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: .ci/run must install poppler-utils")
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(source), str(tmp_path / "page")], check=True)
    shares = []
    for image in sorted(tmp_path.glob("page-*.pgm")):
        data = image.read_bytes()
        magic, width, height, _depth, pixels = data.split(maxsplit=4)
        assert magic == b"P5"
        rows = np.frombuffer(pixels, dtype=np.uint8)[: int(width) * int(height)].reshape(int(height), int(width))
        # The text area of the print stylesheet's @page: 18 mm above and below (the number sits below).
        top, bottom = round(int(height) * 18 / 297), round(int(height) * (297 - 18) / 297)
        inked = np.nonzero((rows[top:bottom] < 160).any(axis=1))[0]
        shares.append(0.0 if inked.size == 0 else (inked[-1] + 1) / (bottom - top))
    return shares


def test_the_printed_document_is_a_shiryou(printed, tmp_path):
    from pypdf import PdfReader

    pdf, headings = printed
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 5
    for page in reader.pages:  # A4 portrait
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS
    texts = [page.extract_text() or "" for page in reader.pages]
    flat = [_pdf_text(t) for t in texts]

    # The cover stands alone: the meeting, 資料番号, title, contents and the chosen date; no number.
    cover = flat[0]
    for expected in ("第5回", "資料2", "区役所等の在り方に関する市民意見の集計結果", "目次", "平成26年10月20日", "事務局作成"):
        assert _pdf_text(expected) in cover, expected
    assert _pdf_text("経路別の件数") not in cover and not re.search(r"-\d+-", cover)
    assert _pdf_text("経路別の件数") in flat[1]  # the overview opens page 2
    # Every other page numbered 「- n -」 at its foot.
    assert all(f"-{n}-" in text for n, text in enumerate(flat[1:], 2)), [t[-12:] for t in flat]

    # No heading ends a page: the last line of each page (its number set aside) is not a heading.
    heads = {_pdf_text(h) for h in headings}
    for n, text in enumerate(texts, 1):
        lines = [_pdf_text(line) for line in text.splitlines()]
        lines = [line for line in lines if line and not re.fullmatch(r"-\d+-", line)]
        assert lines and not any(h.endswith(lines[-1]) for h in heads), (n, lines[-1])

    # No page before the last left nearly empty.
    filled = _filled(pdf, tmp_path)
    assert len(filled) == len(reader.pages)
    assert all(share >= MIN_FILLED for share in filled[:-1]), [round(s, 2) for s in filled]

    # Nothing meant for staff is printed.
    whole = "".join(flat)
    for note in ("置き換えて", "確認待ちの提案グループ", "資料の表紙", "直してください", "Excel"):
        assert _pdf_text(note) not in whole, note
    assert _pdf_text("熊本市推計人口") in whole and _pdf_text("平成26年10月1日") in whole
