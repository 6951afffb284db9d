"""What a venue's judge of the proxy's traffic (its registration's `Proxied`: venues/kalshi/proxied.py,
venues/deribit/proxied.py) is given and answers: an HTTP `Exchange` as the proxy read it, and a `ProxyVerdict`, the
journal's note of it (problems each naming its field: `{"rule": "reply.schema", "field":
"market_positions[0].position_fp", "detail": ...}`; what no schema covers is not judged, and the verdict says so: it
never passes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockexchange.journal.entries import JournalNote
from mockexchange.schema.requests import Problem

NOT_JSON = object()  # a body that is there but no JSON (`Body.value` of text or bytes)


@dataclass(frozen=True, slots=True)
class Exchange:
    """An HTTP request the proxy passed on and its answer: `path` unquoted, `query` redacted (as the journal keeps it)
    and read into its pairs, `sent` the request's JSON body (`NOT_JSON`, or None when empty), `status` and `answered`
    the upstream's (None: none came)."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    sent: Any
    status: int | None
    answered: Any


@dataclass(slots=True)
class ProxyVerdict:
    operation: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)

    def add(self, rule: str, lines: Iterable[str]) -> None:
        """Problems from a checker's `field: message` lines."""
        for line in lines:
            where, _, _ = line.partition(": ")
            self.problems.append({"rule": rule, "field": where, "detail": line})

    def note(self, key_id: str | None) -> JournalNote:
        return JournalNote(self.operation, key_id, self.problems, not_judged="; ".join(self.unjudged) or None)


def query_value(text: str) -> Any:
    """A JSON-RPC call's query value as its venue reads it: a JSON number or boolean where it is one (`depth=5` is 5),
    else the text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float) else text
