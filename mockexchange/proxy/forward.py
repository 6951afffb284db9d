"""One HTTP request through the proxy: read the client's request (within a bound), send it to its upstream as it
came (method, path and query as raw as they arrived, the body's bytes, every header but the hop-by-hop ones, Host
the upstream's), answer the upstream's status, headers (but the hop-by-hop ones) and body's bytes, or a 502 in the
venue's shape when the upstream cannot be reached or fails (a 400 for a target `targets.py` does not forward); judge,
journal and record the exchange before the client has the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

import anyio.to_thread
import httpx
from starlette.types import Receive, Scope, Send

from mockexchange.auth import redact
from mockexchange.core.clock import monotonic
from mockexchange.journal.entries import HttpExchange
from mockexchange.proxy.forwarder import Forwarder
from mockexchange.proxy.messages import BodySeen, coding, headers, readable, seen
from mockexchange.proxy.targets import TargetRefused, http_url
from mockexchange.proxy.upstreams import Upstream, failure, not_final, route
from mockexchange.venues.proxied import Exchange, ProxyVerdict, query_value
from mockexchange.web.request_body import body_within, raw_header

MAX_REQUEST_BYTES = 16 * 1024 * 1024  # a client's body the proxy holds to forward (Kalshi's own bound is 64 KiB)
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # an upstream's answer the proxy holds to judge and record
ASIDE_BYTES = 64 * 1024  # a body past this is read, redacted and judged in a worker thread (off the event loop)
T = TypeVar("T")
# Hop-by-hop headers (RFC 9110 7.6.1) and those a proxy sets itself; never passed on either way.
HOP_BY_HOP = frozenset(
    {
        b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection", b"te",
        b"trailer", b"trailers", b"transfer-encoding", b"upgrade",
    }
)  # fmt: skip
_LENGTH = frozenset({b"content-length"})
_NOT_FORWARDED = HOP_BY_HOP | {b"host"} | _LENGTH
_ACCEPT_ENCODING = b"accept-encoding"  # sent on with the codings the proxy reads only (messages.readable)
_AUTH_HEADER = b"x-mockexchange-auth"  # the mock's diagnosis, when the upstream is a mock
_DIAGNOSIS_HEADER = b"x-mockexchange-diagnosis"  # the same of another refusal (the proxy's own answers say it too)


class UpstreamFailed(Exception):
    """The upstream could not be reached, or failed to answer whole (the message says which, and why)."""


def end_to_end(raw: list[tuple[bytes, bytes]], also: frozenset[bytes] = frozenset()) -> list[tuple[bytes, bytes]]:
    """Headers without the hop-by-hop ones, those the Connection header names, and `also`."""
    named = {
        token.strip().lower().encode("latin-1")
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    return [(name, value) for name, value in raw if (low := name.lower()) not in HOP_BY_HOP | also and low not in named]


async def forward_http(proxy: Forwarder, scope: Scope, receive: Receive, send: Send) -> None:
    arrived = monotonic()
    at = proxy.at()
    upstream = route(scope["path"], proxy.upstreams)
    assert upstream is not None  # a proxy has an upstream for every path (upstreams.route)
    try:
        url, failed = http_url(upstream, scope["method"], raw_target(scope)), None
    except TargetRefused as exc:  # nothing goes upstream
        url, failed = None, str(exc)
    raw = await body_within(receive, MAX_REQUEST_BYTES)
    request_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    sent = await aside(len(raw or b""), seen, raw or b"", coding(request_headers))
    if failed is not None:
        status, answer_headers, body = failure(upstream, 400, failed, proxy.clock, _rpc_id(upstream, sent, scope))
    elif raw is None:
        failed = f"the request's body is over the proxy's {MAX_REQUEST_BYTES:,} bytes; it was not forwarded"
        status, answer_headers, body = failure(upstream, 413, failed, proxy.clock, _rpc_id(upstream, sent, scope))
    else:
        assert url is not None  # (None only when the target was refused: `failed`)
        try:
            status, answer_headers, body = await _exchange(proxy, upstream, url, scope["method"], request_headers, raw)
        except UpstreamFailed as exc:
            failed = str(exc)
            status, answer_headers, body = failure(upstream, 502, failed, proxy.clock, _rpc_id(upstream, sent, scope))
    answered = await aside(len(body), seen, body, coding(answer_headers)) if failed is None else None
    exchange = Exchange(
        scope["method"], unquote(_path(scope)), parse_qsl(_query(scope), keep_blank_values=True), sent.value,
        None if failed else status, answered.value if answered else None,
    )  # fmt: skip
    verdict = await aside(len(body), _judge, upstream, exchange, sent, answered, failed)
    latency_us = int((monotonic() - arrived) * 1_000_000)
    request_body, response_body = await aside(len(raw or b"") + len(body), _bodies, sent, answered, body)
    key_id = upstream.side.key_id(request_headers, exchange)
    proxy.journal.record_http(HttpExchange(
        "rest", scope["method"], _path(scope), _query(scope), key_id, status, raw_header(answer_headers, _AUTH_HEADER),
        upstream.venue, verdict.note(key_id), latency_us=latency_us, request_body=request_body,
        response_body=response_body, diagnosis=raw_header(answer_headers, _DIAGNOSIS_HEADER),
    ))  # fmt: skip
    if failed is None and answered is not None and proxy.tape is not None:
        request = request_record(upstream, scope, request_headers, sent)
        response = {"status": status, "headers": headers(answer_headers), "body": answered.tape}
        proxy.tape.write("http", upstream.venue, at, request=request, response=response,
                         elapsed_ms=round(latency_us / 1000, 3))  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": _framed(answer_headers, body, status)})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def aside(size: int, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` on a body of `size` bytes: on the loop for a small one, in a worker thread for a large one, whose
    reading, redacting and judging would hold every other client of the proxy meanwhile."""
    if size <= ASIDE_BYTES:
        return work(*args)
    return await anyio.to_thread.run_sync(work, *args)


