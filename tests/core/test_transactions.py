"""@action: a service's change is committed when the outermost action returns, never when it raises."""

import pytest
from sqlalchemy import select

from consult.consultation.models import Ward
from consult.core.transactions import action
from consult.extensions import db


def _population_seen_elsewhere(code: str):
    """What another connection sees: only committed data."""
    with db.engine.connect() as other:
        return other.execute(select(Ward.population).where(Ward.code == code)).scalar_one()


@action
def _set_population(code: str, n: int, *, fail: bool = False):
    db.session.scalar(select(Ward).where(Ward.code == code)).population = n
    db.session.flush()
    if fail:
        raise ValueError("refused")


@action
def _set_two(seen_between: list):
    _set_population("chuo", 111)
    seen_between.append(_population_seen_elsewhere("chuo"))  # the inner action did not commit
    _set_population("kita", 222)


def test_an_action_commits_when_it_returns(app):
    before = _population_seen_elsewhere("chuo")
    _set_population("chuo", 12345)
    assert _population_seen_elsewhere("chuo") == 12345 != before


def test_an_action_that_raises_commits_nothing(app):
    before = _population_seen_elsewhere("chuo")
    with pytest.raises(ValueError):
        _set_population("chuo", 999, fail=True)
    db.session.rollback()  # what a view does when a service refuses
    assert _population_seen_elsewhere("chuo") == before


def test_actions_within_an_action_are_one_transaction(app):
    before = _population_seen_elsewhere("chuo")
    seen_between: list = []
    _set_two(seen_between)
    assert seen_between == [before]
    assert (_population_seen_elsewhere("chuo"), _population_seen_elsewhere("kita")) == (111, 222)
