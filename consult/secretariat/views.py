"""The secretariat's pages. Views are thin: they parse the request, call the services with plain
values, and render or redirect (303 after every POST). Every staff view carries @requires."""

import json
import tempfile
from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from .. import audit
from ..auth.permissions import can, requires
from ..auth.views import add_staff_link
from ..consultation.models import Topic
from ..consultation.services import current_consultation
from ..extensions import db
from ..participation.models import CHANNELS, Comment
from ..ratelimit import address_key, limiter
from ..participation.services import (InvalidInput, age_band_labels, relation_labels, vote_labels,
                                      ward_choices)
from ..workshops.models import Workshop
from . import bp, charts, document, exports, flags, groups, moderation, results, stats
from .filters import ReviewFilter, clean_arg, parse_filter, small_int, status_choices
from .labels import (channel_labels, group_state_labels, hide_reason_labels, response_category_labels,
                     status_labels)
from .models import OpinionGroup

PER_PAGE = 50
AUDIT_PER_PAGE = 50

add_staff_link("secretariat.dashboard", _l("ご意見の集計（区・審議事項・経路別）"), "review")
add_staff_link("secretariat.moderation_queue", _l("ご意見の確認（公開・非公開）"), "moderate")
add_staff_link("secretariat.group_list", _l("意見グループと市の考え方"), "review")
add_staff_link("secretariat.review_document", _l("第5回検討会資料（市民意見の集計）"), "review")
add_staff_link("secretariat.exports_page", _l("データの書き出し（CSV・Excel・JSON）"), "export")
add_staff_link("secretariat.audit_log", _l("操作記録（監査ログ）"), "read_audit_log")


# --- shared helpers ------------------------------------------------------------------------

def _consultation():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    return consultation


def _page() -> int:
    page = small_int(request.args.get("page", "1"), max_digits=6)
    return page if page else 1


def _args(source) -> dict[str, str]:
    """The first value of each argument of a MultiDict (request.args / request.form)."""
    return source.to_dict()


def filter_options(consultation_id: int) -> dict:
    """Choices of the filter form, read in a few queries."""
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                .order_by(Topic.number)).all()
    workshops = db.session.execute(select(Workshop.id, Workshop.title).where(Workshop.consultation_id == consultation_id)
                                   .order_by(Workshop.starts_at_utc, Workshop.id)).all()
    return {"topics": topics, "wards": ward_choices(), "channels": channel_labels(), "statuses": status_choices(),
            "workshops": workshops, "groups": groups.groups_for_select(consultation_id)}


def _pct(value):
    return "—" if value is None else f"{100 * value:.1f}%"


def _ci(interval):
    return "—" if interval is None else f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}%"


def template_helpers() -> dict:
    """What every secretariat template may use (also given by the CLI, outside a request)."""
    return {"pct": _pct, "ci": _ci, "channel_labels": channel_labels(), "status_labels": status_labels(),
            "category_labels": response_category_labels(), "group_state_labels": group_state_labels(),
            "can": can, "channels": CHANNELS}


@bp.context_processor
def _helpers():
    return template_helpers()


def _filter_or_errors(default_status: str = "active"):
    consultation = _consultation()
    try:
        return consultation, parse_filter(_args(request.args), consultation.id, default_status=default_status), {}
    except InvalidInput as exc:
        return consultation, None, exc.errors


def _filter_error_page(template: str, consultation, errors, **extra):
    values = {k: request.args.get(k, "") for k in ("topic", "ward", "channel", "workshop", "status", "group",
                                                    "from", "to", "q")}
    return render_template(template, consultation=consultation, f=None, values=values, errors=errors,
                           options=filter_options(consultation.id), **extra), 422


# --- review dashboard ----------------------------------------------------------------------

