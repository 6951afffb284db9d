"""The one refusal both venues' key registries share."""

from __future__ import annotations


class KeyRegistrationError(ValueError):
    """A key or credential that cannot be registered (bad PEM, unsupported algorithm, duplicate id, bad secret)."""
