"""What the tests of the perps venue over HTTP share: a signed client of a user whose every answer is checked against
the spec's schema (the kit's slice of perps_openapi.yaml, mockexchange/schema/perps/), funding a user's margined cash,
an order body, a refusal's status, code and diagnosis, and the exchange's state whole (to see that a refusal changed
nothing)."""

from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime
from typing import Any

import httpx

from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.schema.fields import response_errors
from mockexchange.schema.specs import perps_slice_path
from mockexchange.server import MockServer
from mockexchange.state.snapshot import fields
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
SLICE = parsed_once(perps_slice_path("openapi.yaml"))
TEMPLATES = [
    (re.compile("^/trade-api/v2" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in SLICE["paths"]
]


def template(path: str) -> str:
    """The spec's path of a request's path (`/margin/markets/{ticker}` of `/trade-api/v2/margin/markets/BTC`)."""
    return next(spec for pattern, spec in TEMPLATES if pattern.match(path))


def check(response: httpx.Response, *_: Any) -> None:
    """Every answer as the spec's schema says: the operation's documented body for its status."""
    response.read()
    request = response.request
    if not response.content:
        assert response.status_code == 204, response.status_code
        return
    problems = response_errors(SLICE, template(request.url.path), request.method, response.status_code, response.json())
    assert problems == [], f"{request.method} {request.url.path} -> {response.status_code}: {problems}"


def signed(mock: MockServer, user_id: str) -> httpx.Client:
    key = mock.create_key(user_id)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    hooks = {"response": [check]}
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10, event_hooks=hooks)


def public(mock: MockServer) -> httpx.Client:
    return httpx.Client(base_url=mock.kalshi_url, timeout=10, event_hooks={"response": [check]})


def fund(mock: MockServer, user_id: str, dollars: int) -> None:
    """A Kalshi account of the user, `dollars` moved to its margined instance (the perps exchange's cash)."""
    mock.create_account(user_id, balance_cents=dollars * 100)
    mock.intra_exchange_transfer(user_id, "event_contract", "margined", dollars * 10_000)


BTC, ETH = "BTC-PERP", "ETH-PERP"


def open_subaccount(client: httpx.Client, number: int, cents: int) -> None:
    """The client's user's next margined subaccount, which must be `number`, with `cents` moved to it from 0."""
    assert client.post("/portfolio/margin/subaccounts").json() == {"subaccount_number": number}
    move = {"client_transfer_id": f"0{number}3a1f4e-6c2d-4b8a-9e1f-2a3b4c5d6e7f", "from_subaccount": 0,
            "to_subaccount": number, "amount_cents": cents}  # fmt: skip
    assert client.post("/portfolio/margin/subaccounts/transfer", json=move).status_code == 200


def ready(mock: MockServer) -> MockServer:
    """The mock as a test starts: alice and bob with $10,000 each in the margined instance, BTC-PERP marked at
    100,000 (tick 0.5) and ETH-PERP at 3,000 (whole contracts only), no order."""
    mock.reset()
    mock.app.control.parts.clock.set(T0)
    for user in ("alice", "bob"):
        fund(mock, user, 10_000)
    mock.list_perp_market(BTC, "100000", tick_size="0.5", contract_size="0.001")
    mock.list_perp_market(ETH, "3000", tick_size="0.01", fractional_trading_enabled=False)
    return mock


def order(ticker: str, side: str, count: str, price: str, **fields: Any) -> dict[str, Any]:
    """A CreateMarginOrderRequest: good till cancelled, the taker cancelled at a cross, `fields` over it."""
    named = f"{side}-{count}-{price}".replace(".", "_")
    body = {"ticker": ticker, "client_order_id": named, "side": side, "count": count, "price": price,
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    return body | fields


DIAGNOSIS = "x-mockexchange-diagnosis"


def refusal(answer: httpx.Response, status: int, code: str) -> str:
    """A refusal's diagnosis, its status and code checked."""
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    return answer.headers[DIAGNOSIS]


def placed(client: httpx.Client, status: int = 201, **body: object) -> dict:
    """A CreateMarginOrder's answer, whose status must be `status`."""
    answer = client.post("/margin/orders", json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def whole(mock: MockServer) -> bytes:
    """The perps exchange's state and the margined cash, as bytes: equal bytes, equal state."""
    ledger = mock.app.control.ledger.state.subaccount_state
    return pickle.dumps((fields(mock.app.control.perps.state), dict(ledger.margined)))
