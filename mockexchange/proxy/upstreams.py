"""The upstreams a proxy forwards to (Kalshi's, Deribit's), which one a request goes to, and the venue's own error
body for what the proxy answers itself (502: the upstream could not be reached or failed; 413: a body too large; 400:
a request target it does not forward, `targets.py`). An upstream whose final answer has a status no HTTP answer has
(600 to 999, which h11 reads) or an interim one (1xx to a websocket upgrade) failed: 502, and nothing is recorded.

A request goes to the upstream's scheme, host and port with its path as the client sent it (a Kalshi signature
covers the path from the root): the upstream URL's path only says where the client's base is. With both upstreams,
Deribit's roots (`/api/...`, `/ws/api/...`) go to Deribit and every other path to Kalshi; with one, every path goes
to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockexchange.core.clock import Clock
from mockexchange.venues.deribit import envelope
from mockexchange.venues.deribit.errors import BAD_REQUEST, ERROR, TOO_LARGE, RpcError
from mockexchange.venues.kalshi.bodies import bad_request
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe

DERIBIT_ROOTS = ("/api/", "/ws/api/")
_FINAL = range(200, 600)  # a final answer's status (RFC 9110 section 15: 100 to 599, 1xx interim)
LIVE_DERIBIT = "www.deribit.com"
_DERIBIT_ERRORS = {400: BAD_REQUEST, 413: TOO_LARGE}  # else 10001 `error`, a 502


@dataclass(frozen=True, slots=True)
class Upstream:
    venue: str  # "kalshi" or "deribit"
    url: str  # as given
    scheme: str  # http or https
    netloc: str  # host[:port]

    @classmethod
    def parse(cls, venue: str, url: str) -> Upstream:
        """Raises ValueError naming what is wrong with `url`."""
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises on a port that is no number or out of range
        except ValueError:
            raise ValueError(f"bad port in {url!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s)://HOST[:PORT][/PATH] URL: {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"an upstream is a base URL, without a query or fragment: {url!r}")
        return cls(venue, url.rstrip("/"), parts.scheme, parts.netloc)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def ws_origin(self) -> str:
        return f"{'wss' if self.scheme == 'https' else 'ws'}://{self.netloc}"

    @property
    def testnet(self) -> bool:
        """What a Deribit error the proxy makes says in `testnet`: true but for Deribit's live server."""
        return urlsplit(self.url).hostname != LIVE_DERIBIT


def route(path: str, upstreams: dict[str, Upstream]) -> Upstream | None:
    if len(upstreams) == 1:
        return next(iter(upstreams.values()))
    if path == "/api" or path.startswith(DERIBIT_ROOTS):
        return upstreams.get("deribit")
    return upstreams.get("kalshi")


def not_final(upstream: Upstream, status: int) -> str | None:
    """Why an upstream's answer of `status` is none to pass on (None: it is one): the proxy's client reads a status to
    999, and a websocket's an interim one, which neither the client nor a tape can take as an answer."""
    if status in _FINAL:
        return None
    return f"{upstream.origin} answered status {status}, which no final HTTP answer has (200 to 599)"


def failure(
    upstream: Upstream, status: int, why: str, clock: Clock, request_id: Any = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers and body of what the proxy answers itself, in the venue's shape, saying why: 502 as
    Kalshi's `{"error": {"code": "bad_gateway", "message", "details": why}}` or Deribit's JSON-RPC error 10001 with
    `error.data.reason`; a body over the proxy's bound as each venue refuses one (Kalshi's 400 `http: request body too
    large`, Deribit's -32600 with 413); 400 as Kalshi's `{"code": "bad_request", "message", "details": why}` or
    Deribit's 11050 `bad_request`."""
    body: dict[str, Any]
    if upstream.venue == "kalshi":
        if status in (400, 413):
            refused = bad_request("http: request body too large" if status == 413 else why, why)
            status, body = refused.status, refused.body
        else:
            body = {"error": {"code": "bad_gateway", "message": "bad gateway", "details": why}}
    else:
        now = envelope.epoch_us(clock)
        error = RpcError(_DERIBIT_ERRORS.get(status, ERROR), why, {"reason": why})
        body = envelope.reply(request_id, us_in=now, us_out=now, testnet=upstream.testnet, error=error)
    headers = [
        (b"content-type", b"application/json"),
        (DIAGNOSIS_HEADER.lower().encode(), header_safe(why).encode("latin-1")),
    ]
    return status, headers, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
