"""Display labels of the secretariat's codes (channel, status, response category …).

Functions, not constants, so that each call gives strings in the request's language.
"""

from typing import Any

from flask_babel import lazy_gettext as _l


def channel_labels() -> dict[str, Any]:
    return {"web": _l("ウェブ"), "workshop": _l("ワークショップ"), "paper": _l("紙（付箋・用紙）")}


def status_labels() -> dict[str, Any]:
    return {"pending": _l("確認待ち"), "published": _l("公開"), "hidden": _l("非公開")}


def response_category_labels() -> dict[str, Any]:
    # The categories Japanese municipalities use for public-comment answers.
    return {"reflect": _l("反映する"), "included": _l("既に盛り込み済み"),
            "reference": _l("今後の参考とする"), "other": _l("その他")}


def group_state_labels() -> dict[str, Any]:
    return {"proposed": _l("提案（確認待ち）"), "confirmed": _l("確定")}


def hide_reason_labels() -> dict[str, Any]:
    """Standard reasons for not publishing; the moderator may add a note."""
    return {"personal": _l("個人情報が含まれているため"), "abusive": _l("誹謗中傷・不適切な表現が含まれているため"),
            "offtopic": _l("意見募集の内容と関係がないため"), "duplicate": _l("同じ内容の重複投稿のため"),
            "commercial": _l("宣伝・勧誘を目的とするため"), "other": _l("その他")}



def verdict_labels() -> dict[str, Any]:
    """How a ward's share of participants compares with its share of the population."""
    return {"over": _l("人口比より多い"), "under": _l("人口比より少ない"), "even": _l("人口比と差はない"),
            "unknown": _l("判定できない")}
