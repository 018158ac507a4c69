"""The one refusal the analysis raises: a code for tests and logs, a message for people."""


class AnalysisInputError(Exception):
    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message  # a lazy translatable string

    def __str__(self) -> str:
        return str(self.message)
