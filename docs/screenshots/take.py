"""Screenshots of the main pages at phone and desktop sizes, for the README (`make screenshots`).

Builds a throw-away SQLite database the way `make run` does (migrations, seed, demo data) plus a
few workshops with notes and opinion groups (bench/populate.py, small), serves it with gunicorn on
loopback, and photographs it with Debian's Chromium through Playwright: phone (390 px) and desktop
(1280 px) pages, the projector on a 1920×1080 screen, and the review document's printed pages (its
PDF from Chromium, turned into images by poppler's pdftoppm). Nothing is fetched: the browser is
/usr/bin/chromium (CHROMIUM overrides it). Writes docs/screenshots/*.png.
"""

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.served import serve  # noqa: E402

OUT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
DOCUMENT = "/staff/c/kumamoto-ward-offices-h26/review/document?made_on=2014-10-20&number=資料2"
DOCUMENT_PAGES = (1, 2, 3)  # the cover, the overview, the first topic
STAFF = "screenshots@example.jp"


def flask(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "consult", *args],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def build(path: Path, password: str) -> str:
    url = f"sqlite:///{path}"
    print("screenshots: building a demo database", file=sys.stderr)
    flask(url, "db", "upgrade")
    flask(url, "seed")
    flask(url, "demo-data", "--no-staff")
    subprocess.run([sys.executable, str(ROOT / "bench" / "populate.py"), "--workshops", "5", "--notes", "40",
                    "--seats", "12", "--open", "1", "--groups", "3"],
                   cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True, stderr=subprocess.DEVNULL)
    flask(url, "users", "create", STAFF, "--role", "secretariat", "--password", password)
    flask(url, "analysis", "run", "kumamoto-ward-offices-h26")  # run 1: the suggested groups from text
    return url


def open_workshop(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, join_code FROM workshop WHERE join_code IS NOT NULL "
                          "AND state = 'open' ORDER BY id LIMIT 1").fetchone()


def publish_pubcom(path: Path) -> None:
    """The seed's public comment with its result published: one answered group on 第6章 1 2) ②
    holding the demo opinions on it, and ② revised as answered (so the marked change shows)."""
    with sqlite3.connect(path) as db:
        (cid,) = db.execute("SELECT id FROM consultation WHERE kind = 'pubcom'").fetchone()
        (tid,) = db.execute("SELECT id FROM topic WHERE consultation_id = ?", (cid,)).fetchone()
        sid, body = db.execute("SELECT s.id, r.body FROM section s JOIN section_revision r ON r.section_id = s.id "
                               "WHERE s.topic_id = ? AND s.anchor = 'ch6-1-2-2'", (tid,)).fetchone()
        db.execute("INSERT INTO opinion_group (topic_id, section_id, title, summary, answer, response_category, "
                   "state, position, created_at_utc, updated_at_utc) VALUES (?, ?, '合意形成の進め方', "
                   "'合意形成の手順と話し合いの場を求めるご意見です。（デモ）', "
                   "'話し合いの場を設けることを条文に加えます。（デモ）', 'partly', 'confirmed', 0, "
                   "datetime('now'), datetime('now'))", (tid, sid))
        gid = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        db.execute("UPDATE comment SET opinion_group_id = ? WHERE topic_id = ? AND is_demo = 1", (gid, tid))
        db.execute("INSERT INTO section_revision (section_id, number, heading, body, note, created_at_utc) "
                   "VALUES (?, 2, '', ?, '意見を受けて修正（デモ）', datetime('now'))",
                   (sid, body.replace("合意形成に努める", "話し合いの場を設けて合意形成に努める")))
        db.execute("UPDATE consultation SET phase = 'published', results_published_at_utc = datetime('now') "
                   "WHERE id = ?", (cid,))


