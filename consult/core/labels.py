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


def receipt_status_labels() -> dict[str, Any]:
    """The status as the person who sent the comment reads it on the receipt page (staff read
    ``status_labels``): for them a comment awaiting the check has been received."""
    return {"pending": _l("受付済"), "published": _l("公開"), "hidden": _l("非公開")}


def workshop_state_labels() -> dict[str, Any]:
    return {"planned": _l("準備中"), "open": _l("開催中"), "closed": _l("終了")}
