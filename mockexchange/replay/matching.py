"""Which recorded request a live one is: method, path, query and body, with what changes from run to run left out.

Left out of a match: every header (signatures, Kalshi's timestamp and key, `Authorization`); in a query or a JSON body
at any depth the fields the replayed venues name (a `Matcher`'s `ignored`, each registration's `Proxied.ignored`:
client-made ids, auth timestamps, nonces, who asks; of every venue's requests alike) and every credential the tape
holds redacted (`mockexchange.auth.redact`: signatures, secrets, tokens, in any spelling); a query's values and a body,
JSON or text, as the tape holds them, redacted; and a JSON-RPC body's or websocket command's own `id`
(`IGNORED_TOP`). A live request and a recorded one match when their `Shape`s' keys are equal; `differences` names what
sets two shapes apart, for the 404's diagnosis.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from mockexchange.auth import redact

if TYPE_CHECKING:  # (the parser of the command line reads tapes without the control plane's imports)
    from mockexchange.control.registration import Proxied

IGNORED_TOP = frozenset({"id"})  # a JSON-RPC request's id, a websocket command's id: the reply carries the live one
_SHOWN = 60  # characters of a value a diagnosis quotes


@dataclass(frozen=True, slots=True)
class Shape:
    """A request as a match sees it; `fields` are the body's (or a frame's) leaves by dotted name."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: Any  # the JSON value with the ignored fields dropped, or the text, or the bytes as base64, or None
    key: str

    def fields(self) -> dict[str, str]:
        return dict(_leaves(self.body, "body"))

    def shown(self) -> str:
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{self.method} {self.path}{query}"


@dataclass(frozen=True, slots=True)
class Matcher:
    """The shapes of a replay's requests, `ignored` left out of each (never part of a match, nor are the secrets the
    tape holds redacted, `redact.secret_name`)."""

    ignored: frozenset[str] = frozenset()

    @classmethod
    def of(cls, venues: Iterable[Proxied]) -> Matcher:
        """What the venues' requests leave out (their registrations' `Proxied.ignored`)."""
        return cls(frozenset().union(*(venue.ignored for venue in venues)))

    def shape(self, method: str, path: str, query: str, body: Mapping[str, Any] | None) -> Shape:
        """The shape of a request: `query` as the URL's text, `body` as a tape holds one (tape.encode_body)."""
        # as the tape holds it: a value's credential redacted
        read = parse_qsl(redact.query(query), keep_blank_values=True)
        pairs = tuple(sorted((k, v) for k, v in read if not self._ignored(k, top=True)))
        kept = self._body(body)
        key = json.dumps([method.upper(), path, pairs, kept], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return Shape(method.upper(), path, pairs, kept, key)

    def frame_shape(self, data: Mapping[str, Any] | None) -> Shape:
        """A websocket client frame's shape (as a tape holds it): its JSON without the command's id."""
        return self.shape("FRAME", "", "", data)

    def _body(self, body: Mapping[str, Any] | None) -> Any:
        if not body:
            return None
        if "json" in body:
            return self._kept(redact.json_value(body["json"])[0], top=True)
        if "text" in body:
            return {"text": redact.text(str(body["text"]))}
        return {"base64": body.get("base64")}

    def _ignored(self, name: str, *, top: bool) -> bool:
        return name in self.ignored or (top and name in IGNORED_TOP) or redact.secret_name(name)

    def _kept(self, value: Any, *, top: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: self._kept(v) for k, v in value.items() if not self._ignored(k, top=top)}
        if isinstance(value, list):
            return [self._kept(v) for v in value]
        return value


def _leaves(value: Any, name: str, depth: int = 0) -> Iterable[tuple[str, str]]:
    if isinstance(value, dict) and depth < 4:
        for key, inner in value.items():
            yield from _leaves(inner, f"{name}.{key}", depth + 1)
    elif value is not None:
        yield name, json.dumps(value, sort_keys=True, ensure_ascii=False)


def differences(live: Shape, recorded: Shape) -> list[str]:
    """What sets `recorded` apart from `live`, one phrase a difference (`query limit: 5, recorded 100`)."""
    said: list[str] = []
    if live.method != recorded.method:
        said.append(f"method {live.method}, recorded {recorded.method}")
    if live.path != recorded.path:
        said.append(f"path {live.path}, recorded {recorded.path}")
    said += _compared("query", dict(live.query), dict(recorded.query))
    said += _compared("", live.fields(), recorded.fields())
    return said


def _compared(where: str, live: Mapping[str, str], recorded: Mapping[str, str]) -> list[str]:
    prefix = f"{where} " if where else ""
    said = []
    for name in sorted(set(live) | set(recorded)):
        mine, theirs = live.get(name), recorded.get(name)
        if mine == theirs:
            continue
        if theirs is None:
            said.append(f"{prefix}{name} not recorded")
        elif mine is None:
            said.append(f"{prefix}{name} missing (recorded {_cut(theirs)})")
        else:
            said.append(f"{prefix}{name}: {_cut(mine)}, recorded {_cut(theirs)}")
    return said


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."


def nearest(live: Shape, recorded: Iterable[tuple[Shape, int]]) -> tuple[Shape, int, list[str]] | None:
    """The recorded shape (with its record's seq) closest to `live`: the same path first, then the same method, then
    the fewest differences; None if nothing is recorded."""
    best: tuple[tuple[int, int, int], Shape, int] | None = None
    for candidate, seq in recorded:
        found = differences(live, candidate)
        rank = (candidate.path != live.path, candidate.method != live.method, len(found))
        if best is None or rank < best[0]:
            best = (rank, candidate, seq)
    if best is None:
        return None
    return best[1], best[2], differences(live, best[1])
