"""Error pages: HTML for people, JSON under /api. Never a stack trace to the public."""

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages():
    return {
        400: _("リクエストの形式が正しくありません。"),
        401: _("このページを見るにはログインしてください。"),
        403: _("このページを表示する権限がありません。"),
        404: _("お探しのページは見つかりませんでした。"),
        405: _("この操作はこのページでは使えません。"),
        413: _("送信された内容が大きすぎます。"),
        415: _("JSON（application/json）で送信してください。"),
        422: _("入力内容を確認してください。"),
        429: _("短い時間に送信が続いたため、しばらく受付を止めています。少し待ってからお試しください。"),
    }


def _page(code: int, message: str):
    # A Host header no URL can be built for (werkzeug's BadHost) leaves no URL adapter, and the
    # page template builds URLs: such a request gets the message as plain text.
    if request_ctx.url_adapter is None:
        return message, code, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("フォームの有効期限が切れたか、正しくない送信です。ページを読み込み直してからもう一度送信してください。")
        if _wants_json():
            return jsonify(error="csrf", message=message), 400
        return _page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        # A refusal that says what was wrong (edge.RefusedInput) keeps its own message.
        message = getattr(error, "message", None) or _messages().get(code, error.description)
        if getattr(error, "reason", None):
            app.logger.info("refused %s %s: %s", request.method, request.path, error.reason)
        if _wants_json():
            return jsonify(error=error.name.lower().replace(" ", "_"), message=message), code
        return _page(code, message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Logged with its traceback, but without the request body: citizens' text stays out of logs.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        # A failed statement leaves PostgreSQL's transaction aborted; the page (which loads the
        # signed-in user) needs a fresh one.
        db.session.rollback()
        message = _("システムで問題が発生しました。時間をおいてもう一度お試しください。")
        if _wants_json():
            return jsonify(error="internal_error", message=message), 500
        return _page(500, message)
