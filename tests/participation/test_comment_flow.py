"""入力 → 確認 → 完了, with every bad-input case answered next to its field."""

import re

from sqlalchemy import func, select

from consult.consultation.models import Consultation
from consult.extensions import db
from consult.participation.models import Comment, Participant
from tests.conftest import confirm_and_submit, valid_comment

RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def _comments():
    return db.session.scalars(select(Comment).order_by(Comment.id)).all()


def test_form_shows_the_topic_and_its_sections(client):
    html = client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment?section=issues").get_data(as_text=True)
    assert "区役所等における行政窓口の在り方" in html
    assert re.search(r'<option[^>]* value="issues" selected>', html)
    assert 'name="csrf_token"' in html


def test_full_flow_gives_a_receipt_number(client):
    body = "出張所でできる手続きを、どこでも同じにしてほしいです。０９６のような全角数字もそのまま。"
    fields = valid_comment(body=body, section="issues", proposal="unify-branch-services")
    confirm = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment", data={"action": "confirm", **fields}, follow_redirects=True)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert body in page and "東区" in page and "40代" in page  # exactly what will be sent
    assert _comments() == []  # nothing is stored by the confirm step

    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    submit = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit", data={**fields, "submission_key": key})
    assert submit.status_code == 303
    done = client.get(submit.headers["Location"])
    receipt = RECEIPT.search(done.get_data(as_text=True)).group(0)

    [comment] = _comments()
    assert comment.receipt_no == receipt
    assert comment.body == body  # stored as written, full-width digits and all
    assert (comment.ward_code, comment.relation, comment.age_band) == ("higashi", "resident", "40s")
    assert (comment.channel, comment.status) == ("web", "pending")
    assert comment.section.anchor == "issues" and comment.section_revision.number == 1
    assert comment.proposal.key == "unify-branch-services"


def test_receipts_are_unique_and_unguessable(client):
    receipts = set()
    for i in range(5):
        _, submit = confirm_and_submit(client, body=f"意見その{i}")
        receipts.add(RECEIPT.search(client.get(submit.headers["Location"]).get_data(as_text=True)).group(0))
    assert len(receipts) == 5
    assert len({r.replace("-", "")[:4] for r in receipts}) > 1  # not a counter


def test_profile_is_remembered_for_the_next_form(client):
    confirm_and_submit(client, ward="minami", relation="commuter", age_band="20s")
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles/comment").get_data(as_text=True)
    assert '<option value="minami" selected>' in html
    assert '<option value="commuter" selected>' in html
    assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_double_submit_stores_one_comment(client):
    confirm = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment", data={"action": "confirm", **valid_comment()},
                          follow_redirects=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', confirm.get_data(as_text=True)).group(1)
    data = {**valid_comment(), "submission_key": key}
    first = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit", data=data)
    second = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit", data=data)  # back button, send again
    assert first.status_code == second.status_code == 303
    client.get(first.headers["Location"])  # refreshing the completion page
    client.get(first.headers["Location"])
    assert len(_comments()) == 1


def test_published_at_once_when_premoderation_is_off(client):
    db.session.execute(Consultation.__table__.update().values(premoderation=False))
    db.session.commit()
    confirm_and_submit(client, "roles", body="公開される意見です。")
    assert _comments()[0].status == "published"
    assert "公開される意見です。" in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)


def test_pending_comments_are_not_shown(client):
    confirm_and_submit(client, "roles", body="確認待ちの意見です。")
    assert "確認待ちの意見です。" not in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)


def _confirm(client, **fields):
    return client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment", data={"action": "confirm", **valid_comment(**fields)})


def test_empty_body_is_refused_and_the_rest_kept(client):
    response = _confirm(client, body="　 \n ", ward="kita")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ご意見を入力してください。" in html
    assert '<option value="kita" selected>' in html
    assert 'aria-invalid="true"' in html


def test_too_long_body_keeps_the_text(client):
    body = "あ" * 2001
    response = _confirm(client, body=body)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2000文字以内" in html and "現在2001文字" in html
    assert body in html  # the citizen's text is on the form, not lost
    assert _comments() == []


def test_length_is_counted_after_nfkc(client):
    # 2,000 half-width ｶﾞ are 4,000 code points but 2,000 characters as a person counts them.
    body = "ｶﾞ" * 2000
    confirm, submit = confirm_and_submit(client, body=body)
    assert confirm.status_code == 200 and submit.status_code == 303
    assert _comments()[0].body == body  # stored as written, not normalised