def main() -> None:
    from playwright.sync_api import sync_playwright

    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screenshots.sqlite"
        url = build(path, password)
        workshop_id, code = open_workshop(path)
        publish_pubcom(path)
        with serve(url, workers=2, threads=4) as port, sync_playwright() as p:
            base = f"http://127.0.0.1:{port}"
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

            phone = browser.new_context(**PHONE, locale="ja-JP").new_page()
            for name, target in [("phone-home", "/c/kumamoto-ward-offices-h26/"), ("phone-topic", "/c/kumamoto-ward-offices-h26/topics/counters"),
                                 ("phone-comment", "/c/kumamoto-ward-offices-h26/topics/counters/comment"),
                                 ("phone-pubcom-document", "/c/jichi-kihon-jorei-h26/topics/document#ch6-1-2-2"),
                                 ("phone-pubcom-result", "/c/jichi-kihon-jorei-h26/results"),
                                 ("phone-budgets", "/reference/budgets#chuo"),
                                 ("phone-other-cities", "/reference/other-cities")]:
                shoot(phone, base + target, name)
            phone.goto(f"{base}/furigana?on=1&next=/c/kumamoto-ward-offices-h26/topics/roles")
            shoot(phone, None, "phone-furigana")
            phone.goto(f"{base}/furigana?on=0")
            phone.goto(f"{base}/w/{code}")
            phone.locator("input[name=table]").first.check()
            phone.get_by_role("button", name="参加する").click()
            phone.wait_for_load_state()
            shoot(phone, None, "phone-workshop")

            desktop = browser.new_context(**DESKTOP, locale="ja-JP").new_page()
            for name, target in [("desktop-consultations", "/?all=1"), ("desktop-home", "/c/kumamoto-ward-offices-h26/"),
                                 ("desktop-topic", "/c/kumamoto-ward-offices-h26/topics/roles"), ("desktop-budgets", "/reference/budgets"),
                                 ("desktop-pubcom-document", "/c/jichi-kihon-jorei-h26/topics/document"),
                                 ("desktop-pubcom-result", "/c/jichi-kihon-jorei-h26/results")]:
                shoot(desktop, base + target, name)
            sign_in(desktop, base, password)
            for name, target in [("desktop-dashboard", "/staff/c/kumamoto-ward-offices-h26/review#matrix-h"),
                                 ("desktop-review-document", "/staff/c/kumamoto-ward-offices-h26/review/document"),
                                 ("desktop-pubcom-register", "/staff/c/jichi-kihon-jorei-h26/register/new"),
                                 ("desktop-analysis", "/staff/c/kumamoto-ward-offices-h26/analysis/1#map")]:
                shoot(desktop, base + target, name)
            document_pages(desktop, base + DOCUMENT)

            projector = browser.new_context(**PROJECTOR, locale="ja-JP").new_page()
            sign_in(projector, base, password)
            shoot(projector, f"{base}/staff/c/kumamoto-ward-offices-h26/workshops/{workshop_id}/projector",
                  "projector-1920x1080")
            browser.close()
    print(f"screenshots: written to {OUT.relative_to(ROOT)}/", file=sys.stderr)


def sign_in(page, base: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("メールアドレス").fill(STAFF)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def document_pages(page, url: str) -> None:
    """The review document as it prints: Chromium's A4 PDF, some of its pages as images."""
    if not shutil.which("pdftoppm"):
        print("  (review document pages skipped: pdftoppm is missing, apt-get install poppler-utils)", file=sys.stderr)
        return
    page.goto(url)
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "document.pdf"
        source.write_bytes(pdf)
        for number in DOCUMENT_PAGES:
            subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(number), "-l", str(number),
                            str(source), str(OUT / f"document-page-{number}")], check=True)
            print(f"  document-page-{number}.png  (page {number} of the printed review document)", file=sys.stderr)


def shoot(page, url: str | None, name: str) -> None:
    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    if "#" in page.url:  # a fragment names the part of a long page worth showing
        page.locator("#" + page.url.split("#", 1)[1]).scroll_into_view_if_needed()
        page.evaluate("document.getElementById(location.hash.slice(1)).scrollIntoView()")
    page.screenshot(path=OUT / f"{name}.png")
    print(f"  {name}.png  {page.url.split('//', 1)[1].split('/', 1)[-1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
