"""Staff sign-in: hashed passwords, lockout without hints, safe ?next=, the users CLI."""

from sqlalchemy import select

from consult.auth.models import User
from consult.auth.services import MAX_FAILURES, create_user
from consult.extensions import db

PASSWORD = "correct horse battery"


def _login(client, email="sec@example.jp", password=PASSWORD, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password})


def test_login_and_logout(client):
    create_user("sec@example.jp", "secretariat", PASSWORD)
    assert client.get("/staff").status_code == 302
    response = _login(client, email="ＳＥＣ@example.jp")  # NFKC and case-folded
    assert response.status_code == 303 and response.headers["Location"] == "/staff"
    assert "事務局" in client.get("/staff").get_data(as_text=True)
    assert client.post("/logout").status_code == 303
    assert client.get("/staff").status_code == 302


def test_password_is_hashed(app):
    user = create_user("f@example.jp", "facilitator", PASSWORD)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_wrong_password_and_unknown_account_look_the_same(client):
    create_user("sec@example.jp", "secretariat", PASSWORD)
    wrong = _login(client, password="not the password")
    unknown = _login(client, email="nobody@example.jp")
    assert wrong.status_code == unknown.status_code == 401
    message = "メールアドレスかパスワードが正しくありません"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_lockout_after_repeated_failures(client):
    create_user("sec@example.jp", "secretariat", PASSWORD)
    for _ in range(MAX_FAILURES):
        _login(client, password="wrong password!")
    locked = _login(client)  # even the right password is refused while locked
    assert locked.status_code == 401
    user = db.session.scalar(select(User).where(User.email == "sec@example.jp"))
    db.session.refresh(user)
    assert user.locked_until_utc is not None


def test_next_only_to_our_own_paths(client):
    create_user("sec@example.jp", "secretariat", PASSWORD)
    assert _login(client, next_="/c/kumamoto-ward-offices-h26/topics/roles").headers["Location"] == "/c/kumamoto-ward-offices-h26/topics/roles"
    client.post("/logout")
    assert _login(client, next_="//evil.example/x").headers["Location"] == "/staff"
    client.post("/logout")
    assert _login(client, next_="https://evil.example/").headers["Location"] == "/staff"


def test_login_form_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "メールアドレスを入力してください" in html and "パスワードを入力してください" in html


def test_users_cli(runner):
    result = runner.invoke(args=["users", "create", "new@example.jp", "--role", "facilitator",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "create", "new@example.jp", "--role", "admin",
                               "--password", PASSWORD]).exit_code != 0  # already exists
    assert runner.invoke(args=["users", "create", "x@example.jp", "--role", "admin",
                               "--password", "short"]).exit_code != 0
    prompted = runner.invoke(args=["users", "create", "p@example.jp", "--role", "admin"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert "new@example.jp" in runner.invoke(args=["users", "list"]).output
