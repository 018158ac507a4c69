"""The refusal the text engine raises for input it cannot group; the caller shows `message`."""


class AnalysisInputError(Exception):
    """`code` is stable for programs ("too_few", "all_identical", "no_words"); `message` is a lazy string."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
