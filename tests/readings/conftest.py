"""The reading dictionary's tests sign staff in as the secretariat's tests do."""

from tests.secretariat.conftest import staff  # noqa: F401
