"""The two refusals every area's services raise and every view, the API and the CLI answer."""


class InvalidInput(Exception):
    """Field → list of messages (lazy strings, rendered in the request's language)."""

    def __init__(self, errors: dict[str, list]):
        super().__init__("invalid input")
        self.errors = errors

    def as_text(self) -> dict[str, list[str]]:
        return {field: [str(m) for m in messages] for field, messages in self.errors.items()}


class NotAccepting(Exception):
    """The consultation (or the workshop) is not open for comments or votes now."""
