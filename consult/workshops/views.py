from . import bp, models  # noqa: F401
