"""Error pages: HTML for people, JSON under /api. Never a stack trace to the public."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages():
    return {
        400: _("リクエストの形式が正しくありません。"),
        403: _("このページを表示する権限がありません。"),
        404: _("お探しのページは見つかりませんでした。"),
        405: _("この操作はこのページでは使えません。"),
        413: _("送信された内容が大きすぎます。"),
        415: _("JSON（application/json）で送信してください。"),
        422: _("入力内容を確認してください。"),
        429: _("短い時間に送信が続いたため、しばらく受付を止めています。少し待ってからお試しください。"),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("フォームの有効期限が切れたか、正しくない送信です。ページを読み込み直してからもう一度送信してください。")
        if _wants_json():
            return jsonify(error="csrf", message=message), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = _messages().get(code, error.description)
        if _wants_json():
            return jsonify(error=error.name.lower().replace(" ", "_"), message=message), code
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Logged with its traceback, but without the request body: citizens' text stays out of logs.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        message = _("システムで問題が発生しました。時間をおいてもう一度お試しください。")
        if _wants_json():
            return jsonify(error="internal_error", message=message), 500
        return render_template("errors/error.html", code=500, message=message), 500
