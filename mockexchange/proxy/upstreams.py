"""The upstreams a proxy forwards to (one a proxied venue, each named by its registration's `name`), which one a
request goes to, and the venue's own error body for what the proxy answers itself (502: the upstream could not be
reached or failed; 413: a body too large; 400: a request target it does not forward, `targets.py`), which its
registration's `Proxied` words. An upstream whose final answer has a status no HTTP answer has (600 to 999, which h11
reads) or an interim one (1xx to a websocket upgrade) failed: 502, and nothing is recorded.

A request goes to the upstream's scheme, host and port with its path as the client sent it (a Kalshi signature
covers the path from the root): the upstream URL's path only says where the client's base is. With several
upstreams, a path goes to the venue that serves it (`Proxied.serves`: Deribit's `/api/...`, `/ws/api/...`), and one
none serves to the first registered (Kalshi's); with one, every path goes to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockexchange.control.registration import Proxied
from mockexchange.core.clock import Clock, unix_us
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe

_FINAL = range(200, 600)  # a final answer's status (RFC 9110 section 15: 100 to 599, 1xx interim)


@dataclass(frozen=True, slots=True)
class Upstream:
    venue: str  # the venue's name ("kalshi")
    url: str  # as given
    scheme: str  # http or https
    netloc: str  # host[:port]
    side: Proxied  # how the venue is proxied (its registration's)

    @classmethod
    def parse(cls, venue: str, url: str, side: Proxied) -> Upstream:
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
        return cls(venue, url.rstrip("/"), parts.scheme, parts.netloc, side)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def ws_origin(self) -> str:
        return f"{'wss' if self.scheme == 'https' else 'ws'}://{self.netloc}"

    @property
    def testnet(self) -> bool:
        """What an error the proxy makes says of the upstream (Deribit's `testnet`): true but for the venue's live
        server."""
        return urlsplit(self.url).hostname != self.side.live_host


def route(path: str, upstreams: dict[str, Upstream]) -> Upstream | None:
    """The upstream that serves `path`, else the first (the only one, when there is one)."""
    served = (upstream for upstream in upstreams.values() if upstream.side.serves(path))
    return next(served, next(iter(upstreams.values()), None))


def not_final(upstream: Upstream, status: int) -> str | None:
    """Why an upstream's answer of `status` is none to pass on (None: it is one): the proxy's client reads a status to
    999, and a websocket's an interim one, which neither the client nor a tape can take as an answer."""
    if status in _FINAL:
        return None
    return f"{upstream.origin} answered status {status}, which no final HTTP answer has (200 to 599)"


def failure(
    upstream: Upstream, status: int, why: str, clock: Clock, request_id: Any = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, headers and body of what the proxy answers itself, in the venue's shape (its `Proxied.refuse`),
    saying why: 502 (Kalshi's `bad_gateway` with `details`, Deribit's JSON-RPC error 10001 with `error.data.reason`), a
    body over the proxy's bound as the venue refuses one (Kalshi's 400 `http: request body too large`, Deribit's
    -32600 with 413), 400 (Kalshi's `bad_request`, Deribit's 11050)."""
    status, body = upstream.side.refuse(status, why, request_id, unix_us(clock.now()), upstream.testnet)
    headers = [
        (b"content-type", b"application/json"),
        (DIAGNOSIS_HEADER.lower().encode(), header_safe(why).encode("latin-1")),
    ]
    return status, headers, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
