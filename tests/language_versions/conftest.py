"""Staff sign in as the secretariat's tests do."""

from tests.secretariat.conftest import staff  # noqa: F401
