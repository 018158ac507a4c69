"""Screenshots of the main pages at phone and desktop sizes, for the README (`make screenshots`).

Builds a throw-away SQLite database the way `make run` does (migrations, seed, demo data) plus a
few workshops with notes and opinion groups (bench/populate.py, small), serves it with gunicorn on
loopback, and photographs it with Debian's Chromium through Playwright. Nothing is fetched: the
browser is /usr/bin/chromium (CHROMIUM overrides it). Writes docs/screenshots/*.png.
"""

import os
import secrets
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
    return url


def open_workshop(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, join_code FROM workshop WHERE join_code IS NOT NULL "
                          "AND state = 'open' ORDER BY id LIMIT 1").fetchone()


def main() -> None:
    from playwright.sync_api import sync_playwright

    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screenshots.sqlite"
        url = build(path, password)
        workshop_id, code = open_workshop(path)
        with serve(url, workers=2, threads=4) as port, sync_playwright() as p:
            base = f"http://127.0.0.1:{port}"
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

            phone = browser.new_context(**PHONE, locale="ja-JP").new_page()
            for name, target in [("phone-home", "/"), ("phone-topic", "/topics/counters"),
                                 ("phone-comment", "/topics/counters/comment")]:
                shoot(phone, base + target, name)
            phone.goto(f"{base}/w/{code}")
            phone.locator("input[name=table]").first.check()
            phone.get_by_role("button", name="参加する").click()
            phone.wait_for_load_state()
            shoot(phone, None, "phone-workshop")

            desktop = browser.new_context(**DESKTOP, locale="ja-JP").new_page()
            for name, target in [("desktop-home", "/"), ("desktop-topic", "/topics/roles"),
                                 ("desktop-budgets", "/reference/budgets")]:
                shoot(desktop, base + target, name)
            desktop.goto(base + "/login")
            desktop.get_by_label("メールアドレス").fill(STAFF)
            desktop.get_by_label("パスワード").fill(password)
            desktop.get_by_role("button", name="ログイン").click()
            desktop.wait_for_load_state()
            for name, target in [("desktop-projector", f"/staff/workshops/{workshop_id}/projector"),
                                 ("desktop-dashboard", "/staff/review#matrix-h"),
                                 ("desktop-review-document", "/staff/review/document")]:
                shoot(desktop, base + target, name)
            browser.close()
    print(f"screenshots: written to {OUT.relative_to(ROOT)}/", file=sys.stderr)


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
