"""What a journal entry breaks, found where it can be: a request its venue's routes left no note on judged by its
venue's judge when it is first read (`judge`: the judge its registration's `serve` gives, such as Kalshi's REST request
against the OpenAPI slice, venues/kalshi/journaling.py; a 401 the mock's signature check refused is `auth.signature`),
a request no route of a venue judged by its routes answered (`unrouted`), a reply by the check its venue's note names
(`judged_reply`); a venue's websocket command is judged by the venue as it arrives (its note). Committed slices that
cannot be found are `schema.unavailable`; a bug of the checks is logged and said (`journal.unjudged`), never raised:
the journal still reads, and the reply still goes out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from mockexchange.journal.entries import JournalEntry, ReplyCheck
from mockexchange.schema.requests import Problem, problem
from mockexchange.schema.specs import SpecError

log = logging.getLogger(__name__)


# A venue's judge of an entry its routes left no note on, when the entry is first read: its operation and problems
Judge = Callable[[JournalEntry], tuple[str | None, list[Problem]]]


def judge(entry: JournalEntry, judges: Mapping[str, Judge]) -> None:
    """Fill in `operation` and `problems` (once; both are functions of what was recorded), by the judge of the entry's
    venue (none: nothing found)."""
    if entry.problems is not None:
        return
    operation: str | None = None
    problems: list[Problem] = []
    found = judges.get(entry.venue)
    try:
        if found is not None:
            operation, problems = found(entry)
    except SpecError as exc:
        problems = [problem("schema.unavailable", str(exc))]
    except Exception as exc:  # a bug of the checks: the journal must still read, and say so
        log.exception("journal: could not judge %s", entry.describe())
        problems = [problem("journal.unjudged", f"the mock could not judge this request: {type(exc).__name__}")]
    if entry.status == 401 and entry.fault is None:  # a fault rule's 401 is no mistake of the request
        problems.append(problem("auth.signature", entry.auth or "401 without the mock's diagnosis"))
    entry.operation, entry.problems = operation, entry.keep_problems(problems)


def judged_reply(entry: JournalEntry, check: ReplyCheck, body: Any) -> list[Problem]:
    """The problems `check` finds in the reply to `entry`; a bug of the check is one problem, `journal.unjudged`."""
    try:
        return check(body)
    except Exception as exc:  # a bug of the checks: the reply still goes out, and the entry says so
        log.exception("journal: could not judge the reply of %s", entry.describe())
        return [problem("journal.unjudged", f"the reply was not judged: {type(exc).__name__}")]


def unrouted(method: str | None, path: str, status: int | None) -> list[Problem]:
    # A venue judged by its routes: no route answered (the route leaves a note whenever it answers).
    if status == 404:
        return [problem("operation.unknown", f"{method} {path}: the venue has no endpoint here")]
    if status == 405:
        return [problem("operation.method", f"{method} {path}: the venue's endpoint here does not take {method}")]
    return []
