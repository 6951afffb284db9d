"""A fill's fields are declared once (`NewFill`): `ledger.filling.apply_fill`, the control plane's `fill` (and so the
admin route `POST /_admin/fills` and the Python API's `mock.fill`), a batch's fills and a scenario's fill step take
exactly those names, and a client order id given to any of them reaches the wire."""

from __future__ import annotations

import inspect

import plain_http
import pytest

from mockexchange.core.commands import declared
from mockexchange.core.kalshi.fill_commands import SeedFill
from mockexchange.core.kalshi.filling import Filling
from mockexchange.core.kalshi.new_fill import FILL_REQUIRED, NewFill
from mockexchange.registry import GRAMMAR, control_plane
from mockexchange.server import MockServer


def parameters(function: object) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]  # type: ignore[arg-type]


def test_every_door_takes_newfills_fields():
    fill = control_plane().fill
    assert parameters(Filling.apply_fill) == list(NewFill._fields)
    assert parameters(fill) == list(NewFill._fields[:6]) + ["event_ticker", "subaccount", "is_taker", "fee",
                                                                    "order_id", "client_order_id"]  # fmt: skip
    assert parameters(fill) == [field.name for field in declared(SeedFill)]  # generated from the command
    assert set(parameters(fill)) == set(NewFill._fields)
    assert set(GRAMMAR.specs["fill"]) == set(NewFill._fields)
    assert {name for name, field in GRAMMAR.specs["fill"].items() if field.required} == FILL_REQUIRED
    assert {"user_id", "ticker", "side", "action", "count", "price"} == FILL_REQUIRED


@pytest.fixture(scope="module")
def mock():
    with MockServer() as server:
        yield server


def test_a_client_order_id_reaches_the_wire_from_the_admin_api(mock: MockServer):
    mock.reset()
    mock.create_account("alice", balance_cents=100_000)
    one = {"user_id": "alice", "ticker": "KXA-1", "side": "yes", "action": "buy", "count": "2", "price": "0.40"}
    made = plain_http.post(f"{mock.base_url}/_admin/fills", json={**one, "client_order_id": "mine-1"}, timeout=10)
    assert made.status_code == 200, made.text
    batch = plain_http.post(
        f"{mock.base_url}/_admin/fills/batch", json={"fills": [{**one, "client_order_id": "mine-2"}]}, timeout=10
    )
    assert batch.status_code == 200, batch.text
    assert [f.client_order_id for f in mock.ledger.state.fills] == ["mine-1", "mine-2"]
    refused = plain_http.post(f"{mock.base_url}/_admin/fills", json={**one, "client_order_id": 7}, timeout=10)
    assert refused.status_code == 400 and "client_order_id" in refused.text
