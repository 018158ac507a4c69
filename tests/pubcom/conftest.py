"""The seed's public comment (条文骨子), opened for the tests: its period moved around today."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultation.models import Consultation
from consult.extensions import db
from consult.i18n import utcnow

PUBCOM = "jichi-kihon-jorei-h26"
DELIBERATION = "kumamoto-ward-offices-h26"
PAGE = f"/c/{PUBCOM}/topics/document"
FORM = PAGE + "/comment"


@pytest.fixture
def pubcom(app):
    """The seed's pubcom, accepting comments now (the seed's period, H26.10, is long past)."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == PUBCOM))
    consultation.comments_open_at_utc = utcnow() - timedelta(days=1)
    consultation.comments_close_at_utc = utcnow() + timedelta(days=10)
    db.session.commit()
    return consultation


from tests.secretariat.conftest import staff  # noqa: E402,F401  (signed-in staff clients)
