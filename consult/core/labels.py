"""Display labels of the codes, one wording per code for every page, export and document.

Functions, not constants, so that each call gives strings in the request's language.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from .codes import CHANNELS_BY_KIND


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


def channel_labels(kind: str | None = None) -> dict[str, Any]:
    """Every channel's wording, or only those a kind of consultation takes, in their order."""
    labels = {"web": _l("ウェブ"), "workshop": _l("ワークショップ"), "paper": _l("紙（付箋・用紙）"),
            "briefing": _l("説明会"), "post": _l("郵送"), "fax": _l("FAX"), "email": _l("電子メール"),
            "counter": _l("窓口"), "imported": _l("他の仕組みから取り込み")}
    return labels if kind is None else {c: labels[c] for c in CHANNELS_BY_KIND[kind]}


def status_labels() -> dict[str, Any]:
    return {"pending": _l("確認待ち"), "published": _l("公開"), "hidden": _l("非公開")}


def response_category_labels(kind: str = "deliberation") -> dict[str, Any]:
    """The answer categories a kind of consultation offers: the review of a deliberation, or the
    反映区分 that Japanese public-comment results print."""
    if kind == "pubcom":
        return {"reflect": _l("反映"), "partly": _l("一部反映"), "not_reflected": _l("反映なし"),
                "other": _l("その他")}
    return {"reflect": _l("反映する"), "included": _l("既に盛り込み済み"),
            "reference": _l("今後の参考とする"), "other": _l("その他")}


def all_response_category_labels() -> dict[str, Any]:
    """Every category, for what was stored (a group keeps its category if its kind's list changes)."""
    return {**response_category_labels("pubcom"), **response_category_labels()}


def kind_labels() -> dict[str, Any]:
    return {"deliberation": _l("審議事項への意見募集（ワークショップ）"), "pubcom": _l("パブリックコメント（条文への意見公募）")}


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


def role_labels() -> dict[str, Any]:
    return {"facilitator": _l("ファシリテーター"), "secretariat": _l("事務局"), "admin": _l("管理者")}


