"""The ``participate`` predicate: the phase alone decides, whoever asks (citizens are anonymous)."""

import pytest

from consult.auth.permissions import can, may_participate
from consult.auth.services import create_user
from consult.consultation.models import Phase
from consult.consultation.services import current_consultation
from consult.extensions import db


@pytest.mark.parametrize("phase", list(Phase))
def test_participate_is_the_open_phase_for_every_role(app, phase):
    consultation = current_consultation()
    consultation.phase = phase
    db.session.commit()
    users = [None] + [create_user(f"{r}@example.jp", r, "a long enough password")
                      for r in ("facilitator", "secretariat", "admin")]
    with app.test_request_context("/"):
        answers = {can("participate", consultation, user=u) if u else may_participate(consultation) for u in users}
    assert answers == {phase == Phase.OPEN}
    assert consultation.accepting is (phase == Phase.OPEN)
    assert consultation.results_published is (phase == Phase.PUBLISHED)


def test_participate_without_a_consultation_is_no(app):
    assert may_participate(None) is False
