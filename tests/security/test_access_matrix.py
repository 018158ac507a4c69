"""Every route × anonymous / facilitator / secretariat / admin, generated from the URL map.

Staff routes (those declaring a permission) are checked cell by cell in
tests/auth/test_permission_matrix.py. Every other route must appear in PUBLIC below with the
status each role gets for a request with unknown ids; a new route that is in neither place fails
`test_every_route_is_in_a_matrix`, so none can be forgotten.
"""

import pytest
from werkzeug.routing import IntegerConverter

from consult.auth.services import create_user

ROLES = ("anonymous", "facilitator", "secretariat", "admin")
UNKNOWN = {"int": "999999", "str": "zz-unknown"}

# (method, rule) → expected status for every role. Unknown ids give 404; forms posted empty give
# their validation status; nothing public is ever 401/403 for lack of a role.
PUBLIC = {
    ("GET", "/"): 302,  # straight to the only consultation open
    ("GET", "/c/<consultation_slug>/"): 200,
    ("GET", "/api/v1/consultations"): 200,
    ("GET", "/privacy"): 200,
    ("GET", "/accessibility"): 200,
    ("GET", "/healthz"): 200,
    ("GET", "/favicon.ico"): 301,
    ("GET", "/password/<token>"): 404,  # an unknown or used link
    ("POST", "/password/<token>"): 404,
    ("GET", "/lang"): 302,
    ("GET", "/furigana"): 302,
    ("GET", "/login"): 200,
    ("POST", "/login"): 422,
    ("GET", "/receipt"): 200,
    ("POST", "/receipt"): 422,
    ("GET", "/c/<consultation_slug>/results"): 404,  # results are public only once the consultation is closed
    ("GET", "/c/<consultation_slug>/results/open-data.csv"): 200,
    # a public comment's result as a document and files: none for a deliberation
    ("GET", "/c/<consultation_slug>/results/document"): 404,
    ("GET", "/c/<consultation_slug>/results/result.csv"): 404,
    ("GET", "/c/<consultation_slug>/results/result.xlsx"): 404,
    ("GET", "/reference/"): 200,
    ("GET", "/reference/budgets"): 200,
    ("GET", "/reference/staff-opinions"): 200,
    ("GET", "/reference/other-cities"): 200,
    ("GET", "/reference/<any(organisation, ordinance):slug>"): 404,
    ("GET", "/static/<path:filename>"): 404,
    ("GET", "/c/<consultation_slug>/topics/<slug>"): 404,
    ("GET", "/c/<consultation_slug>/topics/<slug>/comment"): 404,
    ("POST", "/c/<consultation_slug>/topics/<slug>/comment"): 404,
    ("GET", "/c/<consultation_slug>/topics/<slug>/comment/confirm"): 404,
    ("GET", "/c/<consultation_slug>/topics/<slug>/comment/done"): 404,
    ("POST", "/c/<consultation_slug>/topics/<slug>/comment/submit"): 404,
    ("POST", "/c/<consultation_slug>/topics/<slug>/proposals/<key>/vote"): 404,
    ("GET", "/c/<consultation_slug>/topics/<slug>/sections/<anchor>/history"): 404,
    ("POST", "/c/<consultation_slug>/comments/<int:comment_id>/support"): 404,
    ("GET", "/api/v1/openapi.json"): 200,
    ("GET", "/api/v1/consultations/<consultation_slug>/topics"): 200,
    ("GET", "/api/v1/consultations/<consultation_slug>/topics/<slug>"): 404,
    ("GET", "/api/v1/consultations/<consultation_slug>/comments"): 200,
    ("POST", "/api/v1/consultations/<consultation_slug>/comments"): 415,
    ("POST", "/api/v1/consultations/<consultation_slug>/votes"): 415,
    ("GET", "/api/v1/reference/ward-budgets"): 200,
    ("GET", "/api/v1/reference/staff-opinions"): 200,
    ("GET", "/api/v1/reference/other-cities"): 200,
    ("GET", "/w"): 200,
    ("GET", "/w/"): 200,
    ("GET", "/w/<code>"): 404,
    ("POST", "/w/<code>/join"): 404,
    ("POST", "/w/<code>/notes"): 404,
    ("GET", "/w/<code>/dots"): 404,
    ("POST", "/w/<code>/dots"): 404,
    ("POST", "/w/<code>/dots/<int:dot_id>/remove"): 404,
}
# Routes whose answer depends on being signed in, by role.
BY_ROLE = {
    ("POST", "/logout"): {"anonymous": 302, "facilitator": 303, "secretariat": 303, "admin": 303},
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("legacy_"):
            continue  # the old URLs: permanent redirects, tested in tests/consultation/test_legacy_urls.py
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule, view


def _url(rule) -> str:
    path = rule.rule.replace("<consultation_slug>", "kumamoto-ward-offices-h26")
    for arg in rule.arguments:
        converter = rule._converters[arg]
        value = UNKNOWN["int"] if isinstance(converter, IntegerConverter) else UNKNOWN["str"]
        for prefix in ("int:", "path:", ""):
            path = path.replace(f"<{prefix}{arg}>", value)
        if "<any(" in path:
            path = path.split("<any(")[0] + value
    return path


def test_every_route_is_in_a_matrix(app):
    forgotten = [(method, rule.rule) for method, rule, view in _routes(app)
                 if not hasattr(view, "permission") and (method, rule.rule) not in PUBLIC
                 and (method, rule.rule) not in BY_ROLE]
    assert forgotten == [], "add these routes to the access matrix"
    stale = [key for key in PUBLIC if key not in {(m, r.rule) for m, r, _ in _routes(app)}]
    assert stale == []


@pytest.mark.parametrize("role", ROLES)
def test_public_routes_answer_the_same_to_every_role(app, role):
    client = app.test_client()
    if role != "anonymous":
        user = create_user(f"{role}@example.jp", role, "a long enough password")
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
    wrong = []
    for method, rule, view in _routes(app):
        key = (method, rule.rule)
        expected = PUBLIC.get(key) or BY_ROLE.get(key, {}).get(role)
        if expected is None:
            continue
        status = client.open(_url(rule), method=method).status_code
        if status != expected:
            wrong.append((method, rule.rule, status, expected))
    assert wrong == []