@bp.route("/staff/review")
@requires("review")
def dashboard():
    consultation, f, errors = _filter_or_errors()
    if f is None:
        return _filter_error_page("secretariat/dashboard.html", consultation, errors)
    people = stats.profiles(f)  # who took part, counted once for every participant figure
    totals = stats.totals(f, people)
    matrix = stats.topic_ward_matrix(f)
    rep = stats.representativeness(f, people)
    proposals = stats.proposals_by_ward(f)
    days = stats.over_time(f)
    channels = channel_labels()
    votes = vote_labels()
    proposal_charts = {
        p.proposal.id: charts.stacked_chart(
            [(r.label, [r.cells[v].k for v in ("agree", "disagree", "pass")]) for r in p.rows if r.n]
            + [(_("全体"), [p.total.cells[v].k for v in ("agree", "disagree", "pass")])],
            [(document.VOTE_SHORT[v], str(votes[v])) for v in ("agree", "disagree", "pass")], percent=True,
            unit="n=", title=_("提案への賛否（区別）：%(p)s", p=p.proposal.text), chart_id=f"p{p.proposal.id}")
        for p in proposals if p.total.n}
    return render_template(
        "secretariat/dashboard.html", consultation=consultation, f=f, values=f.values(), errors={},
        options=filter_options(consultation.id), totals=totals, matrix=matrix, rep=rep, proposals=proposals,
        days=days, relations=stats.relations(f, people), ages=stats.age_bands(f, people), vote_labels=votes,
        relation_labels=relation_labels(), age_band_labels=age_band_labels(), verdicts=exports.verdict_labels(),
        channel_chart=charts.stacked_chart(
            [(_("ご意見"), [totals.comments[c] for c in CHANNELS]), (_("参加者（延べ）"), [totals.participants[c] for c in CHANNELS]),
             (_("賛否"), [totals.votes[c] for c in CHANNELS])],
            [(document.CHANNEL_SHORT[c], str(channels[c])) for c in CHANNELS],
            title=_("経路別のご意見・参加者・賛否の数"), chart_id="channels"),
        rep_chart=document.representativeness_chart(rep, chart_id="rep"),
        time_chart=charts.grouped_chart(
            [(f"{d.day.month}/{d.day.day}", [d.comments, d.votes]) for d in days],
            [(_("意見"), _("ご意見")), (_("賛否"), _("賛否"))], title=_("日ごとのご意見と賛否の数（日本時間）"),
            chart_id="days") if days else None,
        proposal_charts=proposal_charts)


@bp.route("/staff/review/comments")
@requires("review")
def review_comments():
    consultation, f, errors = _filter_or_errors()
    if f is None:
        return _filter_error_page("secretariat/comments.html", consultation, errors, comments=[], total=0)
    page = _page()
    comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE)
    return render_template("secretariat/comments.html", consultation=consultation, f=f, values=f.values(),
                           errors={}, options=filter_options(consultation.id), comments=comments, total=total,
                           page=page, per_page=PER_PAGE, ward_labels=dict(ward_choices()))


# --- moderation ----------------------------------------------------------------------------

def _render_queue(consultation, f, *, errors=None, bulk_values=None, status=200):
    page = _page()
    comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE, oldest_first=True)
    found = {c.id: flags.find_flags(c.body) for c in comments}
    return render_template(
        "secretariat/moderation_queue.html", consultation=consultation, f=f, values=f.values(), errors={},
        bulk_errors=errors or {}, bulk_values=bulk_values or {}, options=filter_options(consultation.id),
        comments=comments, total=total, page=page, per_page=PER_PAGE, flags=found,
        highlight=flags.highlight, kind_labels=flags.kind_labels(), reasons=hide_reason_labels(),
        ward_labels=dict(ward_choices()), checked=set((bulk_values or {}).get("ids_list", []))), status


@bp.route("/staff/moderation")
@requires("moderate")
def moderation_queue():
    consultation = _consultation()
    try:
        f = parse_filter(_args(request.args), consultation.id, default_status="pending")
    except InvalidInput as exc:
        return _filter_error_page("secretariat/moderation_queue.html", consultation, exc.errors, comments=[],
                                  total=0, bulk_errors={}, bulk_values={}, flags={}, reasons=hide_reason_labels(),
                                  checked=set())
    return _render_queue(consultation, f)


