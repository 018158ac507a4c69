"""Two consultations side by side: nothing of one shows in the other's pages, figures, exports or
API answers, and an id of one in the other's URLs is a 404. The walk covers every route the app
has that belongs to a consultation, so a new route is walked without being listed here."""

import io
import json
import re
import zipfile
from datetime import date, datetime

import pytest
from sqlalchemy import select

from consult.analysis.models import AnalysisGroup, AnalysisPoint, AnalysisRun
from consult.auth.services import create_user
from consult.consultation.models import Consultation, Meeting, Section
from consult.extensions import db
from consult.participation.models import Comment
from consult.pubcom.models import Briefing, RegisterEntry
from consult.secretariat.models import OpinionGroup
from consult.workshops.models import Workshop

DELIBERATION = "kumamoto-ward-offices-h26"
PUBCOM = "jichi-kihon-jorei-h26"
# What each consultation received, written so that it can be found anywhere it leaks.
MARKS = {DELIBERATION: ("審議事項だけの声イロハ", "審議事項の意見グループニホヘ"),
         PUBCOM: ("条文だけの声トチリ", "条文の意見グループヌルヲ", "説明会の会場ワカヨ")}


def _consultation(slug) -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


@pytest.fixture
def two(app):
    """Each consultation with a published comment, a confirmed opinion group holding it and, for the
    public comment, a briefing and a register entry; returns {slug: {arg name: an id of it}}."""
    ids = {}
    for n, slug in enumerate((DELIBERATION, PUBCOM)):
        consultation = _consultation(slug)
        topic = consultation.topics[0]
        group = OpinionGroup(topic_id=topic.id, title=MARKS[slug][1], summary=MARKS[slug][1], state="confirmed")
        db.session.add(group)
        db.session.flush()
        comment = Comment(receipt_no=f"ISO{n}-0000-0001", topic_id=topic.id, ward_code="chuo", channel="web",
                          status="published", body=MARKS[slug][0], opinion_group_id=group.id,
                          published_at_utc=datetime(2014, 10, 2))
        db.session.add(comment)
        db.session.flush()
        section = db.session.scalar(select(Section).where(Section.topic_id == topic.id))
        ids[slug] = {"comment_id": comment.id, "group_id": group.id, "section_id": section.id,
                     "consultation_id": consultation.id}
        meeting = db.session.scalar(select(Meeting).where(Meeting.consultation_id == consultation.id))
        if meeting is not None:
            ids[slug]["meeting_id"] = meeting.id
        # A finished analysis run holding the comment, its suggestion named with the group's mark.
        run = AnalysisRun(consultation_id=consultation.id, kind="text", state="done", input_count=1)
        run.groups = [AnalysisGroup(key="1", label=MARKS[slug][1], size=1,
                                    detail_json=json.dumps({"representatives": [comment.id]}))]
        db.session.add(run)
        db.session.flush()
        db.session.add(AnalysisPoint(run_id=run.id, item_id=comment.id, group_key="1", x=0.5, y=0.5))
        ids[slug]["run_id"] = run.id
        proposal = topic.proposals[0] if topic.proposals else None
        if proposal is not None:
            ids[slug]["proposal_id"] = proposal.id
    workshop = db.session.scalar(select(Workshop).where(Workshop.consultation_id == ids[DELIBERATION]["consultation_id"]))
    ids[DELIBERATION]["workshop_id"] = workshop.id
    pubcom = _consultation(PUBCOM)
    briefing = Briefing(consultation_id=pubcom.id, ward_id=1, title="東区説明会", venue=MARKS[PUBCOM][2],
                        starts_at_utc=datetime(2014, 10, 10, 10))
    entry = RegisterEntry(consultation_id=pubcom.id, channel="post", received_on=date(2014, 10, 12),
                          name="孤立花子", address="熊本市北区孤立町1")
    db.session.add_all([briefing, entry])
    db.session.commit()
    ids[PUBCOM].update(briefing_id=briefing.id, entry_id=entry.id)
    return ids


