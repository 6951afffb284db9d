"""httpx's one-call functions (`get`, `post`, ...) for tests, sharing one TLS context. Each `httpx.get(...)` builds a
client, and with it a TLS context that loads the CA bundle: some 25 ms of CPU a call, though every server a test
talks to is plain HTTP on 127.0.0.1. Same requests, same answers: only the context is made once."""

from __future__ import annotations

import ssl
from functools import partial
from typing import Any

import httpx

_TLS = ssl.create_default_context()


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, verify=_TLS, **kwargs)


get, post, put, delete, head, options, patch = (
    partial(request, method) for method in ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")
)
