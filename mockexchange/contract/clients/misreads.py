"""A client's misread of an operation (`Dialect.misreads`): its call for it cannot ask or read what the spec says. It
asks another path, sends a filter under another name, reads a field the answer does not have, takes no parameter, or
raises on the answer.

Such a call is not judged against the ledger, since the client cannot read what the ledger holds. Instead the scene
makes it once, as it makes the operation's own call (scenes/scene.py), and the outcome must still show the misread
(`Sign`). A client that stops misreading fails its cell, so a claim about a client cannot outlive its truth.

A misread keyed by a read column's endpoint (`resting`) is of a method the dialect keeps: the column calls it as it
calls any client's, judges its refusals as any client's, and judges its answer by the sign (checks.judge_read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Sign(Protocol):
    def problem(self, outcome: Mapping[str, Any]) -> str | None:
        """What the call's outcome (client_harness.py's) shows that the misread does not explain; None if it shows
        the misread."""
        ...


@dataclass(frozen=True)
class Misread:
    why: str  # what the client's call does wrong, as the matrix's cell names it
    method: str  # the client's call for the operation
    sign: Sign  # what its outcome shows while it misreads
    params: Mapping[str, str] = field(default_factory=dict)  # Kalshi's parameter -> the client's name for it
    required: Mapping[str, object] = field(default_factory=dict)  # what the call requires that the scene's lacks

    def problem(self, outcome: Mapping[str, Any] | None) -> str | None:
        """What is wrong with the call's outcome (None: not called): the client no longer misreads as the dialect
        says; None while the sign shows the misread."""
        found = "not called" if outcome is None else self.sign.problem(outcome)
        return None if found is None else f"the client no longer misreads it as its dialect says ({self.why}): {found}"

    @property
    def finding(self) -> str:
        """What a cell says of the misread while its sign shows it."""
        return f"a finding about the client, shown again: {self.why}"


def _said(outcome: Mapping[str, Any]) -> str:
    if outcome["ok"]:
        return f"it answered {str(outcome['result'])[:120]}"
    error = outcome["error"]
    status = f" ({error['status']})" if error["status"] is not None else ""  # (None: not an HTTP status)
    return f"it raised {error['type']}{status}: {error['message'].strip()[:160]}"


@dataclass(frozen=True)
class Raises:
    """The call raises `exception` (a class in the raised one's bases), of HTTP status `status` if given."""

    exception: str
    status: int | None = None

    def problem(self, outcome: Mapping[str, Any]) -> str | None:
        error = outcome.get("error") or {}
        if outcome["ok"] or self.exception not in error["mro"] or self.status not in (None, error["status"]):
            return f"{_said(outcome)}, where it raised {self.exception}" + (
                f" ({self.status})" if self.status is not None else ""
            )
        return None


@dataclass(frozen=True)
class Answers:
    """The call answers `value`, whatever the wire says."""

    value: object

    def problem(self, outcome: Mapping[str, Any]) -> str | None:
        if not outcome["ok"] or outcome["result"] != self.value:
            return f"{_said(outcome)}, where it answered {self.value!r}"
        return None


@dataclass(frozen=True)
class Sends:
    """The request the client sent gives a parameter as `name`, and not as the spec's `spec_name`."""

    name: str
    spec_name: str

    def problem(self, outcome: Mapping[str, Any]) -> str | None:
        queries = [request["query"] for request in _requests(outcome)]
        if not queries or any(self.name not in query or self.spec_name in query for query in queries):
            return f"it sent {queries}, where it sent {self.name} and no {self.spec_name}"
        return None


@dataclass(frozen=True)
class Asks:
    """The client's last request asks a path that ends with `path` (not the spec's)."""

    path: str

    def problem(self, outcome: Mapping[str, Any]) -> str | None:
        requests = _requests(outcome)
        if not requests or not requests[-1]["path"].endswith(self.path):
            return f"it asked {[request['path'] for request in requests]}, where it asked …{self.path}"
        return None


def _requests(outcome: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The requests the call sent, as the client's script logs them (a script that keeps no log shows none)."""
    return list(outcome.get("requests") or [])
