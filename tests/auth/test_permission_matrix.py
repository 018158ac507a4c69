"""Every staff route × anonymous / facilitator / secretariat / admin, generated from the URL map.

A route under /staff (or carrying a permission, as the API's staff routes do) is found here automatically; a staff route
without the @requires decorator fails `test_every_staff_route_declares_a_permission`.
"""

import pytest
from werkzeug.routing import IntegerConverter

from consult.auth.permissions import PREDICATES
from consult.auth.services import create_user

ROLES = ("anonymous", "facilitator", "secretariat", "admin")
STAFF_PREFIXES = ("/staff",)


def _staff_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("legacy_"):
            continue  # the old single-consultation URLs: a redirect into the first, checked there
        if rule.rule.startswith(STAFF_PREFIXES) or hasattr(view, "permission"):
            yield rule, view


def _url(rule):
    values = {}
    for arg in rule.arguments:
        values[arg] = 999999 if isinstance(rule._converters[arg], IntegerConverter) else "zz-unknown"
    if "consultation_slug" in values:  # a real consultation, so that the role is what is checked
        values["consultation_slug"] = "kumamoto-ward-offices-h26"
    path = rule.rule
    for arg, value in values.items():
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
        path = path.replace(f"<path:{arg}>", str(value))
    return path


def test_every_staff_route_declares_a_permission(app):
    missing = [r.rule for r, view in _staff_rules(app) if not hasattr(view, "permission")]
    assert missing == []


def _client_as(app, role):
    client = app.test_client()
    if role != "anonymous":
        user = create_user(f"{role}@example.jp", role, "a long enough password")
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client, user
    return client, None


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, role):
    client, user = _client_as(app, role)
    checked = 0
    for rule, view in _staff_rules(app):
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_url(rule), method=method)
        allowed = user is not None and PREDICATES[view.permission](user, None)
        where = f"{method} {rule.rule} as {role}"
        if user is None and rule.rule.startswith("/api/"):
            # A script cannot follow a login form: the API's staff routes answer a JSON 401.
            assert response.status_code == 401 and response.is_json, where
            assert "Location" not in response.headers, where
        elif user is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], where
        elif allowed:
            assert response.status_code not in (401, 403), where
            assert "/login" not in response.headers.get("Location", ""), where
            assert response.status_code < 500, where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked >= 1