@bp.route("/staff/moderation/bulk", methods=["POST"])
@requires("moderate")
def moderation_bulk():
    consultation = _consultation()
    try:
        f = parse_filter(_args(request.form), consultation.id, default_status="pending")
    except InvalidInput:
        f = ReviewFilter(consultation_id=consultation.id, status="pending", default_status="pending")
    try:
        ids = moderation.parse_ids(request.form.getlist("ids"))
        result = moderation.bulk(current_user, ids, request.form.get("action", ""),
                                 reason=request.form.get("reason", ""), note=request.form.get("note", ""))
    except InvalidInput as exc:
        db.session.rollback()
        return _render_queue(consultation, f, errors=exc.errors, status=422,
                             bulk_values={**request.form.to_dict(), "ids_list": request.form.getlist("ids")})
    db.session.commit()
    if request.form.get("action") == "publish":
        flash(_("%(n)d件を公開しました。", n=result.changed), "success")
    else:
        flash(_("%(n)d件を非公開にしました。", n=result.changed), "success")
    if result.skipped:
        flash(_("%(n)d件は、ほかの職員がすでに確認済みのため変更していません。", n=result.skipped), "warning")
    return redirect(url_for("secretariat.moderation_queue", **f.as_args()), code=303)


def _get_comment(comment_id: int, consultation) -> Comment:
    comment = db.session.scalar(moderation.comment_query().join(Topic, Topic.id == Comment.topic_id)
                                .where(Comment.id == comment_id, Topic.consultation_id == consultation.id))
    if comment is None:
        abort(404)
    return comment


def _render_comment(comment, *, errors=None, values=None, status=200):
    found = flags.find_flags(comment.body)
    proposed = comment.body_published if comment.body_published is not None else flags.mask(comment.body, found)
    return render_template(
        "secretariat/moderation_comment.html", comment=comment, flags=found, highlighted=flags.highlight(comment.body, found),
        kind_labels=flags.kind_labels(), reasons=hide_reason_labels(), errors=errors or {},
        values={"body_published": proposed, "reason": "", "note": "", **(values or {})},
        version=moderation.version(comment), ward_labels=dict(ward_choices()),
        relation_labels=relation_labels(), age_band_labels=age_band_labels()), status


@bp.route("/staff/moderation/<int:comment_id>", methods=["GET", "POST"])
@requires("moderate")
def moderation_comment(comment_id: int):
    consultation = _consultation()
    comment = _get_comment(comment_id, consultation)
    if request.method == "GET":
        return _render_comment(comment)
    action = request.form.get("action", "")
    seen = request.form.get("version")  # absent: no check (the pages always send it)
    try:
        if action == "publish":
            moderation.publish(current_user, comment, seen=seen)
            message = _("受付番号 %(r)s を原文のまま公開しました。", r=comment.receipt_no)
        elif action == "publish_edited":
            moderation.publish_edited(current_user, comment, request.form.get("body_published", ""), seen=seen)
            message = _("受付番号 %(r)s を編集した文で公開しました（原文はそのまま保存しています）。", r=comment.receipt_no)
        elif action == "hide":
            moderation.hide(current_user, comment, request.form.get("reason", ""), request.form.get("note", ""), seen=seen)
            message = _("受付番号 %(r)s を非公開にしました。", r=comment.receipt_no)
        else:
            raise InvalidInput({"action": [_l("操作を選んでください。")]})
    except InvalidInput as exc:
        db.session.rollback()
        return _render_comment(_get_comment(comment_id, consultation), errors=exc.errors,
                               values=request.form.to_dict(), status=422)
    except moderation.Conflict:
        db.session.rollback()
        return _render_comment(_get_comment(comment_id, consultation), errors={"_form": [
            _l("このご意見は、この画面を開いた後にほかの職員が操作しました。最新の状態を確認してから、もう一度操作してください。")]},
            status=409)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("secretariat.moderation_comment", comment_id=comment.id), code=303)


# --- opinion groups ------------------------------------------------------------------------

@bp.route("/staff/groups")
@requires("review")
def group_list():
    consultation = _consultation()
    return render_template("secretariat/groups.html", overview=groups.overview(consultation.id))


def _group_or_404(group_id: int, consultation) -> OpinionGroup:
    group = groups.get_group(group_id, consultation.id)
    if group is None:
        abort(404)
    return group


def _group_form(consultation, group=None, *, values=None, errors=None, status=200):
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)
                                .order_by(Topic.number)).all()
    if values is None:
        values = ({"title": group.title, "summary": group.summary, "answer": group.answer,
                   "response_category": group.response_category or "", "position": str(group.position)}
                  if group else {"topic": request.args.get("topic", ""), "position": "0"})
    return render_template("secretariat/group_form.html", group=group, topics=topics, values=values,
                           errors=errors or {}), status


