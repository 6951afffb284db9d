"""What the proxy keeps of a body it read stays within its bounds once the request is done: the redaction's answers
about a text are kept for short texts only (a path, a query), for a kept answer keeps its text, and a client's bodies
are read up to 64 MiB decoded. Measured in this process (tracemalloc: the proxy and its upstream run in
threads of the test's process), by the large blocks still held: a body decodes to one block, where what the process's
caches hold is many small ones, whose churn after other tests in the same worker is no body kept."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import orjson
import plain_http
import pytest
from traced_memory import large_blocks, traced
from waits import HANG_S

from mockexchange.proxy.runner import ProxyServer
from mockexchange.server import MockServer

# Characters a body decodes to: a kept body is a block of that many bytes and a header (up to an eighth more, for a
# buffer grown as it was read). Not near a power of two: no table of a process-wide dict or set (the interned
# strings', which grows when anything interns a new name) is within that band of it.
TEXT = 2_750_000
BODIES = 4


@pytest.fixture(name="proxy")
def proxied() -> Iterator[ProxyServer]:
    with MockServer() as mock, ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url) as server:
        yield server


def _sent(proxy: ProxyServer, body: bytes, content_type: str) -> None:
    headers = {"content-encoding": "gzip", "content-type": content_type}
    answer = plain_http.post(proxy.base_url + "/api/v2/public/test", content=gzip.compress(body), headers=headers)
    assert answer.status_code < 500


def test_large_bodies_read_by_the_proxy_are_not_kept_after_it_answered(proxy) -> None:
    _sent(proxy, b"warm", "text/plain")  # (what the first request makes once)
    with traced():
        for n in range(BODIES):  # a text, and a JSON string, each a different one
            _sent(proxy, f"note {n} ".encode() + b"x" * TEXT, "text/plain")
            _sent(proxy, orjson.dumps({"note": f"{n} " + "k" * TEXT}), "application/json")
        # The client has its answer before the proxy's thread is done with the last request (its task ends after
        # sending): wait for that, up to the hang ceiling; a body kept for good is never let go.
        deadline = time.monotonic() + HANG_S
        while (held := large_blocks(TEXT, TEXT + TEXT // 8)) and time.monotonic() < deadline:
            time.sleep(0.05)
    kept = "\n".join(f"{size:,} bytes at {where}" for size, where in held)
    assert not held, f"blocks still held after {2 * BODIES} bodies of {TEXT:,} characters:\n{kept}"