async def _exchange(
    proxy: Forwarder,
    upstream: Upstream,
    url: httpx.URL,
    method: str,
    request_headers: list[tuple[bytes, bytes]],
    raw: bytes,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    forwarded = [
        (name, readable(value.decode("latin-1")).encode("latin-1") if name.lower() == _ACCEPT_ENCODING else value)
        for name, value in end_to_end(request_headers, _NOT_FORWARDED)
    ]
    if not raw and raw_header(request_headers, b"content-length") is not None:
        forwarded.append((b"content-length", b"0"))  # httpx states no length for an empty body
    request = httpx.Request(method, url, headers=forwarded, content=raw or None)
    try:
        response = await proxy.client().send(request, stream=True)
        try:
            body = await _bounded(response)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        raise UpstreamFailed(f"{upstream.origin} did not answer within {proxy.timeout_s:g} s") from None
    except httpx.ConnectError as exc:
        raise UpstreamFailed(f"cannot reach {upstream.origin}: {exc or type(exc).__name__}") from None
    except (httpx.HTTPError, OSError) as exc:
        raise UpstreamFailed(f"{upstream.origin} failed: {type(exc).__name__}: {exc}") from None
    if (why := not_final(upstream, response.status_code)) is not None:
        raise UpstreamFailed(why)
    return response.status_code, list(response.headers.raw), body


async def _bounded(response: httpx.Response) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise UpstreamFailed(f"the upstream's answer is over the proxy's {MAX_RESPONSE_BYTES:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


def raw_target(scope: Scope) -> bytes:
    """The path and query as the client sent them, percent escapes untouched."""
    path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    return path + (b"?" + query if query else b"")


def _framed(raw: list[tuple[bytes, bytes]], body: bytes, status: int) -> list[tuple[bytes, bytes]]:
    """The answer's headers as passed on: end to end only, with a length when the upstream framed it in chunks (and
    without the upstream's length then: RFC 9112 section 6.3, Transfer-Encoding overrides it, and the body passed on
    is the chunks' bytes)."""
    kept = end_to_end(raw, _LENGTH if raw_header(raw, b"transfer-encoding") is not None else frozenset())
    if status >= 200 and status not in (204, 304) and raw_header(kept, b"content-length") is None:
        kept.append((b"content-length", str(len(body)).encode()))
    return kept


def _path(scope: Scope) -> str:
    return (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]


def _query(scope: Scope) -> str:
    return redact.query(scope.get("query_string", b"").decode("latin-1"))


def _judge(
    upstream: Upstream, exchange: Exchange, sent: BodySeen, answered: BodySeen | None, failed: str | None
) -> ProxyVerdict:
    verdict: ProxyVerdict = upstream.side.judge(exchange)
    if failed is not None:
        verdict.unjudged.append(f"reply: none from the upstream ({failed})")
    elif answered is not None and answered.unread is not None:
        verdict.unjudged.append(f"reply: {answered.unread}")
    if sent.unread is not None:
        verdict.unjudged.append(f"request: {sent.unread}")
    return verdict


def _rpc_id(upstream: Upstream, sent: BodySeen, scope: Scope) -> Any:
    """The id of a JSON-RPC call, which the proxy's own answer to it repeats (None: the venue's calls have none)."""
    if not upstream.side.json_rpc:
        return None
    if isinstance(sent.value, dict):
        return sent.value.get("id")
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if name == "id":
            return query_value(value)
    return None


def _bodies(sent: BodySeen, answered: BodySeen | None, body: bytes) -> tuple[bytes, bytes]:
    """The request's and the answer's bodies for the journal (which keeps their first characters, and reads a
    refusal in the answer): as the proxy read them (decoded, redacted); the proxy's own answer as it is."""
    return sent.text.encode(), answered.text.encode() if answered is not None else body


def request_record(
    upstream: Upstream, scope: Scope, request_headers: list[tuple[bytes, bytes]], sent: BodySeen | None
) -> dict[str, Any]:
    """A request as the tape holds it: as it went to the upstream (its end-to-end headers, Host the upstream's)."""
    kept = [(b"host", upstream.netloc.encode("latin-1")), *end_to_end(request_headers, frozenset({b"host"}))]
    return {
        "method": scope.get("method", "GET"),
        "path": _path(scope),
        "query": _query(scope),
        "headers": headers(kept),
        "body": sent.tape if sent is not None else None,
    }