@bp.route("/staff/groups/new", methods=["GET", "POST"])
@requires("review")
def group_new():
    consultation = _consultation()
    if request.method == "GET":
        return _group_form(consultation)
    try:
        values = groups.validate_group(request.form, consultation.id, with_topic=True)
    except InvalidInput as exc:
        return _group_form(consultation, values=request.form.to_dict(), errors=exc.errors, status=422)
    group = groups.create_group(current_user, values)
    db.session.commit()
    flash(_("意見グループ「%(t)s」を作りました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_detail", group_id=group.id), code=303)


def _render_group(group: OpinionGroup, *, errors=None, status=200):
    page = _page()
    per_page = 200
    in_group = Comment.opinion_group_id == group.id
    statuses = dict(db.session.execute(select(Comment.status, func.count()).where(in_group)
                                       .group_by(Comment.status)).all())
    comments = db.session.scalars(select(Comment).where(in_group).order_by(Comment.receipt_no)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    siblings = db.session.scalars(select(OpinionGroup).where(OpinionGroup.topic_id == group.topic_id,
                                                             OpinionGroup.id != group.id)
                                  .order_by(OpinionGroup.position, OpinionGroup.id)).all()
    return render_template("secretariat/group_detail.html", group=group, comments=comments,
                           total=sum(statuses.values()), statuses=statuses, page=page, per_page=per_page,
                           siblings=siblings, ward_labels=dict(ward_choices()), errors=errors or {}), status


@bp.route("/staff/groups/<int:group_id>")
@requires("review")
def group_detail(group_id: int):
    return _render_group(_group_or_404(group_id, _consultation()))


@bp.route("/staff/groups/<int:group_id>/edit", methods=["GET", "POST"])
@requires("review")
def group_edit(group_id: int):
    consultation = _consultation()
    group = _group_or_404(group_id, consultation)
    if request.method == "GET":
        return _group_form(consultation, group)
    try:
        values = groups.validate_group(request.form, consultation.id, with_topic=False)
    except InvalidInput as exc:
        return _group_form(consultation, group, values=request.form.to_dict(), errors=exc.errors, status=422)
    groups.update_group(current_user, group, values)
    if request.form.get("confirm") == "1":
        groups.confirm_group(current_user, group)
    db.session.commit()
    flash(_("意見グループ「%(t)s」を保存しました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_detail", group_id=group.id), code=303)


@bp.route("/staff/groups/<int:group_id>/confirm", methods=["POST"])
@requires("review")
def group_confirm(group_id: int):
    group = _group_or_404(group_id, _consultation())
    groups.confirm_group(current_user, group)
    db.session.commit()
    flash(_("意見グループ「%(t)s」を確定しました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_list"), code=303)


@bp.route("/staff/groups/<int:group_id>/merge", methods=["POST"])
@requires("review")
def group_merge(group_id: int):
    consultation = _consultation()
    source = _group_or_404(group_id, consultation)
    raw = request.form.get("target", "")
    target = groups.get_group(small_int(raw), consultation.id) if small_int(raw) is not None else None
    try:
        if target is None:
            raise InvalidInput({"target": [_l("統合先のグループを選んでください。")]})
        title, target_title = source.title, target.title
        moved = groups.merge_group(current_user, source, target)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_group(_group_or_404(group_id, consultation), errors=exc.errors, status=422)
    db.session.commit()
    flash(_("「%(s)s」を「%(t)s」に統合しました（%(n)d件のご意見を移しました）。", s=title, t=target_title, n=moved), "success")
    return redirect(url_for("secretariat.group_detail", group_id=target.id), code=303)


@bp.route("/staff/groups/<int:group_id>/delete", methods=["POST"])
@requires("review")
def group_delete(group_id: int):
    group = _group_or_404(group_id, _consultation())
    title = group.title
    freed = groups.delete_group(current_user, group)
    db.session.commit()
    flash(_("意見グループ「%(t)s」を削除しました（%(n)d件のご意見は未分類に戻りました）。", t=title, n=freed), "success")
    return redirect(url_for("secretariat.group_list"), code=303)


@bp.route("/staff/groups/assign", methods=["POST"])
@requires("review")
def group_assign():
    consultation = _consultation()
    try:
        f = parse_filter(_args(request.form), consultation.id)
    except InvalidInput:
        f = ReviewFilter(consultation_id=consultation.id)
    back = url_for("secretariat.review_comments", **f.as_args())
    return_group = request.form.get("return_group", "")
    if small_int(return_group) is not None:
        back = url_for("secretariat.group_detail", group_id=small_int(return_group))
    raw = request.form.get("target_group", "")
    try:
        ids = moderation.parse_ids(request.form.getlist("ids"))
        if raw == "none":
            group = None
        else:
            group = groups.get_group(small_int(raw), consultation.id) if small_int(raw) is not None else None
            if group is None:
                raise InvalidInput({"target_group": [_l("振り分け先の意見グループを選んでください。")]})
        result = groups.assign(current_user, ids, group)
    except InvalidInput as exc:
        db.session.rollback()
        page = _page()
        comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE)
        return render_template("secretariat/comments.html", consultation=consultation, f=f, values=f.values(),
                               errors={}, assign_errors=exc.errors, options=filter_options(consultation.id),
                               comments=comments, total=total, page=page, per_page=PER_PAGE,
                               ward_labels=dict(ward_choices())), 422
    db.session.commit()
    if group is None:
        flash(_("%(n)d件をグループから外しました。", n=result.assigned), "success")
    else:
        flash(_("%(n)d件を「%(t)s」に振り分けました。", n=result.assigned, t=group.title), "success")
    if result.other_topic:
        flash(_("%(n)d件は別の審議事項のご意見のため、振り分けていません。", n=result.other_topic), "warning")
    return redirect(back, code=303)


