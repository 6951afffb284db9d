"""Deribit's market maker protection and mass quotes in the core, through the control plane's commands on the exchange
clock: a trigger cancels its key's MMP orders (a group's quotes) for `mmp_trigger` and freezes it until frozen_time
passes (or a reset when 0), a new MMP order or quote is refused meanwhile, other orders stay; a quote per side per
instrument per group amends the resting one; each side is judged on its own; the state file's snapshot keeps it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import mmp
from mockexchange.registry import control_plane

PERP = "BTC-PERPETUAL"


def _side(side: str, price: str, amount: str = "100", name: str = PERP, set_id: str = "s1") -> dict:
    return {"instrument_name": name, "side": side, "price": price, "amount": amount, "quote_set_id": set_id}


def mmp_control(btc_index: str = "60000"):
    """A control plane on a manual clock (`control.clock`) with the indexes set and two funded accounts, `mm` and
    `taker`."""
    clock = ManualClock()
    control = control_plane(clock)
    control.set_index_price("btc_usd", btc_index)
    control.set_index_price("eth_usd", "3000")
    for user in ("mm", "taker"):
        control.create_deribit_account(user, balances={"BTC": "100", "ETH": "1000"})
    control.clock = clock
    return control


@pytest.fixture
def control():
    return mmp_control()


def _states(control) -> dict[str, tuple[str, str | None]]:
    kept = control.exchange.state.orders
    return {order_id: (o.order_state, o.cancel_reason) for order_id, o in kept.orders.items()}


def test_orders_trigger_cancels_the_index_mmp_orders_freezes_then_thaws(control) -> None:
    # 0.002 BTC: two fills of 100 USD at 60,000 (0.00167 each) meet it, one does not
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 5, quantity_limit="0.003", max_quote_quantity="1")
    first = control.deribit_place_order("mm", PERP, "buy", "100", "59990", mmp=True)["order"]["order_id"]
    second = control.deribit_place_order("mm", PERP, "buy", "100", "59980", mmp=True)["order"]["order_id"]
    other = control.deribit_place_order("mm", PERP, "buy", "100", "59970")["order"]["order_id"]  # not MMP's
    eth = control.deribit_place_order("mm", "ETH-PERPETUAL", "buy", "1", "2990", mmp=True)["order"]["order_id"]
    control.deribit_place_order("taker", PERP, "sell", "100", "59990")
    assert control.exchange.state.mmp.frozen == {}  # 0.00167: below the limit
    control.clock.advance(seconds=11)  # the interval ends: the next fill starts another
    control.deribit_place_order("taker", PERP, "sell", "100", "59980")
    assert control.exchange.state.mmp.frozen == {}
    third = control.deribit_place_order("mm", PERP, "buy", "200", "59975", mmp=True)["order"]["order_id"]
    control.deribit_place_order("taker", PERP, "sell", "100", "59975")  # 0.00167 + 0.00167 within 10 s
    states = _states(control)
    assert states[first][0] == states[second][0] == "filled"
    assert states[third] == ("cancelled", "mmp_trigger")
    assert states[other] == ("open", None) and states[eth] == ("open", None)  # not MMP's; another index
    key = (control.exchange.accounts.wallet("mm").id, "btc_usd", None)
    assert mmp.status(control.exchange, key[0], None, None) == [(key, control.clock.now() + _seconds(5))]
    with pytest.raises(ControlError, match="frozen"):
        control.deribit_place_order("mm", PERP, "buy", "100", "59000", mmp=True)
    control.deribit_place_order("mm", PERP, "buy", "100", "59000")  # a plain order is not refused
    control.clock.advance(seconds=5)  # the freeze ends on the exchange clock
    assert mmp.status(control.exchange, key[0], None, None) == []
    control.deribit_place_order("mm", PERP, "buy", "100", "59000", mmp=True)


def _seconds(n: int):
    from datetime import timedelta

    return timedelta(seconds=n)


def test_delta_limit_and_a_manual_reset(control) -> None:
    control.set_deribit_mmp_config("mm", "btc_usd", 60, 0, delta_limit="0.003", max_quote_quantity="1")
    control.deribit_place_order("mm", PERP, "buy", "100", "59990", mmp=True)
    control.deribit_place_order("mm", PERP, "sell", "100", "60010", mmp=True)
    control.deribit_place_order("taker", PERP, "sell", "100", "59990")
    control.deribit_place_order("taker", PERP, "buy", "100", "60010")  # net delta back to 0: no trigger
    assert control.exchange.state.mmp.frozen == {}
    resting = control.deribit_place_order("mm", PERP, "buy", "200", "59980", mmp=True)["order"]["order_id"]
    control.deribit_place_order("taker", PERP, "sell", "200", "59980")
    assert control.exchange.state.mmp.frozen == {(1001, "btc_usd", None): None}  # 0: until a reset
    control.clock.advance(seconds=3600)
    with pytest.raises(ControlError, match="reset"):
        control.deribit_place_order("mm", PERP, "buy", "100", "59000", mmp=True)
    control.reset_deribit_mmp("mm", "btc_usd")
    control.deribit_place_order("mm", PERP, "buy", "100", "59000", mmp=True)
    assert _states(control)[resting][0] == "filled"


def test_mass_quotes_amend_judge_each_side_and_a_group_trigger_cancels_its_quotes(control) -> None:
    with pytest.raises(ControlError, match="no configuration"):
        control.deribit_mass_quote("mm", "q0", "g", [_side("bid", "59990")])
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 30, quantity_limit="0.003", max_quote_quantity="0.01",
                                   mmp_group="g")  # fmt: skip
    with pytest.raises(ControlError, match="configured for btc_usd"):
        control.set_deribit_mmp_config("mm", "eth_usd", 10, 30, quantity_limit="1", mmp_group="g")
    made = control.deribit_mass_quote("mm", "q1", "g", [
        _side("bid", "59990"), _side("ask", "60010"),
        _side("bid", "2990", "1", "ETH-PERPETUAL"),  # another index than the group's
        _side("ask", "60500", "1000", "BTC-29MAR24"),  # unlisted
    ])  # fmt: skip
    assert [o["direction"] for o in made["orders"]] == ["buy", "sell"]
    assert [e["side"] for e in made["errors"]] == ["bid", "ask"]
    bid, ask = (o["order_id"] for o in made["orders"])
    again = control.deribit_mass_quote("mm", "q2", "g", [_side("bid", "59990", "50", set_id="s2")])
    assert [o["order_id"] for o in again["orders"]] == [bid]  # smaller at its price: amended in place
    crossing = control.deribit_mass_quote("mm", "q2", "g", [_side("ask", "59980")])  # the group's bid
    too_big = control.deribit_mass_quote("mm", "q2", "g", [_side("bid", "59995", "1000")])  # 0.0167 BTC > 0.01
    assert (crossing["orders"], too_big["orders"]) == ([], [])
    assert "cross" in crossing["errors"][0]["error"] and "max_quote_quantity" in too_big["errors"][0]["error"]
    quote = control.exchange.state.orders.orders[bid]
    assert quote.quote is not None and quote.quote.quote_set_id == "s2" and quote.amount == Decimal(50)
    control.deribit_place_order("mm", PERP, "buy", "100", "59900", mmp=True)  # the orders' MMP: not the group's
    control.deribit_place_order("taker", PERP, "buy", "100", "60010")
    control.deribit_place_order("taker", PERP, "sell", "50", "59990")  # 0.0025 coins: the group's limit not met
    assert control.exchange.state.mmp.frozen == {}
    control.deribit_mass_quote("mm", "q3", "g", [_side("bid", "59985")])
    control.deribit_place_order("taker", PERP, "sell", "100", "59985")
    states = _states(control)
    assert list(control.exchange.state.mmp.frozen) == [(1001, "btc_usd", "g")]
    assert not [o for o in control.exchange.state.orders.orders.values() if o.quote and o.is_open]
    assert [s for s in states.values() if s == ("open", None)]  # the plain MMP order stays
    with pytest.raises(ControlError, match="frozen"):
        control.deribit_mass_quote("mm", "q4", "g", [_side("bid", "59000")])
    assert ask and mmp.frozen_orders(control.exchange) == []


def test_the_snapshot_keeps_configurations_freezes_and_quotes(control) -> None:
    from mockexchange.state import snapshot

    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0.001", max_quote_quantity="1",
                                   mmp_group="g")  # fmt: skip
    control.deribit_mass_quote("mm", "q1", "g", [_side("bid", "59990"), _side("ask", "60010")])
    control.deribit_place_order("taker", PERP, "sell", "100", "59990")
    taken = snapshot.read(snapshot.take(control))
    assert taken is not None
    fresh = control_plane(ManualClock())
    snapshot.restore(fresh, taken)
    assert fresh.exchange.state.mmp.frozen == {(1001, "btc_usd", "g"): None}
    assert fresh.exchange.state.mmp.configs == control.exchange.state.mmp.configs
    assert {o.quote for o in fresh.exchange.state.orders.orders.values()} == {
        o.quote for o in control.exchange.state.orders.orders.values()
    }


def test_a_mass_quote_needs_the_group_reserve_in_available_funds(control) -> None:
    control.create_deribit_account("thin", balances={"BTC": "0.01"})
    control.set_deribit_mmp_config("thin", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="1",
                                   mmp_group="g")  # fmt: skip
    with pytest.raises(ControlError, match="reserve"):  # 3% of 1 BTC: 0.03 BTC, more than the 0.01 held
        control.deribit_mass_quote("thin", "q", "g", [_side("bid", "59990")])
    control.set_deribit_mmp_config("thin", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="0.1",
                                   mmp_group="g")  # fmt: skip
    assert control.deribit_mass_quote("thin", "q", "g", [_side("bid", "59990")])["errors"] == []
