"""A published spec read from an http(s) URL (`schema.specs.load_spec`), as `contract check --spec URL` reads it:
the document, or a `SpecError` that names the URL and the reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mockexchange.schema.specs import SpecError, load_spec

SPEC = b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802  (the standard library's name)
        if self.path == "/spec.yaml":
            self.send_response(200)
            self.send_header("Content-Length", str(len(SPEC)))
            self.end_headers()
            self.wfile.write(SPEC)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_spec_is_read_from_a_url(base_url: str):
    spec = load_spec(f"{base_url}/spec.yaml")
    assert spec == {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}


def test_a_url_that_answers_an_error_is_refused_with_its_reason(base_url: str):
    with pytest.raises(SpecError, match=r"cannot fetch http://127\.0\.0\.1:\d+/missing\.yaml: .*404"):
        load_spec(f"{base_url}/missing.yaml")