# --- the review document -------------------------------------------------------------------

@bp.route("/staff/review/document")
@requires("review")
def review_document():
    consultation, f, errors = _filter_or_errors()
    if f is None:
        return _filter_error_page("secretariat/document.html", consultation, errors, doc=None)
    return render_template("secretariat/document.html", consultation=consultation, f=f, values=f.values(),
                           errors={}, options=filter_options(consultation.id), doc=document.build(f),
                           vote_labels=vote_labels(), verdicts=exports.verdict_labels(),
                           ward_labels=dict(ward_choices()))


@bp.route("/staff/review/document.xlsx")
@requires("export")
def review_document_xlsx():
    consultation, f, errors = _filter_or_errors()
    if f is None:
        return _filter_error_page("secretariat/document.html", consultation, errors, doc=None)
    # Recorded first and committed at once: on SQLite a GET holds no write lock, so its write comes early.
    exports.record_export(current_user, "document_xlsx", f)
    db.session.commit()
    doc = document.build(f, with_charts=False)
    fh = tempfile.TemporaryFile()
    document.write_document_workbook(fh, doc)
    return _download(exports.file_chunks(fh), exports.filename("review-document", "xlsx"), XLSX_TYPE)


# --- exports -------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ExportOptions:
    format: str = "csv"
    encoding: str = "utf-8-sig"
    replacement: str = "〓"


def parse_export_options(args) -> ExportOptions:
    errors: dict[str, list] = {}
    fmt = args.get("format") or "csv"
    if fmt not in exports.FORMATS:
        errors["format"] = [_l("形式は CSV・Excel・JSON から選んでください。")]
    encoding = args.get("encoding") or "utf-8-sig"
    if encoding not in exports.ENCODINGS:
        errors["encoding"] = [_l("文字コードは UTF-8（BOM付き）か Shift_JIS（CP932）から選んでください。")]
    replacement = args.get("replacement") or "〓"
    if replacement not in exports.REPLACEMENTS:
        errors["replacement"] = [_l("置き換える文字は「〓」か「?」から選んでください。")]
    if errors:
        raise InvalidInput(errors)
    return ExportOptions(fmt, encoding, replacement)