def test_each_bad_field_gets_its_own_message(client):
    cases = [
        ({"ward": ""}, "ward", "お住まいの区などを選んでください"),
        ({"ward": "tokyo"}, "ward", "区の選択肢にない値です"),
        ({"relation": ""}, "relation", "区との関わりを選んでください"),
        ({"relation": "owner"}, "relation", "区との関わりの選択肢にない値です"),
        ({"age_band": "100s"}, "age_band", "年代の選択肢にない値です"),
        ({"section": "nowhere"}, "section", "この論点にない節です"),
        ({"proposal": "nothing"}, "proposal", "この論点にない提案です"),
        ({"consent": ""}, "consent", "個人情報の取扱いに同意"),
        ({"body": "見えない\u202e文字"}, "body", "制御文字"),
    ]
    for fields, name, message in cases:
        response = _confirm(client, **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, fields
        error_list = re.search(rf'<ul class="field-errors" id="{name}-error">(.*?)</ul>', html, re.S)
        assert error_list and message in error_list.group(1), (fields, name)
    assert _comments() == []


def test_submit_revalidates(client):
    response = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit", data=valid_comment(body=""))
    assert response.status_code == 422
    assert _comments() == []


def test_edit_from_confirm_returns_the_filled_form(client):
    response = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment",
                           data={"action": "edit", **valid_comment(body="書き直したい文章")})
    assert response.status_code == 200
    assert "書き直したい文章</textarea>" in response.get_data(as_text=True)


def test_unknown_topic_is_404(client):
    assert client.get("/c/kumamoto-ward-offices-h26/topics/nope/comment").status_code == 404
    assert client.post("/c/kumamoto-ward-offices-h26/topics/nope/comment/submit", data=valid_comment()).status_code == 404


def test_closed_consultation_refuses_comments(client):
    db.session.execute(Consultation.__table__.update().values(phase="closed"))
    db.session.commit()
    assert client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment").status_code == 403
    _, submit = confirm_and_submit(client)
    assert submit.status_code == 403
    assert _comments() == []


def test_csrf_token_is_required(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit", data=valid_comment(submission_key="x" * 20))
    assert response.status_code == 400
    assert "フォームの有効期限" in response.get_data(as_text=True)
    assert _comments() == []
    form = client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit",
                           data={**valid_comment(), "csrf_token": token, "submission_key": "k" * 20})
    assert response.status_code == 303
    assert len(_comments()) == 1


def test_errors_in_english(client):
    client.get("/lang?lang=en&next=/")
    response = _confirm(client, body="")
    assert response.status_code == 422
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "ご意見を入力してください" not in response.get_data(as_text=True)


def test_the_confirm_step_is_a_page_of_its_own_and_its_draft_goes_with_the_comment(client):
    from datetime import timedelta

    from consult.i18n import utcnow
    from consult.participation.models import FormDraft
    from consult.participation.services import keep_draft

    assert client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment/confirm").headers["Location"].endswith("/c/kumamoto-ward-offices-h26/topics/counters/comment")
    step = client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment", data={"action": "confirm", **valid_comment()})
    assert step.status_code == 303 and step.headers["Location"].endswith("/c/kumamoto-ward-offices-h26/topics/counters/comment/confirm")
    page = client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment/confirm")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert valid_comment()["body"] in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 1
    key = re.search(r'name="submission_key" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/c/kumamoto-ward-offices-h26/topics/counters/comment/submit",
                       data={**valid_comment(), "submission_key": key}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(FormDraft)) == 0
    # Back from 完了 lands on 確認's address: the completion page again, nothing sent twice.
    back = client.get("/c/kumamoto-ward-offices-h26/topics/counters/comment/confirm")
    assert back.headers["Location"].endswith("/c/kumamoto-ward-offices-h26/topics/counters/comment/done")
    assert db.session.scalar(select(func.count(Comment.id))) == 1

    old = FormDraft(token="old-draft", topic_id=page_topic_id(), data="{}", created_at_utc=utcnow() - timedelta(days=2))
    db.session.add(old)
    db.session.commit()
    keep_draft(db.session.scalar(select(Comment)).topic, {"body": "x"})
    assert db.session.get(FormDraft, "old-draft") is None  # a day old: gone with the next draft


def page_topic_id() -> int:
    from consult.consultation.models import Topic

    return db.session.scalar(select(Topic.id).where(Topic.slug == "counters"))
