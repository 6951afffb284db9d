"""Writes state-orders-193929e.db and .json beside this file: a state file whose commands hold a Kalshi account's
orders as the mock kept them before its order writes were typed commands (main at 193929e), placed both through the
Python API (tests/test_state_restart.py's `_populate`) and by a client over the wire (`_wire_orders`), and the answers
that mock gave then. Its snapshots are dropped, so a mock restoring it runs every command again.

Run it with that commit's package, from the project's root:

    git worktree add /tmp/base 193929e
    PYTHONPATH=/tmp/base:tests python3 tests/data/write_state_orders.py
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import plain_http
from test_state_restart import ORD, _answers, _granted, _kalshi_auth, _populate

from mockexchange.server import MockServer

HERE = Path(__file__).parent
PATH = HERE / "state-orders-193929e.db"
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}


def _wire_orders(mock: MockServer, auth: object) -> list[int]:
    """A client's v2 order writes: placed, a batch with an item refused in its place, an amend, a decrease, a cancel,
    a batch of cancels with one refused, every order of an empty subaccount cancelled. Answers their statuses."""
    base = mock.kalshi_url + "/portfolio/events/orders"

    def send(method: str, url: str, body: object = None) -> dict:
        answer = plain_http.request(method, url, json=body, auth=auth)
        statuses.append(answer.status_code)
        return answer.json() if answer.content else {}

    statuses: list[int] = []
    one = send("POST", base, {"ticker": ORD, "side": "bid", "count": "2", "price": "0.41", "client_order_id": "w-1",
                              **GTC})["order_id"]  # fmt: skip
    batch = send("POST", base + "/batched", {"orders": [
        {"ticker": ORD, "side": "bid", "count": "1.5", "price": "0.39", **GTC},
        {"ticker": ORD, "side": "bid", "count": "0", "price": "0.39", **GTC},  # refused in its place
        {"ticker": ORD, "side": "ask", "count": "1", "price": "0.62", **GTC},
    ]})["orders"]  # fmt: skip
    send("POST", f"{base}/{one}/amend", {"ticker": ORD, "side": "bid", "count": "3", "price": "0.42"})
    send("POST", f"{base}/{batch[0]['order_id']}/decrease", {"reduce_to": "0.5"})
    send("DELETE", f"{base}/{one}")
    send("DELETE", base + "/batched", {"orders": [{"order_id": batch[2]["order_id"]},
                                                  {"order_id": "no-such-order"}]})  # fmt: skip
    send("DELETE", base + "?subaccount=2")
    return statuses


def main() -> None:
    PATH.unlink(missing_ok=True)
    with MockServer(state=str(PATH), seed=25) as mock:
        made = _populate(mock)
        auth = _kalshi_auth(made)
        statuses = _wire_orders(mock, auth)
        answers = _answers(mock, auth, _granted(mock, made)["access_token"])
    with sqlite3.connect(PATH) as db:
        db.execute("DELETE FROM snapshots")
    db.close()
    kept = {
        "kalshi_key": made["key"],
        "deribit_key": {k: made["deribit_key"][k] for k in ("client_id", "client_secret")},
        "wire_statuses": statuses,
        "answers": {k: v.decode() if isinstance(v, bytes) else v for k, v in answers.items()},
    }
    PATH.with_suffix(".json").write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
