"""Browser fixtures: Debian's Chromium driven by Playwright against the app served on loopback.

Browser downloads are impossible here: Playwright launches /usr/bin/chromium (apt-get install
chromium). When it is missing the browser tests are skipped locally, and `.ci/run` installs it.
"""

import os
import shutil

import pytest

from tests.served import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        from tests.browser.a11y import ENVIRONMENT

        ENVIRONMENT["browser"] = f"Chromium {browser.version}"
        yield browser
        browser.close()


@pytest.fixture
def server(database_url):
    """The app on its own database, served by gunicorn; yields the base URL."""
    with serve(database_url, workers=2, threads=4) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE, locale="ja-JP")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP, locale="ja-JP")
    yield context.new_page()
    context.close()


def pytest_sessionfinish(session, exitstatus):
    """With CONSULT_A11Y_RESULTS=path (`make accessibility`), write what axe and the other checks
    found in this run, for the ウェブアクセシビリティ方針 page."""
    target = os.environ.get("CONSULT_A11Y_RESULTS")
    if not target:
        return
    from tests.browser.a11y import write_results

    write_results(target, exitstatus=int(exitstatus))
