"""Display labels of the codes, one wording per code for every page, export and document.

Functions, not constants, so that each call gives strings in the request's language.
"""

from typing import Any

from flask_babel import lazy_gettext as _l


def relation_labels() -> dict[str, Any]:
    return {"resident": _l("区内に住んでいる"), "commuter": _l("区内に通勤・通学している"),
            "business": _l("区内で事業・活動をしている"), "other": _l("その他")}


def age_band_labels() -> dict[str, Any]:
    return {"under20": _l("19歳以下"), "20s": _l("20代"), "30s": _l("30代"), "40s": _l("40代"),
            "50s": _l("50代"), "60s": _l("60代"), "70plus": _l("70歳以上")}


def phase_labels() -> dict[str, Any]:
    return {"draft": _l("準備中"), "open": _l("意見募集中"), "closed": _l("締切"), "published": _l("結果公表")}


def vote_labels() -> dict[str, Any]:
    return {"agree": _l("賛成"), "disagree": _l("反対"), "pass": _l("どちらともいえない")}
