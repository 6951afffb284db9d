"""Deribit's order commands, declared once (core/deribit/order_commands.py): each made the same of its plain values
as it writes them (a state file's, the admin API's), a value refused by its kind in the control plane's words whether
read or made in Python, and refused over the venue in Deribit's JSON-RPC error shape."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import plain_http
import pytest

from mockexchange.control.errors import ControlError
from mockexchange.core.commands import Command, read, write
from mockexchange.core.deribit.order_commands import (
    CancelDeribitOrder,
    CancelDeribitOrders,
    EditDeribitOrder,
    PlaceDeribitOrder,
    SeedDeribitOrder,
)
from mockexchange.core.values import Refused
from mockexchange.server import MockServer

D = Decimal
PERP = "BTC-PERPETUAL"
AMOUNT_WORDS = "amount must be from 0.00000001 to 1000000000 with at most 8 decimal places, not 0"


@pytest.mark.parametrize(
    "command",
    [
        SeedDeribitOrder("alice", PERP, "buy", D("10.50"), D(40000), 2, label="x", api=False, order_id="o-1"),
        SeedDeribitOrder("alice", PERP, "sell", D(10), None, order_type="stop_market", trigger="index_price",
                         trigger_price=D("39000.5"), max_show=D(0)),
        PlaceDeribitOrder("bob", PERP, "buy", D(10), None, order_type="market", time_in_force="immediate_or_cancel"),
        EditDeribitOrder("7", D(20), D(41000), reduce_only=False),
        CancelDeribitOrder("7"),
        CancelDeribitOrders("bob", currency="BTC", order_types=("limit", "market")),
    ],
)  # fmt: skip
def test_a_command_is_read_back_from_what_it_writes(command: Command) -> None:
    plain = write(command)
    assert json.loads(json.dumps(plain)) == plain  # plain JSON values: amounts as decimal strings
    assert read(type(command), plain) == command


def test_a_value_is_refused_in_the_same_words_read_or_made() -> None:
    with pytest.raises(Refused, match=AMOUNT_WORDS):
        read(PlaceDeribitOrder, {"user_id": "a", "instrument_name": PERP, "direction": "buy", "amount": "0"})
    with pytest.raises(Refused, match=AMOUNT_WORDS):
        PlaceDeribitOrder("a", PERP, "buy", D(0), D(1))
    with pytest.raises(Refused, match="amount has more than 8 decimal places: '0.000000001'"):
        PlaceDeribitOrder("a", PERP, "buy", D("1E-9"), D(1))  # its text's words, as the venue's amount had them
    with pytest.raises(Refused, match="label must be a non-empty string of at most 64 characters"):
        SeedDeribitOrder("a", PERP, "buy", D(10), D(1), label="x" * 65)
    assert SeedDeribitOrder("a", PERP, "buy", D(10), D(1), label="").label == ""  # no label
    with pytest.raises(Refused, match="order_types must be one of"):
        CancelDeribitOrders("a", order_types=("iceberg",))


def test_the_control_plane_and_the_venue_refuse_a_value_as_before() -> None:
    with MockServer() as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        with pytest.raises(ControlError, match=AMOUNT_WORDS):
            mock.deribit_place_order("alice", PERP, "buy", "0", "40000")
        key = mock.create_deribit_key("alice")
        token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
        body = {"jsonrpc": "2.0", "id": 1, "method": "private/buy",
                "params": {"instrument_name": PERP, "amount": 10, "price": 40000, "label": "  "}}  # fmt: skip
        r = plain_http.post(
            f"{mock.deribit_url}/api/v2", content=json.dumps(body), headers={"Authorization": f"Basic {token}"}
        )
        error = json.loads(r.text)["error"]
        assert error["code"] == -32602 and error["data"]["reason"] == "invalid value", error
        assert error["mockexchange_diagnosis"].startswith("label must be a non-empty string"), error
        assert mock.deribit_order("alice", PERP, "buy", 10, "40000", label="ok")["label"] == "ok"
