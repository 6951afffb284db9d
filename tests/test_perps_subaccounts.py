"""The margined instance's numbered subaccounts over real HTTP: made one by one, funded by transfers between them
(idempotent by client_transfer_id, refused in Kalshi's shape without changing anything), each with its own cash,
margin, orders, positions and balance on the perps exchange. Every answer is checked against the spec's schema
(perps_http.py)."""

from __future__ import annotations

from decimal import Decimal

import httpx
from perps_fixtures import fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, order, placed, signed, whole

from mockexchange.server import MockServer

ID = "0b3a1f4e-6c2d-4b8a-9e1f-2a3b4c5d6e7f"


def move(client: httpx.Client, source: int, target: int, cents: int, transfer_id: str = ID) -> httpx.Response:
    body = {"client_transfer_id": transfer_id, "from_subaccount": source, "to_subaccount": target,
            "amount_cents": cents}  # fmt: skip
    return client.post("/portfolio/margin/subaccounts/transfer", json=body)


def test_each_subaccount_trades_on_its_own_cash(mock: MockServer) -> None:
    with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
        made = [alice.post("/portfolio/margin/subaccounts") for _ in range(2)]
        assert [(m.status_code, m.json()) for m in made] == [(201, {"subaccount_number": 1}),
                                                             (201, {"subaccount_number": 2})]  # fmt: skip
        assert move(alice, 0, 1, 200_000).json() == {}  # $2,000 to subaccount 1
        assert move(alice, 0, 1, 200_000).status_code == 200  # (the same transfer again: made once)
        assert mock.perps_account("alice", 1)["cash"] == "2000.000000"
        assert mock.perps_account("alice")["cash"] == "8000.000000"
        before = whole(mock)
        others = [ID.replace("0b", f"0{n}", 1) for n in range(3)]
        refusals = [move(alice, 0, 1, 100, ID), move(alice, 0, 3, 100, others[0]), move(alice, 2, 1, 100, others[1]),
                    move(alice, 1, 1, 100, others[2]), move(alice, 0, 1, 100, "x")]  # fmt: skip
        assert [r.status_code for r in refusals] == [409, 400, 400, 400, 400]
        assert refusals[2].json()["error"]["code"] == "insufficient_balance"
        assert whole(mock) == before
        # subaccount 1's margin is its own cash's: 0.5 BTC needs 5,000 of initial margin, 0.1 needs 1,000
        placed(alice, 400, **order(BTC, "bid", "0.5", "100000", subaccount=1))
        placed(alice, **order(BTC, "bid", "0.1", "100000", subaccount=1))
        placed(bob, **order(BTC, "ask", "0.1", "100000"))
        rows = alice.get("/margin/positions").json()["positions"]
        assert [(p["subaccount"], p["position"]) for p in rows] == [(1, "0.10")]
        assert alice.get("/margin/positions", params={"subaccount": 0}).json()["positions"] == []
        balances = alice.get("/margin/balance").json()["subaccount_balances"]
        fee = Decimal("0.1") * 100_000 * Decimal("0.0002")  # alice's order rested: the maker
        assert [(b["subaccount"], Decimal(b["account_equity"])) for b in balances] == [
            (0, 8000), (1, 2000 - fee), (2, 0)]  # fmt: skip
        assert [f["order_id"] for f in alice.get("/margin/fills", params={"subaccount": 0}).json()["fills"]] == []
        # an order of a subaccount is its own: named with another, it is not found
        move(alice, 0, 2, 10_000, others[1])
        rest = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="r", subaccount=2))
        assert alice.delete(f"/margin/orders/{rest['order_id']}").status_code == 404
        assert alice.delete(f"/margin/orders/{rest['order_id']}", params={"subaccount": 2}).status_code == 200
        gone = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000", client_order_id="n", subaccount=3))
        assert gone.status_code == 404
