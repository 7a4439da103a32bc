"""The error every domain rule raises when it refuses an action.

Pages turn it into a message (``core.middleware.DomainErrorMiddleware``), the API into a
400 with the same text (``core.rest.errors``); neither ever shows a 500.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    def __init__(self, message: str | Promise, *, code: str = "refused") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
