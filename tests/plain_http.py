"""httpx's one-call functions (`get`, `post`, ...) for tests. Each builds a client, whose default TLS context (the CA
bundle loaded: some 25 ms of CPU) the root conftest.py makes once for every client of the suite, though every server a
test talks to is plain HTTP on 127.0.0.1."""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, **kwargs)


get, post, put, delete, head, options, patch = (
    partial(request, method) for method in ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")
)
