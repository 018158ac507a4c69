from flask import abort, render_template
from flask_babel import gettext as _

from ..consultation.services import current_consultation
from ..i18n import is_english
from . import bp, services
from .charts import budget_bars, kind_shares


def _ward_name(ward):
    return ward.name_en if is_english() else ward.name


@bp.route("/")
def index():
    return render_template("reference/index.html", consultation=current_consultation())


@bp.route("/budgets")
def budgets():
    budgets = services.ward_budgets()
    charts = {
        b.id: (budget_bars(b.items, title=_("%(ward)sの事業別予算額", ward=_ward_name(b.ward)), unit=_("千円"),
                           chart_id=f"bars-{b.ward.code}"),
               kind_shares(services.totals_by_kind(b), title=_("%(ward)sの種別ごとの予算額", ward=_ward_name(b.ward)),
                           unit=_("千円"), chart_id=f"kinds-{b.ward.code}"))
        for b in budgets}
    return render_template("reference/budgets.html", consultation=current_consultation(), budgets=budgets,
                           charts=charts, kind_labels=services.KIND_LABELS)


@bp.route("/staff-opinions")
def staff_opinions():
    return render_template("reference/staff_opinions.html", consultation=current_consultation(),
                           groups=services.staff_opinions())


@bp.route("/other-cities")
def other_cities():
    return render_template("reference/other_cities.html", consultation=current_consultation(),
                           cities=services.other_cities(), projects=services.other_city_projects())


@bp.route("/<any(organisation, ordinance):slug>")
def document(slug: str):
    doc = services.document(slug)
    if doc is None:
        abort(404)
    return render_template(f"reference/{slug}.html", consultation=current_consultation(), doc=doc)
