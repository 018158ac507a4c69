"""A run's map as SVG: every comment (or participant) a dot in its group's colour and shape."""

from flask import url_for
from flask_babel import gettext as _

from .models import AnalysisRun
from .svg import scatter_svg


def run_map(run: AnalysisRun, points):
    legend = {g.key: g.label or _("グループ%(key)s", key=g.key) for g in run.groups if g.parent_key is None}
    if run.kind == "text":
        href = lambda item: url_for("secretariat.moderation_comment", comment_id=item)  # noqa: E731
        label = lambda item: _("ご意見 %(id)d", id=item)  # noqa: E731
        description = _("似た内容のご意見ほど近くに置いた分布図です（%(n)d件）。", n=len(points))
    else:
        href = None
        label = lambda item: _("参加者 %(id)d", id=item)  # noqa: E731
        description = _("賛否の傾向が近い参加者ほど近くに置いた分布図です（%(n)d人）。", n=len(points))
    return scatter_svg([(item, x, y, key) for item, x, y, key in points], title=_("分布図"),
                       description=description, legend=legend, href=href, label=label)
