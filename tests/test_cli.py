"""`flask demo-data`: labelled, sized by options, and never mixed into real participation."""

from sqlalchemy import func, select

from consult.extensions import db
from consult.seed.demo import PUBCOM_OPINIONS
from consult.participation.models import Comment, Participant, Vote
from tests.conftest import confirm_and_submit


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_data_is_labelled_and_sized(runner, client):
    result = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "50", "--votes", "80"])
    assert result.exit_code == 0, result.output
    # and the public comment's few labelled demo opinions, besides the 50 asked for
    assert _count(Participant) == 30 and _count(Comment) == 50 + len(PUBCOM_OPINIONS) and _count(Vote) == 80
    assert _count(Comment, Comment.is_demo.is_(False)) == 0
    assert _count(Participant, Participant.is_demo.is_(False)) == 0
    html = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "デモ" in html  # published demo comments carry the badge


def test_demo_data_refuses_a_database_with_real_comments(runner, client):
    confirm_and_submit(client)
    result = runner.invoke(args=["demo-data", "--comments", "10"])
    assert result.exit_code != 0
    assert "real comments" in result.output
    assert _count(Comment) == 1


def test_if_empty_skips_when_participation_exists(runner):
    runner.invoke(args=["demo-data", "--participants", "5", "--comments", "5", "--votes", "5"])
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0 and "nothing added" in result.output
    assert _count(Comment) == 5 + len(PUBCOM_OPINIONS)

