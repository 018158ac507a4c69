"""consult/signing.py keeps the signers; what they sign must be what Flask and Flask-WTF make and accept."""

from flask import session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

import pytest

from consult import signing


def test_the_session_cookie_is_flasks_own(app):
    ours = app.session_interface.get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert isinstance(app.session_interface, signing.SessionInterface)
    assert app.session_interface.get_signing_serializer(app) is ours  # kept, not rebuilt
    cookie = ours.dumps({"participant": "abc"})
    assert flasks.loads(cookie) == {"participant": "abc"}
    assert ours.loads(flasks.dumps({"x": 1})) == {"x": 1}


def test_a_cookie_signed_with_a_retired_key_still_opens(app):
    old = SecureCookieSessionInterface().get_signing_serializer(app).dumps({"participant": "p"})
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "a-new-secret"
    assert app.session_interface.get_signing_serializer(app).loads(old) == {"participant": "p"}


def test_a_csrf_token_is_checked_by_flask_wtf(app):
    with app.test_request_context("/"):
        token = signing.generate_csrf()
        assert signing.generate_csrf() == token  # one per request
        validate_csrf(token)  # raises if not accepted
        session["csrf_token"] = "someone-else"
        with pytest.raises(ValidationError):
            validate_csrf(token)


def test_a_token_kept_from_an_earlier_request_is_only_that_sessions(app):
    # signing._tokens reuses a session's signed token: another session (another raw secret) or a
    # new secret key must still get a token of its own that Flask-WTF accepts only for itself.
    with app.app_context(), app.test_request_context("/"):  # a g of its own, as each request has
        session["csrf_token"] = "a" * 40
        first = signing.generate_csrf()
    with app.app_context(), app.test_request_context("/"):  # a g of its own, as each request has
        session["csrf_token"] = "a" * 40
        assert signing.generate_csrf() == first
        validate_csrf(first)
    with app.app_context(), app.test_request_context("/"):  # a g of its own, as each request has
        session["csrf_token"] = "b" * 40
        other = signing.generate_csrf()
        assert other != first
        validate_csrf(other)
        with pytest.raises(ValidationError):
            validate_csrf(first)
    app.secret_key = "another-secret"
    with app.app_context(), app.test_request_context("/"):  # a g of its own, as each request has
        session["csrf_token"] = "a" * 40
        renewed = signing.generate_csrf()
        assert renewed != first
        validate_csrf(renewed)
