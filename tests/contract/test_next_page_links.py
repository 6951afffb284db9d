"""The stateful phase's next-page requests: sent with the filters their cursor was issued for (so a server's refusal
of a cursor reused with other filters is not called a schema violation), and still able to fail."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from hypothesis import HealthCheck, settings
from schemathesis.auths import AuthContext, set_on_case

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import seed, signer, values

STATEFUL = settings(max_examples=40, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck))
SETTLEMENTS = "/trade-api/v2/portfolio/settlements"


def _schema(asgi: Any) -> Any:
    return suite.load_schema(signer(), app=asgi, account=values())


def _signed(operation: Any, query: dict[str, Any]) -> Any:
    case = operation.Case(query=query)
    set_on_case(case, AuthContext(operation=operation, app=operation.app), None)
    return case


def test_a_next_page_request_is_sent_with_the_filters_its_cursor_was_issued_for() -> None:
    app = build_app()
    seed(app.control)
    operation = _schema(app.asgi).find_operation_by_label("GET /portfolio/settlements")
    page = _signed(operation, {"limit": 1, "event_ticker": "KXCONTRACT-02"}).call()
    assert page.status_code == 200, page.text
    cursor = page.json()["cursor"]
    assert cursor

    drawn = {"cursor": cursor, "limit": 2, "event_ticker": "KXCONTRACT-05", "min_ts": 7}
    # As drawn, the mock refuses the cursor: it was issued for other filters.
    refused = operation.Case(query=drawn)
    refused.headers = signer().headers("GET", SETTLEMENTS)
    assert refused.call().status_code == 400

    sent = _signed(operation, drawn)
    assert sent.query == {"event_ticker": "KXCONTRACT-02", "cursor": cursor, "limit": 2}
    response = sent.call()
    assert response.status_code == 200, response.text
    assert {row["event_ticker"] for row in response.json()["settlements"]} == {"KXCONTRACT-02"}


def test_a_cursor_no_page_issued_is_sent_as_drawn() -> None:
    app = build_app()
    seed(app.control)
    operation = _schema(app.asgi).find_operation_by_label("GET /portfolio/settlements")
    sent = _signed(operation, {"cursor": "made-up", "event_ticker": "KXCONTRACT-05"})
    assert sent.query == {"cursor": "made-up", "event_ticker": "KXCONTRACT-05"}
    drawn = {"cursor": ["a", {"b": 1}], "event_ticker": "KXCONTRACT-05"}  # a negative case's cursor may be any value
    assert _signed(operation, drawn).query == drawn


class RefusesEveryCursor:
    """The mock, except that a request carrying a cursor is refused (a 400 in Kalshi's shape) even with the filters
    the cursor was issued for."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if scope["type"] == "http" and query.get("cursor"):
            body = orjson.dumps({"msg": "Parameter validation failed: Key: 'Cursor' failed on the 'cursor' tag"})
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


@pytest.mark.slow
def test_a_server_refusing_its_own_cursors_fails_the_stateful_run() -> None:
    app = build_app()
    seed(app.control)
    schema = _schema(RefusesEveryCursor(app.asgi))
    with pytest.raises(BaseException) as failure:  # noqa: PT011 (schemathesis raises an exception group)
        schema.as_state_machine().run(settings=STATEFUL)
    text = str(failure.value) + "".join(str(e) for e in getattr(failure.value, "exceptions", ()))
    assert "Schema-valid request rejected" in text or "of a cursor walk answered 400" in text, text[:3000]