def _download(chunks, filename: str, mimetype: str) -> Response:
    """A file sent as it is made. The generators need no request context (see exports.py)."""
    response = Response(chunks, content_type=mimetype, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _exports_page(consultation, f, *, values=None, errors=None, export_errors=None, status=200):
    return render_template("secretariat/exports.html", consultation=consultation, f=f,
                           values=values or (f.values() if f else {}), errors=errors or {},
                           export_errors=export_errors or {}, options=filter_options(consultation.id),
                           export_values={"format": request.args.get("format", "csv"),
                                          "encoding": request.args.get("encoding", "utf-8-sig"),
                                          "replacement": request.args.get("replacement", "〓")}), status


@bp.route("/staff/exports")
@requires("export")
def exports_page():
    consultation, f, errors = _filter_or_errors(default_status="all")
    if f is None:
        return _filter_error_page("secretariat/exports.html", consultation, errors, export_errors={},
                                  export_values={"format": "csv", "encoding": "utf-8-sig", "replacement": "〓"})
    return _exports_page(consultation, f)


@bp.route("/staff/exports/comments")
@requires("export")
def export_comments():
    consultation = _consultation()
    filter_errors, export_errors, f, options = {}, {}, None, None
    try:
        f = parse_filter(_args(request.args), consultation.id, default_status="all")
    except InvalidInput as exc:
        filter_errors = exc.errors
    try:
        options = parse_export_options(request.args)
    except InvalidInput as exc:
        export_errors = exc.errors
    if filter_errors or export_errors:
        values = {k: request.args.get(k, "") for k in ("topic", "ward", "channel", "workshop", "status", "group",
                                                        "from", "to", "q")}
        return _exports_page(consultation, f, values=values, errors=filter_errors, export_errors=export_errors,
                             status=422)
    if options.format == "csv" and options.encoding == "cp932" and request.args.get("checked") != "1":
        report = exports.cp932_check(f, options.replacement)
        return render_template("secretariat/cp932_report.html", report=report, f=f,
                               download_args={**f.as_args(), "format": "csv", "encoding": "cp932",
                                              "replacement": options.replacement, "checked": "1"})
    details = {"format": options.format}
    if options.format == "csv":
        details.update(encoding=options.encoding, replacement=options.replacement)
    exports.record_export(current_user, options.format, f, **details)
    db.session.commit()
    if options.format == "csv":
        charset = "Windows-31J" if options.encoding == "cp932" else "utf-8"
        return _download(exports.comments_csv(f, encoding=options.encoding, replacement=options.replacement),
                         exports.filename("comments", "csv"), f"text/csv; charset={charset}")
    if options.format == "json":
        return _download(exports.comments_json(f), exports.filename("comments", "json"),
                         "application/json; charset=utf-8")
    return _download(exports.file_chunks(exports.workbook_file(f)), exports.filename("comments", "xlsx"),
                     XLSX_TYPE)


# --- the audit log (admins) ----------------------------------------------------------------

def _json_text(value) -> str | None:
    """Before/after values as readable JSON (Japanese as written, not \\u escapes)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


@bp.route("/staff/audit")
@requires("read_audit_log")
def audit_log():
    page = _page()
    values = {k: clean_arg(request.args.get(k, ""))[:64] for k in ("action", "target_type", "target_id")}
    rows, total = audit.events_page(**values, page=page, per_page=AUDIT_PER_PAGE)
    events = [(event, email, _json_text(event.before), _json_text(event.after)) for event, email in rows]
    return render_template("secretariat/audit.html", events=events, total=total, page=page,
                           per_page=AUDIT_PER_PAGE, values=values)


# --- public: results and open data ---------------------------------------------------------

@bp.route("/results")
def public_results():
    consultation = current_consultation()
    if not results.results_public(consultation):
        return render_template("secretariat/results_not_yet.html", consultation=consultation), 404
    return render_template("secretariat/results.html", consultation=consultation,
                           data=results.public_results(consultation), vote_labels=vote_labels())


# The whole file for anyone: a few downloads a minute per address are plenty (a hashed address key).
OPEN_DATA_LIMIT = "20/minute;200/day"


@bp.route("/results/open-data.csv")
@limiter.limit(lambda: current_app.config.get("RATE_LIMIT_OPEN_DATA", OPEN_DATA_LIMIT), key_func=address_key)
def open_data():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    chunks = exports.open_data_csv(consultation.id, with_groups=results.results_public(consultation))
    response = Response(chunks, content_type="text/csv; charset=utf-8", direct_passthrough=True)
    response.headers["Content-Disposition"] = 'attachment; filename="consult-open-data-comments.csv"'
    response.headers["Cache-Control"] = "public, max-age=300"  # the same file for everyone; spares the database
    return response
