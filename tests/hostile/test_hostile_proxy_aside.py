"""A large body never holds the proxy's other clients: what the proxy reads of it (decoded, redacted, judged) is read
in a worker thread, so the event loop answers the others meanwhile. The reading is held at its start here (a stand-in
for `seen` that waits on the test), and another client's request must be answered while it waits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import plain_http
import pytest
from waits import HANG_S

from mockexchange.proxy import forward
from mockexchange.proxy.runner import ProxyServer
from mockexchange.server import MockServer

WAIT = HANG_S  # seconds an answer may take before the test calls it a hang (waits.py)


@pytest.fixture(name="proxy")
def proxied() -> Iterator[ProxyServer]:
    with MockServer() as mock, ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url) as server:
        yield server


def test_a_large_body_is_read_aside_while_the_proxy_answers_another_client(proxy, monkeypatch) -> None:
    inside, go_on = threading.Event(), threading.Event()
    read = forward.seen

    def held(raw: bytes, *rest: Any) -> Any:
        if len(raw) > forward.ASIDE_BYTES:
            inside.set()
            assert go_on.wait(WAIT)
        return read(raw, *rest)

    monkeypatch.setattr(forward, "seen", held)
    body = b'{"client_secret": "' + b"s" * forward.ASIDE_BYTES + b'"}'
    with ThreadPoolExecutor(1) as pool:
        large = pool.submit(plain_http.post, proxy.base_url + "/api/v2/public/test", content=body, timeout=WAIT)
        assert inside.wait(WAIT), "the large body was never read"
        try:
            assert plain_http.get(proxy.base_url + "/_admin/requests", timeout=5).status_code == 200
        finally:
            go_on.set()
        assert large.result(WAIT).status_code == 413  # (Deribit's bound on a body: the upstream's answer)
