"""Request bodies never whole, over real sockets: a client that hangs up mid-body is recorded as its own disconnect
(499, `request.incomplete`), never as a mock bug (no 500, no traceback)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from hostile_sockets import connect, request_head
from hostile_wire import journal

from mockexchange.server import MockServer

JSON = {"Content-Type": "application/json"}
TEST = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "public/test"}).encode()


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    """The error records logged meanwhile, by the mock's loggers (they reach the root) or uvicorn's (which do not):
    a traceback on the server's stderr is one of these."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


# -- a client that hangs up mid-body ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/api/v2", "/api/v2/public/test", "/api", "/_admin/accounts"])
def test_a_client_hanging_up_mid_body_is_its_disconnect_not_a_mock_bug(mock, target, errors_logged):
    since = max((e["seq"] for e in journal(mock)), default=0)
    head = request_head("POST", target, {**JSON, "Content-Length": "100"})
    with connect(mock, head + b'{"jsonrpc": "2.0", '):
        time.sleep(0.05)  # the mock is reading the body when the client hangs up
    admin = target == "/_admin/accounts"  # not journaled: the admin API's requests never are
    deadline = time.monotonic() + (0.3 if admin else 5)
    while not (entries := [e for e in journal(mock) if e["seq"] > since]) and time.monotonic() < deadline:
        time.sleep(0.02)  # the mock notices the hang-up
    if admin:
        assert entries == []
    else:
        [entry] = entries
        assert entry["status"] == 499 and entry["path"] == target
        assert entry["problems"] == [
            {
                "rule": "request.incomplete",
                "detail": "the client closed the connection before its request was whole; 19 of the 100 bytes of "
                "its body had arrived",
            }
        ]
    assert [record.getMessage() for record in errors_logged] == []


def test_a_client_hanging_up_mid_body_under_a_status_fault_rule_is_no_mock_bug_either(errors_logged):
    """A fault rule's answer reads the body for the id it echoes; a hang-up there is the client's too."""
    with MockServer() as mock:
        mock.add_fault(path="/api/v2", venue="deribit", status=503)
        with connect(mock, request_head("POST", "/api/v2", {**JSON, "Content-Length": "100"}) + b"{"):
            time.sleep(0.05)
        deadline = time.monotonic() + 5
        while not (entries := journal(mock)) and time.monotonic() < deadline:
            time.sleep(0.02)
    [entry] = entries
    assert entry["status"] == 499 and entry["fault"].startswith("status 503")  # the rule's, which nobody read
    assert entry["operation"] is None and [p["rule"] for p in entry["problems"]] == ["request.incomplete"]
    assert [record.getMessage() for record in errors_logged] == []
