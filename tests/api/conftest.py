"""The API's staff routes are tested with staff signed in as the secretariat's tests sign them in."""

from tests.secretariat.conftest import comment, staff  # noqa: F401
