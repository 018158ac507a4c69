from flask import abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..consultation.context import API
from .. import pagecache
from ..audit.models import AuditEvent
from ..consultation.models import Consultation, Topic
from ..consultation.services import (current_consultation, get_topic_or_404, live_proposals, live_sections,
                                     ward_choices)
from ..core.errors import InvalidInput, NotAccepting
from ..edge import MAX_PAGE, parse_int
from ..extensions import db
from ..i18n import to_jst
from ..pagecache import cached_page, last_id, version_rows
from ..participation.identity import current_public_id, ensure_participant, remember
from ..participation.models import Comment, Support
from ..participation.reading import published_page
from ..participation.services import submit_comment, validate_comment, vote_by_keys, vote_counts
from ..ratelimit import public_write
from ..reference import services as reference
from ..security import refuse_cross_site
from . import bp
from .openapi import openapi_document


def _iso(dt):
    return to_jst(dt).isoformat() if dt else None


def _topic_json(topic: Topic) -> dict:
    counts = vote_counts(topic)
    return {
        "number": topic.number, "slug": topic.slug, "title": topic.title, "title_en": topic.title_en,
        "lead": topic.lead, "url": url_for("participation.topic", slug=topic.slug, _external=True),
        "sections": [{"anchor": s.anchor, "heading": s.current.heading, "body_markdown": s.current.body,
                      "revision": s.current.number, "revised_at": _iso(s.current.created_at_utc)}
                     for s in live_sections(topic)],
        "proposals": [{"key": p.key, "text": p.text, "counts": counts[p.id]} for p in live_proposals(topic)],
    }


