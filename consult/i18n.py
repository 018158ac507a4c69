"""Languages, time zones and Japanese calendar eras.

The UI is Japanese by default; English is chosen by the language switch (a cookie), never
guessed from the browser, so that a link a citizen shares shows the same page to everyone.
Times are stored in UTC and shown in JST; officials expect dates in 和暦 with 西暦 beside them.
"""

from datetime import date, datetime, time, timedelta, timezone

from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _

from .extensions import babel
from .security import safe_path

JST = timezone(timedelta(hours=9), "JST")
LANG_COOKIE = "lang"
# Furigana over the kanji of the public pages (consult.readings adds them), chosen like the language.
FURIGANA_COOKIE = "furigana"
# やさしい日本語 versions of what staff wrote, where they wrote one (consult.language_versions).
EASY_COOKIE = "easy"

# (first day, name in Japanese, name in English); newest first.
ERAS = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
)

# Part of a month, as the seed writes meeting dates (H26.6 下旬).
MONTH_PARTS = {
    "early": ("上旬", "early"),
    "mid": ("中旬", "mid"),
    "late": ("下旬", "late"),
    "early-mid": ("上旬～中旬", "early to mid"),
}

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def furigana_chosen() -> bool:
    """The visitor turned furigana on (it applies to Japanese public pages only)."""
    return request.cookies.get(FURIGANA_COOKIE) == "1"


def easy_chosen() -> bool:
    return request.cookies.get(EASY_COOKIE) == "1"


def is_english() -> bool:
    return str(get_locale()) == "en"


def era_of(d: date) -> tuple[str, str, int]:
    for start, ja, en in ERAS:
        if d >= start:
            return ja, en, d.year - start.year + 1
    raise ValueError("dates before 昭和 are not supported")


def _era_year_ja(d: date) -> str:
    name, _en, year = era_of(d)
    return f"{name}{'元' if year == 1 else year}年"


def wareki(d: date | datetime | None, *, with_western: bool = True) -> str:
    """平成26年5月15日（2014年5月15日） in Japanese; 15 May 2014 (Heisei 26) in English."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = to_jst(d).date()
    _ja, en, year = era_of(d)
    if is_english():
        text = f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
        return f"{text} ({en} {year})" if with_western else text
    text = f"{_era_year_ja(d)}{d.month}月{d.day}日"
    return f"{text}（{d.year}年{d.month}月{d.day}日）" if with_western else text


def wareki_time(dt: datetime | None) -> str:
    """平成26年10月31日（2014年10月31日）17:00 — a stored UTC time shown in JST, 和暦 and 西暦."""
    if dt is None:
        return ""
    return f"{wareki(dt)} {to_jst(dt):%H:%M}"


def approximate_date(d: date, part: str | None) -> str:
    """A date known to the day, or only to part of a month (H26.6 下旬 → 平成26年6月下旬（2014年6月下旬）)."""
    if not part:
        return wareki(d)
    ja_part, en_part = MONTH_PARTS[part]
    _ja, en, year = era_of(d)
    if is_english():
        return f"{en_part} {MONTHS_EN[d.month - 1]} {d.year} ({en} {year})"
    return f"{_era_year_ja(d)}{d.month}月{ja_part}（{d.year}年{d.month}月{ja_part}）"


def to_jst(dt: datetime) -> datetime:
    # Stored datetimes are naive UTC (SQLite keeps no zone); PostgreSQL gives the same back.
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(JST)


def jst(dt: datetime | None) -> str:
    if dt is None:
        return ""
    local = to_jst(dt)
    if is_english():
        return local.strftime("%Y-%m-%d %H:%M JST")
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def deadline(close_utc: datetime | None, now_utc: datetime | None = None) -> str:
    """「10月31日（金）23:59まで・あと25日」: the closing moment in JST and the days left by the JST
    calendar (「本日23:59まで」 on the last day); "" when there is no closing time or it has passed."""
    if close_utc is None:
        return ""
    now_utc = now_utc or utcnow()
    if now_utc >= close_utc:
        return ""
    close = to_jst(close_utc)
    # A period that closes at midnight ends with the day before: 00:00 is shown as 24:00 of that day.
    last_day = (close - timedelta(microseconds=1)).date()
    time = f"{close:%H:%M}" if (close.hour, close.minute) != (0, 0) else "24:00"
    days = (last_day - to_jst(now_utc).date()).days
    if is_english():
        when = f"{WEEKDAYS_EN[last_day.weekday()]} {last_day.day} {MONTHS_EN[last_day.month - 1]}, {time} JST"
        if days == 0:
            return f"Until today, {time} JST"
        return f"Until {when} · {days} day{'s' if days > 1 else ''} left"
    if days == 0:
        return f"本日{time}まで"
    return f"{last_day.month}月{last_day.day}日（{WEEKDAYS_JA[last_day.weekday()]}）{time}まで・あと{days}日"


def jst_day_start_utc(day: date) -> datetime:
    """The naive UTC instant at which a JST calendar day begins (the form timestamps are stored in)."""
    return datetime.combine(day, time(0, 0), tzinfo=JST).astimezone(timezone.utc).replace(tzinfo=None)


def colon() -> str:
    """The separator after a label: full-width in Japanese, ": " in English."""
    return ": " if is_english() else "："


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp column stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def set_language():
    lang = request.args.get("lang", "")
    target = safe_path(request.args.get("next")) or url_for("participation.index")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def _translations():
    """Flask-Babel's translations for this request, found once per request and language: its own
    lookup walks the request's globals five times per string, and a staff page translates
    hundreds (the review dashboard about 600). ``force_locale`` changes the locale, and so the
    lookup."""
    ctx = g.get("_flask_babel")
    if ctx is None:
        return get_translations()
    kept = getattr(ctx, "consult_translations", None)
    locale, domain = getattr(ctx, "babel_locale", None), getattr(ctx, "babel_domain", None)
    if kept is not None and kept[0] is locale and kept[1] is domain and locale is not None:
        return kept[2]
    translations = get_translations()  # sets the request's locale on first use
    ctx.consult_translations = (getattr(ctx, "babel_locale", None), getattr(ctx, "babel_domain", None), translations)
    return translations


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    # The templates' _() and friends through the kept translations (Flask-Babel installs the same
    # callables around its own lookup).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.add_url_rule("/lang", "set_language", set_language)
    app.jinja_env.filters.update(wareki=wareki, wareki_time=wareki_time, jst=jst, isodate=date.fromisoformat)
    app.jinja_env.globals.update(approximate_date=approximate_date, get_locale=get_locale, deadline=deadline, colon=colon,
                                 is_english=is_english)

    @app.context_processor
    def _language_switch():
        return {"other_language": ("en", "English") if not is_english() else ("ja", "日本語"),
                "page_title_suffix": _("熊本市 意見募集")}
