"""A run's map as SVG: its comments (or participants) as dots in their group's colour and shape —
every dot up to reading.MAP_DOTS, else a sample that keeps each group's share (the legend gives
every group's full size, and the page says how many dots are drawn of how many)."""

from flask import url_for
from flask_babel import gettext as _

from ..edge import MAX_ID
from .models import AnalysisRun
from .reading import MapSample
from .svg import scatter_svg


def run_map(run: AnalysisRun, sample: MapSample):
    legend = {g.key: g.label or _("グループ%(key)s", key=g.key) for g in run.groups if g.parent_key is None}
    n, total = len(sample.points), sample.total
    if run.kind == "text":
        # One url_for and one translation for the whole map, not one per dot.
        before, after = url_for("secretariat.moderation_comment", comment_id=MAX_ID).rsplit(str(MAX_ID), 1)
        href = lambda item: f"{before}{item}{after}"  # noqa: E731
        template = _("ご意見 %(id)d")  # translated once, without its variable (flask_babel leaves it as is)
        label = lambda item: template % {"id": item}  # noqa: E731
        description = (_("似た内容のご意見ほど近くに置いた分布図です（%(n)d件）。", n=n) if n == total else
                       _("似た内容のご意見ほど近くに置いた分布図です（全%(total)d件のうち、グループごとの割合を保って選んだ%(n)d件）。",
                         total=total, n=n))
    else:
        href = None
        template = _("参加者 %(id)d")
        label = lambda item: template % {"id": item}  # noqa: E731
        description = (_("賛否の傾向が近い参加者ほど近くに置いた分布図です（%(n)d人）。", n=n) if n == total else
                       _("賛否の傾向が近い参加者ほど近くに置いた分布図です（全%(total)d人のうち、グループごとの割合を保って選んだ%(n)d人）。",
                         total=total, n=n))
    return scatter_svg(sample.points, title=_("分布図"), description=description, legend=legend, href=href,
                       label=label, sizes=sample.sizes)