@pytest.fixture
def admin(app):
    user = create_user("isolation-admin@example.jp", "admin", "a long enough password", name="isolation")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def _rules(app):
    for rule in app.url_map.iter_rules():
        if "<consultation_slug>" in rule.rule:
            yield rule


def _text(response) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # an Excel file: its strings are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                           if name.endswith(".xml"))
    if response.is_json:  # \u escapes must not hide a leak
        return json.dumps(response.get_json(), ensure_ascii=False)
    return data.decode("utf-8-sig", "replace")


def _others(slug) -> tuple[str, ...]:
    return tuple(m for other, marks in MARKS.items() if other != slug for m in marks)


def test_every_page_of_a_consultation_shows_only_its_own(app, admin, two):
    _consultation(PUBCOM).phase = _consultation(DELIBERATION).phase = "published"  # results and open data too
    db.session.commit()
    walked = 0
    for slug in (DELIBERATION, PUBCOM):
        for rule in _rules(app):
            if "GET" not in rule.methods:
                continue
            path = rule.rule.replace("<consultation_slug>", slug)
            values = dict(two[slug], slug=consultation_slug_topic(slug), anchor="x", kind="proposals", number="1",
                          token="x", code="x")
            path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), path)
            for query in ("", "?format=csv", "?format=json", "?format=xlsx"):
                if query and "export" not in path and "result" not in path:
                    continue
                response = admin.get(path + query)
                assert response.status_code < 500, (path + query, response.status_code)
                if response.status_code == 200:
                    text = _text(response)
                    leaked = [m for m in _others(slug) if m in text]
                    assert not leaked, (path + query, leaked)
                    walked += 1
    assert walked > 60  # the walk really reached the pages


def consultation_slug_topic(slug) -> str:
    return "roles" if slug == DELIBERATION else "document"


ID_ARGS = ("comment_id", "group_id", "section_id", "proposal_id", "meeting_id", "workshop_id", "briefing_id",
           "entry_id", "run_id")


def test_an_id_of_the_other_consultation_is_not_found(app, admin, two):
    tried = 0
    for slug, other in ((DELIBERATION, PUBCOM), (PUBCOM, DELIBERATION)):
        for rule in _rules(app):
            args = [a for a in rule.arguments if a in ID_ARGS]
            if not args or any(a not in two[other] for a in args):
                continue
            path = rule.rule.replace("<consultation_slug>", slug)
            path = re.sub(r"<int:(\w+)>", lambda m: str(two[other].get(m.group(1), 1)), path)
            path = re.sub(r"<(?:\w+:)?(\w+)>", "x", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = admin.open(path, method=method, data={"action": "save"})
                if response.status_code == 415:  # a JSON-only route refuses the form first
                    response = admin.open(path, method=method, json={})
                assert response.status_code == 404, (method, path, response.status_code)
                tried += 1
    assert tried > 20


def test_the_figures_count_each_consultation_alone(app, admin, two):
    deliberation = admin.get(f"/api/v1/consultations/{DELIBERATION}/comments?per_page=100").get_json()
    pubcom = admin.get(f"/api/v1/consultations/{PUBCOM}/comments?per_page=100").get_json()
    assert MARKS[DELIBERATION][0] in str(deliberation) and MARKS[DELIBERATION][0] not in str(pubcom)
    assert MARKS[PUBCOM][0] in str(pubcom) and MARKS[PUBCOM][0] not in str(deliberation)
    review = admin.get(f"/staff/c/{PUBCOM}/review/comments").get_data(as_text=True)
    assert MARKS[PUBCOM][0] in review and MARKS[DELIBERATION][0] not in review


def test_the_register_never_reaches_the_public(app, client, two):
    _consultation(PUBCOM).phase = "published"
    db.session.commit()
    for path in (f"/c/{PUBCOM}/", f"/c/{PUBCOM}/topics/document", f"/c/{PUBCOM}/results",
                 f"/c/{PUBCOM}/results/open-data.csv", f"/c/{PUBCOM}/results/result.csv",
                 f"/api/v1/consultations/{PUBCOM}/comments", "/"):
        text = _text(client.get(path))
        assert "孤立花子" not in text and "孤立町" not in text, path
