"""What the request journal learns from a Kalshi request its routes left no note on: its REST request judged against
the OpenAPI slice when the entry is first read (`kalshi_rules`, the registration's journal judge), a websocket upgrade
at the AsyncAPI's one endpoint; and a websocket command judged as it arrives, against the AsyncAPI slice, with the
refusal among its replies (`command_note`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from mockexchange.journal.entries import JournalEntry, JournalNote
from mockexchange.journal.refusal import of_frame
from mockexchange.schema.requests import Problem, kalshi_command_rules, kalshi_rest_rules, problem
from mockexchange.schema.specs import SpecError

# The header a Kalshi request names its key in (the journal's `key_id` of a request no route noted).
KEY_HEADER = b"kalshi-access-key"


def kalshi_rules(entry: JournalEntry) -> tuple[str | None, list[Problem]]:
    """A Kalshi REST request against the OpenAPI slice; a websocket upgrade at the AsyncAPI's one endpoint."""
    if entry.transport == "rest":
        return kalshi_rest_rules().check(entry.method or "", unquote(entry.path), entry.query)
    if unquote(entry.path) != kalshi_command_rules().path:
        return None, [problem("operation.unknown", f"{entry.path}: no websocket endpoint of the schema is here")]
    return None, []


def command_note(text: str | bytes, replies: Sequence[Mapping[str, Any]]) -> JournalNote:
    """A websocket command judged against the AsyncAPI slice, and its refusal: its replies' first error, and the
    mock's diagnosis of it."""
    try:
        operation, problems = kalshi_command_rules().check(text)
    except SpecError as exc:
        operation, problems = None, [problem("schema.unavailable", str(exc))]
    refusal, diagnosis = command_refusal(replies)
    return JournalNote(operation, None, problems, refusal=refusal, diagnosis=diagnosis)


def command_refusal(replies: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any] | None, str | None]:
    """A websocket command's refusal (its replies' first error) and the mock's diagnosis of it."""
    return next((of_frame(reply) for reply in replies if reply.get("type") == "error"), (None, None))
