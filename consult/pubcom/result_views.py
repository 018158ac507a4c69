"""The public comment's result per provision, as a print-ready document, CSV and Excel: the
public pages are the results blueprint's (``results.index``, ``results.document``, …); staff read
the same document here before it is published."""

from flask import abort, render_template

from ..auth.permissions import requires
from ..consultation.context import STAFF
from ..consultation.services import current_consultation
from . import bp, result

# Linked from the opinion groups' page of a public comment (secretariat/groups.html).


@bp.route(STAFF + "/result")
@requires("review")
def result_preview():
    consultation = current_consultation()
    if not result.is_pubcom(consultation):
        abort(404)
    return render_template("pubcom/result_print.html", consultation=consultation, result=result.build(consultation),
                           states=result.state_labels(), staff_preview=True)