def _json_body() -> dict:
    if not request.is_json:
        abort(415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput({"_body": [_("JSONオブジェクトを送信してください。")]})
    return data


def _invalid(exc: InvalidInput):
    return jsonify(error="invalid", message=_("入力内容を確認してください。"), errors=exc.as_text()), 422


def _closed():
    return jsonify(error="not_accepting", message=_("現在、ご意見や賛否の受付期間ではありません。")), 403


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/consultations")
def consultations():
    listed = db.session.scalars(select(Consultation).where(Consultation.archived_at_utc.is_(None))
                                .order_by(Consultation.id)).all()
    return jsonify(consultations=[{
        "slug": c.slug, "title": c.title, "kind": c.kind, "phase": str(c.effective_phase),
        "period": {"opens_at": _iso(c.comments_open_at_utc), "closes_at": _iso(c.comments_close_at_utc)},
        "url": url_for("participation.home", consultation_slug=c.slug, _external=True),
        "api": url_for("api.topics", consultation_slug=c.slug, _external=True)} for c in listed])


@bp.get(API + "/topics")
def topics():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    return jsonify(consultation={"slug": consultation.slug, "title": consultation.title, "phase": consultation.phase},
                   topics=[_topic_json(t) for t in consultation.topics])


@bp.get(API + "/topics/<slug>")
def topic(slug: str):
    return jsonify(_topic_json(get_topic_or_404(slug)))


@bp.get("/reference/ward-budgets")
def ward_budgets():
    return jsonify(unit="千円", kinds=reference.KIND_LABELS, wards=[{
        "ward": b.ward.code, "ward_name": b.ward.name, "fiscal_year": b.fiscal_year, "vision": b.vision,
        "stated_total": b.stated_total, "items_total": b.items_total,
        "items": [{"no": i.no, "kinds": i.kind_list, "name": i.name, "group": i.group_label,
                   "description": i.description, "amount": i.amount} for i in b.items],
    } for b in reference.ward_budgets()])


@bp.get("/reference/staff-opinions")
def staff_opinions():
    return jsonify(headings=[{"title": heading, "opinions": [o.text for o in opinions]}
                             for heading, opinions in reference.staff_opinions()])


@bp.get("/reference/other-cities")
def other_cities():
    return jsonify(
        cities=[{"name": c.name, "request_to": c.request_to, "programs": c.programs,
                 "budget_fy2012": c.budget_fy2012, "allocation": c.allocation, "note": c.note}
                for c in reference.other_cities()],
        own_projects=[{"city": p.city, "program": p.program, "summary": p.summary, "examples": p.examples}
                      for p in reference.other_city_projects()])


def _int_arg(name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = parse_int(raw, low, high)
    if value is None:
        errors[name] = [_("%(low)d以上%(high)d以下の整数を指定してください。", low=low, high=high)]
        return default
    return value


def _comments_statement():
    # Published as they arrive or by audited moderation; the supports each shows; topics, sections
    # and proposals (their keys are printed) change only by audited staff edits.
    return select(last_id(AuditEvent.id), last_id(Comment.id), last_id(Support.id), last_id(Consultation.id),
                  pagecache.snapshot_column())


def comments_version() -> pagecache.Version:
    [(*values, snapshot)] = version_rows("api_comments", _comments_statement)
    return pagecache.version(tuple(values), snapshot)


@bp.get(API + "/comments")
@cached_page(comments_version, args=frozenset({"topic", "ward", "page", "per_page", "lang"}))
def comments():
    errors: dict = {}
    topic = None
    if request.args.get("topic"):
        consultation = current_consultation()
        topic = db.session.query(Topic).filter_by(consultation_id=consultation.id,
                                                  slug=request.args["topic"]).one_or_none()
        if topic is None:
            errors["topic"] = [_("この論点はありません。")]
    ward = request.args.get("ward") or None
    if ward is not None and ward not in dict(ward_choices()):
        errors["ward"] = [_("区の選択肢にない値です。一覧から選んでください。")]
    page = _int_arg("page", 1, 1, MAX_PAGE, errors)
    per_page = _int_arg("per_page", current_app.config["COMMENTS_PER_PAGE"], 1,
                        current_app.config["API_MAX_PER_PAGE"], errors)
    if errors:
        return _invalid(InvalidInput(errors))
    rows, total = published_page(topic=topic, consultation=current_consultation(), ward_code=ward, page=page,
                                 per_page=per_page, options=(
        selectinload(Comment.topic), selectinload(Comment.section), selectinload(Comment.proposal)))
    return jsonify(page=page, per_page=per_page, total=total, items=[{
        "id": c.id, "topic": c.topic.slug, "section": c.section.anchor if c.section else None,
        "proposal": c.proposal.key if c.proposal else None, "ward": c.ward_code, "channel": c.channel,
        "body": c.public_text, "supports": supports, "demo": c.is_demo, "created_at": _iso(c.created_at_utc),
    } for c, supports in rows])


@bp.post(API + "/comments")
@public_write("RATE_LIMIT_COMMENTS")
def post_comment():
    refuse_cross_site()
    try:
        data = _json_body()
        slug = data.get("topic")
        topic = None
        if isinstance(slug, str):
            topic = db.session.query(Topic).filter_by(consultation_id=current_consultation().id,
                                                      slug=slug).one_or_none()
        if topic is None:
            raise InvalidInput({"topic": [_("この論点はありません。")]})
        draft = validate_comment(topic, data)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 16 <= len(key) <= 64:
            raise InvalidInput({"Idempotency-Key": [_("Idempotency-Key は16〜64文字で指定してください。")]})
        comment, created = submit_comment(draft, ensure_participant(), submission_key=key)
    except InvalidInput as exc:
        return _invalid(exc)
    except NotAccepting:
        return _closed()
    return jsonify(receipt_no=comment.receipt_no, status=comment.status,
                   received_at=_iso(comment.created_at_utc)), 201 if created else 200


@bp.post(API + "/votes")
@public_write("RATE_LIMIT_VOTES")
def post_vote():
    refuse_cross_site()
    try:
        data = _json_body()
        value = data.get("value")
        result = vote_by_keys(current_public_id(), data.get("topic"), data.get("proposal"), value, data)
    except InvalidInput as exc:
        db.session.rollback()
        return _invalid(exc)
    except NotAccepting:
        db.session.rollback()
        return _closed()
    if result.new_public_id:
        remember(result.new_public_id)
    return jsonify(topic=data["topic"], proposal=data["proposal"], value=value, counts=result.counts)
