"""Staff in the browser tests: the password their accounts are made with, and signing in at /login."""

PASSWORD = "a long enough password"


def sign_in(page, server: str, email: str, lang: str = "ja") -> None:
    """Sign in at /login (the fields are found by id, so in either language), then switch the
    interface to ``lang``."""
    page.goto(server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/staff")
    if lang != "ja":
        page.goto(f"{server}/lang?lang={lang}&next=/staff")
