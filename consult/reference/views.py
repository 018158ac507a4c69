from flask import abort, current_app, render_template
from flask_babel import gettext as _

from ..consultation.services import current_consultation
from ..i18n import is_english, select_locale
from ..pagecache import PageCache, cached_page
from . import bp, services
from .charts import NARROW, budget_bars, kind_shares
from .versions import reference_version


def _ward_name(ward):
    return ward.name_en if is_english() else ward.name


@bp.route("/")
@cached_page(reference_version)
def index():
    return render_template("reference/index.html", consultation=current_consultation())


@bp.route("/budgets")
@cached_page(reference_version)
def budgets():
    budgets = services.ward_budgets()
    return render_template("reference/budgets.html", consultation=current_consultation(), budgets=budgets,
                           charts=_charts(budgets), kind_labels=services.KIND_LABELS)


def _charts(budgets) -> dict:
    """The SVG charts, drawn once per change of their data and language, not per request: visitors
    with a session of their own get the page rendered for them, but its charts from here."""
    cache = current_app.extensions.setdefault(
        "chart_cache", PageCache(8, float(current_app.config["PAGE_CACHE_MAX_AGE"])))
    key, version = select_locale(), reference_version()
    kept = cache.get(key, version) if version is not None else None
    if kept is None:
        kept = (_draw(budgets),)
        if version is not None:
            cache.put(key, version, kept)
    return kept[0]


def _draw(budgets) -> dict:
    """Per budget: (bars, kind shares) for a desktop and the same for a phone (CSS shows one)."""
    out = {}
    for b in budgets:
        bars_title = _("%(ward)sの事業別予算額", ward=_ward_name(b.ward))
        kinds_title = _("%(ward)sの種別ごとの予算額", ward=_ward_name(b.ward))
        totals = services.totals_by_kind(b)
        out[b.id] = tuple(
            (budget_bars(b.items, title=bars_title, unit=_("千円"), chart_id=f"bars-{b.ward.code}{suffix}", width=width),
             kind_shares(totals, title=kinds_title, unit=_("千円"), chart_id=f"kinds-{b.ward.code}{suffix}", width=width))
            for suffix, width in (("", 720), ("-phone", NARROW)))
    return out


@bp.route("/staff-opinions")
@cached_page(reference_version)
def staff_opinions():
    return render_template("reference/staff_opinions.html", consultation=current_consultation(),
                           groups=services.staff_opinions())


@bp.route("/other-cities")
@cached_page(reference_version)
def other_cities():
    return render_template("reference/other_cities.html", consultation=current_consultation(),
                           cities=services.other_cities(), projects=services.other_city_projects())


@bp.route("/<any(organisation, ordinance):slug>")
@cached_page(reference_version)
def document(slug: str):
    doc = services.document(slug)
    if doc is None:
        abort(404)
    return render_template(f"reference/{slug}.html", consultation=current_consultation(), doc=doc)
