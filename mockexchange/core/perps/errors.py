"""The perps exchange's refusal: a message, the HTTP status its venue answers with and Kalshi's error code for it."""

from __future__ import annotations


class PerpsError(ValueError):
    """A command or read the perps exchange refuses (`status`: 400, 404, 409; `code`: Kalshi's word for it)."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def not_found(what: str) -> PerpsError:
    return PerpsError(f"{what} not found", 404, "not_found")


def not_enabled() -> PerpsError:
    """A user margin trading is not enabled for (set_perps_enabled)."""
    return PerpsError("margin trading is not enabled for this user", 403, "margin_not_enabled")
