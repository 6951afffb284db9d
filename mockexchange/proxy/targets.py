"""Which request targets the proxy forwards, and the upstream URL it makes of one: a path and query (RFC 9112's origin
form, `/PATH?QUERY`) that reaches the upstream byte for byte, on the upstream's scheme, host and port. Nothing a
client sends can name another host.

Refused (`TargetRefused`, which the proxy answers 400 in the venue's shape before a byte goes upstream): a CONNECT,
whatever its target (it asks for a tunnel, which the proxy does not open: its 2xx would switch the client's
connection to one); a target that is no path (the absolute form `http://host/...`, CONNECT's authority form
`host:port`, OPTIONS' `*`, `\\\\host`, `@host`, `%2F%2Fhost`, `?query`); one with a fragment (`#`: never part of a
request); and one the upstream client would send changed (over HTTP, httpx removes `.` and `..` segments and escapes
`"`, `<`, `>`, `{`, `}`, `` ` ``; the websocket client sends them as they are) or not at all (a URL over httpx's
64 KiB). `//host/...` and `/@host` are paths on the upstream like any other and go there.
"""

from __future__ import annotations

import httpx
from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from mockexchange.proxy.upstreams import Upstream

_SHOWN = 120  # characters of a target a refusal quotes


class TargetRefused(ValueError):
    """A request target the proxy does not forward; the message says why."""


def http_url(upstream: Upstream, method: str, target: bytes) -> httpx.URL:
    """The URL a `method` request for `target` goes to on `upstream`; TargetRefused when it would not reach it as
    sent."""
    if method == "CONNECT":
        raise TargetRefused(f"CONNECT {_shown(target)} asks for a tunnel, which the proxy does not open")
    _origin_form(target)
    try:
        url = httpx.URL(upstream.origin).copy_with(raw_path=target)
    except httpx.InvalidURL as exc:
        raise TargetRefused(f"the request target {_shown(target)} is no URL path: {exc}") from None
    _kept(target, url.raw_path)
    return url


def websocket_url(upstream: Upstream, target: bytes) -> str:
    """The URI a websocket for `target` opens on `upstream`; TargetRefused when it would not reach it as sent."""
    _origin_form(target)
    uri = upstream.ws_origin + target.decode("latin-1")
    try:
        sent = parse_uri(uri).resource_name
    except InvalidURI as exc:
        raise TargetRefused(f"the request target {_shown(target)} is no URL path: {exc}") from None
    _kept(target, sent.encode("latin-1"))
    return uri


def _origin_form(target: bytes) -> None:
    if not target.startswith(b"/"):
        raise TargetRefused(
            f"the request target {_shown(target)} is not a path: the proxy forwards /PATH?QUERY to its upstream only"
        )
    if b"#" in target:
        raise TargetRefused(f"the request target {_shown(target)} holds a fragment (#), which no request sends")


def _kept(target: bytes, sent: bytes) -> None:
    if sent != target:
        raise TargetRefused(
            f"the request target {_shown(target)} would reach the upstream changed, as {_shown(sent)}: the proxy "
            "forwards a target as sent (a signature covers it)"
        )


def _shown(target: bytes) -> str:
    text = target.decode("latin-1")
    return repr(text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}...")