def audit_action_labels() -> dict[str, Any]:
    """What each logged action is, in words (the audit log, the editing overview)."""
    return {
        "auth.login": _l("ログイン"), "auth.login_failed": _l("ログインに失敗"),
        "auth.lockout": _l("ログインを一時停止（失敗が続いたため）"),
        "user.create": _l("職員のアカウントを作成"), "user.update": _l("職員のアカウントを変更"),
        "user.password_link": _l("パスワード設定用のリンクを発行"), "user.password_set": _l("パスワードを設定"),
        "comment.publish": _l("ご意見を原文のまま公開"), "comment.publish_edited": _l("ご意見を編集した文で公開"),
        "comment.hide": _l("ご意見を非公開"), "comment.assign_group": _l("ご意見を意見グループに振り分け"),
        "consultation.create": _l("意見募集を作成"), "consultation.archive": _l("意見募集を保管（一覧から外す）"),
        "consultation.restore": _l("保管した意見募集を戻す"),
        "consultation.update": _l("意見募集の説明・設定を変更"), "consultation.period": _l("受付期間を変更"),
        "consultation.phase": _l("段階を変更"), "meeting.create": _l("日程を追加"),
        "meeting.update": _l("日程を変更"), "meeting.delete": _l("日程を削除"),
        "topic.update": _l("審議事項を変更"), "section.create": _l("節を追加"),
        "section.revise": _l("節を改訂"), "section.move": _l("節の順番を変更"),
        "section.retire": _l("節を廃止"), "section.restore": _l("節を復活"),
        "proposal.create": _l("提案を追加"), "proposal.update": _l("提案文を変更"),
        "proposal.move": _l("提案の順番を変更"), "proposal.withdraw": _l("提案を取り下げ"),
        "proposal.restore": _l("提案を戻す"), "proposal.delete": _l("提案を削除"),
        "ward.population": _l("区の人口を変更"), "import.apply": _l("一括取り込み"),
        "opinion_group.create": _l("意見グループを作成"), "opinion_group.propose": _l("意見グループ案を作成（ワークショップから）"),
        "opinion_group.update": _l("意見グループを変更"), "opinion_group.confirm": _l("意見グループを確定"),
        "opinion_group.merge": _l("意見グループを統合"), "opinion_group.delete": _l("意見グループを削除"),
        "analysis.accept": _l("分析の提案を意見グループ案として採用"), "analysis.discard": _l("分析の提案を不採用"),
        "analysis.reopen": _l("分析の提案を未決定に戻す"), "analysis.relink": _l("分析の提案の採用先を統合先に変更"),
        "reading.create": _l("ふりがなの読みを登録"), "reading.update": _l("ふりがなの読みを変更"),
        "reading.delete": _l("ふりがなの読みを削除"),
        "language_version.update": _l("やさしい日本語・英語の文を保存"),
        "language_version.delete": _l("やさしい日本語・英語の文を削除"),
        "analysis.import_kouchou": _l("広聴AI・Talk to the CityのCSVを新しい意見募集に取り込み"),
        "analysis.import_polis": _l("Polisの書き出しを新しい意見募集に取り込み"),
        "workshop.create": _l("ワークショップを作成"), "workshop.update": _l("ワークショップを変更"),
        "workshop.open": _l("ワークショップを開始"), "workshop.close": _l("ワークショップを終了"),
        "workshop.paper_add": _l("紙の付箋を入力"), "workshop.paper_edit": _l("紙の付箋を修正"),
        "workshop.paper_delete": _l("紙の付箋を削除"), "workshop.notes_move": _l("付箋をテーマへ移動"),
        "workshop.theme_create": _l("テーマを作成"), "workshop.theme_update": _l("テーマを変更"),
        "workshop.theme_delete": _l("テーマを削除"),
        "export.csv": _l("ご意見をCSVで書き出し"), "export.xlsx": _l("ご意見をExcelで書き出し"),
        "export.json": _l("ご意見をJSONで書き出し"), "export.analysis_json": _l("分析結果をJSONで書き出し"),
        "export.analysis_csv": _l("分析結果をCSV（広聴AIの形式）で書き出し"), "export.document_xlsx": _l("検討会資料をExcelで書き出し"),
        "export.document_html": _l("検討会資料をHTMLで書き出し"), "export.audit_csv": _l("操作記録をCSVで書き出し"),
    }


def audit_target_labels() -> dict[str, Any]:
    return {"comment": _l("ご意見"), "consultation": _l("意見募集"), "meeting": _l("日程"), "topic": _l("審議事項"),
            "section": _l("節"), "proposal": _l("提案"), "ward": _l("区"), "opinion_group": _l("意見グループ"),
            "workshop": _l("ワークショップ"), "user": _l("職員"), "import": _l("一括取り込み"),
            "audit": _l("操作記録"), "reading": _l("ふりがなの読み")}


def audit_field_labels() -> dict[str, Any]:
    """The recorded fields' names, in words, for the log's before and after."""
    return {"status": _l("状態"), "body_published": _l("公開する文"), "hidden_reason": _l("非公開の理由"),
            "opinion_group_id": _l("意見グループ"), "title": _l("名称"), "body": _l("本文"), "phase": _l("段階"),
            "premoderation": _l("公開前の確認"), "comments_open_at_utc": _l("受付開始"),
            "comments_close_at_utc": _l("締切"), "results_published_at_utc": _l("結果公表"),
            "heading": _l("見出し"), "text": _l("提案文"), "state": _l("状態"), "name": _l("名前"),
            "population": _l("人口"), "positions": _l("並び順"), "summary": _l("概要"),
            "response": _l("市の考え方"), "response_category": _l("対応の区分"), "topic_id": _l("審議事項"),
            "table_id": _l("テーブル"), "paper_dots": _l("紙のドット"), "filters": _l("条件"),
            "comments": _l("ご意見"), "moved": _l("移したご意見"), "number": _l("版"), "word": _l("語"),
            "reading": _l("読み"), "language": _l("言語")}
