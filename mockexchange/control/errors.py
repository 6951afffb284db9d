"""The one error every control-plane operation raises: a message and the HTTP status the admin API answers with."""

from __future__ import annotations


class ControlError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
