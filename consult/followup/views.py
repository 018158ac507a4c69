"""/receipt: the citizen types a receipt number (POST, so that it stays out of logs and history)."""

from flask import current_app, render_template, request
from flask_babel import gettext as _

from ..core.labels import receipt_status_labels, all_response_category_labels
from ..ratelimit import address_key, limiter
from . import bp
from .services import lookup, normalise_receipt, status_explanations


def _page(*, value="", errors=None, result=None, not_found=False, status=200):
    response = current_app.make_response((render_template(
        "followup/receipt.html", value=value, errors=errors or {}, result=result, not_found=not_found,
        status_labels=receipt_status_labels(), status_explanations=status_explanations(),
        category_labels=all_response_category_labels()), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/receipt", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_LOOKUP"], key_func=address_key, methods=["POST"])
def receipt():
    if request.method == "GET":
        return _page()
    value = request.form.get("receipt_no", "")
    if not isinstance(value, str) or not value.strip():
        return _page(errors={"receipt_no": [_("受付番号を入力してください。")]}, status=422)
    value = value[:100]
    receipt_no = normalise_receipt(value)
    if receipt_no is None:
        return _page(value=value, status=422, errors={"receipt_no": [
            _("受付番号は「ABCD-2345-WXYZ」のような英数字12文字です。送信完了の画面に表示された番号を確かめてください。")]})
    result = lookup(receipt_no)
    if result is None:
        return _page(value=value, not_found=True, status=404)
    return _page(result=result)
