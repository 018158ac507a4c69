"""The OpenAPI 3.1 description of /api/v1. Tests validate real responses against these schemas."""

from flask import current_app

from ..analysis.models import DECISIONS, RUN_KINDS, RUN_STATES
from ..consultation.models import KINDS, PHASES
from ..core.codes import AGE_BANDS, CHANNELS, RELATIONS, VOTE_VALUES

_str = {"type": "string"}
_int = {"type": "integer"}
_nullable_str = {"type": ["string", "null"]}
_nullable_time = {"type": ["string", "null"], "format": "date-time"}
_nullable_int = {"type": ["integer", "null"]}
_number = {"type": "number"}
_any_object = {"type": "object", "additionalProperties": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


SCHEMAS = {
    "Counts": _obj({v: _int for v in VOTE_VALUES}),
    "Section": _obj({"anchor": _str, "heading": _str, "body_markdown": _str, "revision": _int,
                     "revised_at": {"type": "string", "format": "date-time"}}),
    "Proposal": _obj({"key": _str, "text": _str, "counts": _ref("Counts")}),
    "Topic": _obj({"number": _int, "slug": _str, "title": _str, "title_en": _str, "lead": _str, "url": _str,
                   "sections": {"type": "array", "items": _ref("Section")},
                   "proposals": {"type": "array", "items": _ref("Proposal")}}),
    "TopicList": _obj({"consultation": _obj({"slug": _str, "title": _str, "phase": _str}),
                       "topics": {"type": "array", "items": _ref("Topic")}}),
    "Consultation": _obj({"slug": _str, "title": _str, "kind": {"enum": list(KINDS)}, "phase": {"enum": list(PHASES)},
                          "period": _obj({"opens_at": _nullable_time, "closes_at": _nullable_time}),
                          "url": _str, "api": _str}),
    "ConsultationList": _obj({"consultations": {"type": "array", "items": _ref("Consultation")}}),
    "Comment": _obj({"id": _int, "topic": _str, "section": _nullable_str, "proposal": _nullable_str,
                     "ward": _str, "channel": {"enum": list(CHANNELS)}, "body": _str,
                     "supports": _int, "demo": {"type": "boolean"},
                     "created_at": {"type": "string", "format": "date-time"}}),
    "CommentPage": _obj({"page": _int, "per_page": _int, "total": _int,
                         "items": {"type": "array", "items": _ref("Comment")}}),
    "NewComment": _obj({
        "topic": _str, "section": {**_str, "description": "anchor of a section of the topic"},
        "proposal": {**_str, "description": "key of a proposal of the topic"},
        "ward": {**_str, "description": "a ward code, 'outside' or 'undisclosed'"},
        "relation": {"enum": list(RELATIONS)}, "age_band": {"enum": list(AGE_BANDS)},
        "body": {**_str, "description": "1–2,000 characters after NFKC and trimming"},
        "consent": {"type": "boolean", "description": "agreement to the privacy notice; must be true"},
    }, ["topic", "ward", "relation", "body", "consent"]),
    "Receipt": _obj({"receipt_no": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$"},
                     "status": {"enum": ["pending", "published"]},
                     "received_at": {"type": "string", "format": "date-time"}}),
    "NewVote": _obj({"topic": _str, "proposal": _str, "value": {"enum": list(VOTE_VALUES)},
                     "ward": _str, "relation": {"enum": list(RELATIONS)}, "age_band": {"enum": list(AGE_BANDS)}},
                    ["topic", "proposal", "value"]),
    "VoteResult": _obj({"topic": _str, "proposal": _str, "value": {"enum": list(VOTE_VALUES)},
                        "counts": _ref("Counts")}),
    "Error": _obj({"error": _str, "message": _str}),
    "Invalid": _obj({"error": {"const": "invalid"}, "message": _str,
                     "errors": {"type": "object", "additionalProperties": {"type": "array", "items": _str}}}),
    "WardBudgets": _obj({"unit": _str, "kinds": {"type": "object", "additionalProperties": _str},
                         "wards": {"type": "array", "items": _obj({
                             "ward": _str, "ward_name": _str, "fiscal_year": _int, "vision": _str,
                             "stated_total": _int, "items_total": _int,
                             "items": {"type": "array", "items": _obj({
                                 "no": _int, "kinds": {"type": "array", "items": {"enum": ["A", "B", "C", "D"]}},
                                 "name": _str, "group": _str, "description": _str, "amount": _int})}})}}),
    "StaffOpinions": _obj({"headings": {"type": "array", "items": _obj(
        {"title": _str, "opinions": {"type": "array", "items": _str}})}}),
    "OtherCities": _obj({
        "cities": {"type": "array", "items": _obj({
            "name": _str, "request_to": _str, "programs": {"type": "array", "items": _str},
            "budget_fy2012": _str, "allocation": _str, "note": _str})},
        "own_projects": {"type": "array", "items": _obj({
            "city": _str, "program": _str, "summary": _str, "examples": {"type": "array", "items": _str}})}}),
    # Staff only: the analysis runs (issue 16).
    "Split": {"type": "array", "description": "counts by one attribute, largest first; value null: not answered",
              "items": _obj({"value": _nullable_str, "count": _int})},
    "Splits": _obj({"ward": _ref("Split"), "channel": _ref("Split"), "age": _ref("Split")}),
    "Run": _obj({
        "id": _int, "kind": {"enum": list(RUN_KINDS)}, "state": {"enum": list(RUN_STATES)},
        "stage": {**_str, "description": "the stage the job last reported (tokenise, vectorise, …, done)"},
        "progress": {"type": "number", "minimum": 0, "maximum": 1}, "input_count": _nullable_int,
        "created_at": {"type": "string", "format": "date-time"}, "started_at": _nullable_time,
        "finished_at": _nullable_time,
        "selection": _obj({"topic": {**_nullable_str, "description": "a topic's slug; null: every topic"},
                           "channel": {**_nullable_str, "description": "null: every channel"},
                           "from": {**_nullable_str, "format": "date", "description": "first JST day; null: open"},
                           "to": {**_nullable_str, "format": "date", "description": "last JST day; null: open"}}),
        "settings": {**_any_object, "description": "what was asked: selection (topic_id, channel, date_from, date_to) and engine "
                                                   "settings (seed …), as stored with the run"},
        "summary": {**_any_object, "description": "figures of the whole run: seconds per stage, silhouette, "
                                                  "k, copy-paste campaigns (text), consensus / divisive (votes)"},
        "versions": {"type": "object", "additionalProperties": _str, "description": "package versions"},
        "error": {"oneOf": [{"type": "null"}, _obj({"code": _nullable_str, "message": _nullable_str})]},
        "url": _str, "page": {**_str, "description": "the staff page of the run"},
        "export": {**_nullable_str, "description": "the JSON export, once done"}}),
    "RunList": _obj({"consultation": _str, "runs": {"type": "array", "items": _ref("Run")}}),
    "Group": _obj({
        "id": _int, "key": {**_str, "description": "\"1\", \"1-2\" (text); \"A\" (votes)"},
        "parent": {**_nullable_str, "description": "the broad group's key; null for a broad group"},
        "label": _str, "size": _int, "decision": {"enum": list(DECISIONS)}, "opinion_group": _nullable_int,
        "terms": {"type": "array", "items": _str},
        "representatives": {"type": "array", "description": "text runs: the comments closest to the centre",
                             "items": _obj({"id": _int, "receipt_no": _str, "text": _str})},
        "splits": _ref("Splits"),
        "over": {"type": "object", "description": "values whose share is 10 points above the whole input's",
                 "additionalProperties": {"type": "array", "items": _str}},
        "topics": {"type": "array", "items": _obj({"topic": _nullable_str, "count": _int})},
        "campaign_members": {**_int, "description": "members that are near-identical copies of another"},
        "proposals": {"type": "array", "description": "vote runs: each proposal's votes in the group",
                      "items": _obj({"proposal": _nullable_str, "agree": _int, "disagree": _int, "pass": _int,
                                     "share": {"type": ["number", "null"]}})}}),
    "RunDetail": {"allOf": [_ref("Run"), _obj({
        "groups": {"type": "array", "items": _ref("Group"), "description": "broad groups, each followed by its "
                                                                           "finer ones; empty until done"},
        "whole": {"oneOf": [{"type": "null"}, _ref("Splits")]},
        "consensus": {"type": "array", "items": _str, "description": "vote runs: proposal keys"},
        "divisive": {"type": "array", "items": _str, "description": "vote runs: proposal keys"}})]},
    "NewRun": _obj({"kind": {"enum": list(RUN_KINDS), "default": "text"},
                    "topic": {**_nullable_str, "description": "a topic's slug; absent or null: every topic"},
                    "channel": {**_nullable_str, "description": "a channel of the consultation's kind"},
                    "from": {**_nullable_str, "format": "date",
                             "description": "only what was received on or after this day (JST)"},
                    "to": {**_nullable_str, "format": "date",
                           "description": "only what was received on or before this day (JST)"},
                    "seed": {"type": ["integer", "null"], "minimum": 0, "maximum": 2**31 - 1}}, []),
    "RunExport": {**_any_object, "description": "the document `flask analysis export --format json` writes "
                                                "(schema, run, groups with members, coordinates); "
                                                "see docs/interop.md"},
}

_lang = {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["ja", "en"]},
         "description": "language of messages (default ja)"}
