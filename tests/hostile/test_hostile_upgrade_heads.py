"""Websocket upgrades whose head h11 reads but websockets' parser refuses (a header line over 8 KiB, a target over
8 KiB, 129 headers, a body, a control character in a value), sent to a mock and to `mockexchange proxy` by hand: each
is answered (414, 431, 400) and its connection closed, where it was left unanswered and open for as long as the
client stayed, holding one of the server's connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hostile_sockets import connect, read_response, read_until_closed
from hostile_wire import KALSHI_WS, UPGRADE
from test_hostile_proxy_targets import Upstream

from mockexchange.proxy.runner import ProxyServer
from mockexchange.server import MockServer

_UPGRADE = "".join(f"{name}: {value}\r\n" for name, value in {"Host": "127.0.0.1", **UPGRADE}.items())
# What is wrong with the head: its headers (after the upgrade's own), the body after it, the status that answers it.
HEADS = {
    "a header line over 8 KiB": (f"X-Long: {'a' * 8200}\r\n", "", 431),
    "129 headers": ("".join(f"X-{n}: {n}\r\n" for n in range(124)), "", 431),
    "a body": ("Content-Length: 2\r\n", "{}", 400),
    "a chunked body": ("Transfer-Encoding: chunked\r\n", "0\r\n\r\n", 400),
    "a control character in a value": ("X-A: a\x01b\r\n", "", 400),
}


def upgrade(target: str, headers: str = "", body: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\n{_UPGRADE}{headers}\r\n{body}".encode("latin-1")


@pytest.fixture(scope="module", params=["mock", "proxy"])
def server(request: pytest.FixtureRequest) -> Iterator[MockServer | ProxyServer]:
    if request.param == "mock":
        with MockServer() as mock:
            yield mock
    else:
        with Upstream() as upstream, ProxyServer(upstream.kalshi_url, timeout_s=10) as proxy:
            yield proxy


@pytest.mark.parametrize("what", list(HEADS))
def test_an_upgrade_head_websockets_refuses_is_answered_and_closed(server: MockServer | ProxyServer, what: str) -> None:
    headers, body, status = HEADS[what]
    with connect(server, upgrade(KALSHI_WS, headers, body)) as sock:  # type: ignore[arg-type]
        answer = read_response(sock, 10)
        assert answer.status == status, answer
        read_until_closed(sock, 10)
    if status == 400:
        assert answer.headers["x-mockexchange-diagnosis"].startswith("a websocket upgrade whose head websockets")


def test_an_upgrade_target_over_8_kib_is_414_and_closed(server: MockServer | ProxyServer) -> None:
    with connect(server, upgrade(f"{KALSHI_WS}?{'a' * 8200}")) as sock:  # type: ignore[arg-type]
        assert read_response(sock, 10).status == 414
        read_until_closed(sock, 10)