_not_found = _json(_ref("Error"), "unknown consultation or topic")
# Every resource of one consultation is under this path; its slug is in GET /consultations.
C = "/consultations/{consultation}"
_consultation = {"name": "consultation", "in": "path", "required": True, "schema": _str,
                 "description": "the consultation's slug"}
_invalid = _json(_ref("Invalid"), "invalid fields, each with its messages")
_run_id = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_staff = [{"staffSession": []}]
_staff_errors = {"401": _json(_ref("Error"), "not signed in (a JSON answer, never the login page)"),
                 "403": _json(_ref("Error"), "signed in without the 'review' right (the secretariat and admins "
                                             "have it) or not working on this consultation"),
                 "404": _json(_ref("Error"), "unknown consultation, or a run of another consultation")}


def _analysis_paths() -> dict:
    runs = C + "/analysis/runs"
    run = runs + "/{run_id}"
    not_done = _json(_ref("Error"), "the run has not finished")
    return {
        runs: {
            "get": {"summary": "Staff: the consultation's analysis runs, newest first", "security": _staff,
                    "parameters": [_consultation, _lang],
                    "responses": {"200": _json(_ref("RunList"), "runs"), **_staff_errors}},
            "post": {"summary": "Staff: start an analysis run (checked as the staff form checks it); a job does "
                                "it, poll the run's url",
                     "description": "Signed in by the staff session cookie, so the session's CSRF token must "
                                    "be sent in the X-CSRFToken header (the csrf_token of any staff page's "
                                    "form). Refused while another run of the consultation is active (409) or "
                                    "when the input cannot be analysed (422, e.g. fewer than 20 comments).",
                     "security": [{"staffSession": [], "csrfToken": []}],
                     "parameters": [_consultation, _lang],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewRun")}}},
                     "responses": {"202": {**_json(_ref("Run"), "queued"),
                                           "headers": {"Location": {"schema": _str,
                                                                    "description": "the run's URL"}}},
                                   "400": _json(_ref("Error"), "malformed JSON, or no valid CSRF token"),
                                   "409": _json(_ref("Error"), "another run of this consultation is active"),
                                   "415": _json(_ref("Error"), "not application/json"),
                                   "422": {"description": "invalid fields, or an input that cannot be analysed "
                                                          "(error: too_few, no_words, identical, no_votes, …)",
                                           "content": {"application/json": {"schema": {
                                               "oneOf": [_ref("Invalid"), _ref("Error")]}}}},
                                   **_staff_errors}}},
        run: {"get": {"summary": "Staff: one run with its groups (once done), their splits by ward, channel and "
                                 "age band beside the whole input's, and representative comments",
                      "security": _staff, "parameters": [_consultation, _run_id, _lang],
                      "responses": {"200": _json(_ref("RunDetail"), "the run"), **_staff_errors}}},
        run + "/export.json": {"get": {
            "summary": "Staff: the run as `flask analysis export --format json` writes it (recorded in the audit "
                       "log)", "security": _staff, "parameters": [_consultation, _run_id],
            "responses": {"200": _json(_ref("RunExport"), "the export"), "409": not_done, **_staff_errors}}},
        run + "/export.csv": {"get": {
            "summary": "Staff: a text run in kouchou-ai's result CSV layout (recorded in the audit log)",
            "security": _staff, "parameters": [_consultation, _run_id],
            "responses": {"200": {"description": "the CSV (UTF-8)", "content": {"text/csv": {"schema": _str}}},
                          "409": not_done, "422": _invalid, **_staff_errors}}},
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "consult API", "version": "1",
                 "description": "The city's consultations; each one's topics (or document), published comments, "
                                "posting comments and votes; the reference materials; for signed-in staff, "
                                "the analysis runs (suggested groups). Writes must be application/json."},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/consultations": {"get": {
                "summary": "Every consultation not archived: slug, title, kind (deliberation | pubcom), phase, "
                           "period; each one's resources are under /consultations/{consultation}/",
                "responses": {"200": _json(_ref("ConsultationList"), "consultations")}}},
            C + "/topics": {"get": {"summary": "The consultation's topics with sections, proposals and vote counts "
                                               "(a public comment has one topic, its document, whose sections are "
                                               "the provisions)",
                                    "parameters": [_consultation],
                                    "responses": {"200": _json(_ref("TopicList"), "topics"), "404": _not_found}}},
            C + "/topics/{slug}": {"get": {
                "summary": "One topic",
                "parameters": [_consultation, {"name": "slug", "in": "path", "required": True, "schema": _str}],
                "responses": {"200": _json(_ref("Topic"), "the topic"), "404": _not_found}}},
            "/reference/ward-budgets": {"get": {"summary": "H26 まちづくり推進経費 of each ward (資料2-3)",
                                                "responses": {"200": _json(_ref("WardBudgets"), "budgets")}}},
            "/reference/staff-opinions": {"get": {"summary": "Staff opinion exchange (資料2-4)",
                                                  "responses": {"200": _json(_ref("StaffOpinions"), "opinions")}}},
            "/reference/other-cities": {"get": {"summary": "Other designated cities (資料3)",
                                                "responses": {"200": _json(_ref("OtherCities"), "cities")}}},
            C + "/comments": {
                "get": {"summary": "Published comments, newest first",
                        "parameters": [_consultation,
                            {"name": "topic", "in": "query", "required": False, "schema": _str},
                            {"name": "ward", "in": "query", "required": False, "schema": _str},
                            {"name": "page", "in": "query", "required": False,
                             "schema": {"type": "integer", "minimum": 1}},
                            {"name": "per_page", "in": "query", "required": False,
                             "schema": {"type": "integer", "minimum": 1,
                                        "maximum": current_app.config["API_MAX_PER_PAGE"],
                                        "default": current_app.config["COMMENTS_PER_PAGE"]}}, _lang],
                        "responses": {"200": _json(_ref("CommentPage"), "a page of comments"), "422": _invalid}},
                "post": {"summary": "Send a comment; returns its receipt number",
                         "parameters": [_consultation, {"name": "Idempotency-Key", "in": "header", "required": False,
                                         "schema": {"type": "string", "minLength": 16, "maxLength": 64},
                                         "description": "re-sending with the same key returns the same receipt"},
                                        _lang],
                         "requestBody": {"required": True,
                                         "content": {"application/json": {"schema": _ref("NewComment")}}},
                         "responses": {"201": _json(_ref("Receipt"), "stored"),
                                       "200": _json(_ref("Receipt"), "already stored under this Idempotency-Key"),
                                       "403": _json(_ref("Error"), "the consultation is not accepting comments"),
                                       "415": _json(_ref("Error"), "not application/json"),
                                       "422": _invalid}}},
            C + "/votes": {"post": {
                "summary": "Agree, disagree or pass on a proposal (one vote per participant, changeable)",
                "description": "The participant is the signed session cookie; ward and relation are required "
                               "on a participant's first vote and remembered.",
                "parameters": [_consultation, _lang],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewVote")}}},
                "responses": {"200": _json(_ref("VoteResult"), "recorded"),
                              "403": _json(_ref("Error"), "the consultation is not accepting votes"),
                              "415": _json(_ref("Error"), "not application/json"), "422": _invalid}}},
            **_analysis_paths(),
        },
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "staffSession": {"type": "apiKey", "in": "cookie", "name": current_app.config["SESSION_COOKIE_NAME"],
                             "description": "the staff pages' signed session cookie (sign in at /login)"},
            "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                          "description": "the session's CSRF token, for the staff writes"}}},
    }
