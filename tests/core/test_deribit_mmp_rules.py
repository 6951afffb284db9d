"""Deribit's market maker protection, rule by rule, on the control plane and the exchange clock (core/deribit/mmp.py):
what an interval counts (an inverse future's USD in coins, an option's amount in coins, its model delta and vega at
the fill's index, both directions netted), a limit met exactly, an interval's end, a reset and a trigger starting the
count afresh; `max_quote_quantity` over one side's other open MMP orders; the refusals' names, params and statuses;
a configuration's id and a subaccount's own; the groups a wallet may have; the reads' order and filters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from test_deribit_mmp import mmp_control

from mockexchange.control import ControlError
from mockexchange.core.deribit import mmp

D = Decimal
PERP = "BTC-PERPETUAL"
CALL = "BTC-25DEC26-60000-C"


@pytest.fixture
def control() -> Any:
    return mmp_control("50000")  # (round figures: 100 USD is 0.002 BTC)


def _wallet(control: Any, user: str = "mm", subaccount: int | None = None) -> int:
    return control.exchange.accounts.wallet(user, subaccount).id


def _frozen(control: Any) -> dict:
    return dict(control.exchange.state.mmp.frozen)


def _trade(control: Any, direction: str, amount: str, price: str, name: str = PERP, **terms: Any) -> None:
    """The market maker's MMP order, taken whole by the taker."""
    control.deribit_place_order("mm", name, direction, amount, price, mmp=True, **terms)
    control.deribit_place_order("taker", name, "sell" if direction == "buy" else "buy", amount, price)


def _refusal(call: Any, *args: Any, **terms: Any) -> Any:
    with pytest.raises(ControlError) as refused:
        call(*args, **terms)
    return refused.value.__cause__


def test_an_inverse_futures_coins_add_up_and_a_limit_met_exactly_triggers(control) -> None:
    # 100 USD at 50,000: 0.002 BTC a fill; the limit 0.004 is met, not passed, by two
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0.004", max_quote_quantity="1")
    _trade(control, "buy", "100", "50000")
    assert control.exchange.state.mmp.windows[(_wallet(control), "btc_usd", None)].quantity == D("0.002")
    assert _frozen(control) == {}
    _trade(control, "sell", "100", "50000")  # either direction counts towards the quantity
    assert _frozen(control) == {(_wallet(control), "btc_usd", None): None}


def test_a_futures_net_delta_adds_up_over_the_interval(control) -> None:
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, delta_limit="0.004", max_quote_quantity="1")
    _trade(control, "sell", "100", "50000")
    assert _frozen(control) == {}
    _trade(control, "sell", "100", "50000")  # -0.002 twice: |delta| 0.004 meets it
    assert list(_frozen(control)) == [(_wallet(control), "btc_usd", None)]


def test_a_fill_at_the_intervals_end_starts_a_new_one(control) -> None:
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0.004", max_quote_quantity="1")
    _trade(control, "buy", "100", "50000")
    control.clock.advance(seconds=10)  # the interval is [start, start + 10 s)
    _trade(control, "buy", "100", "50000")
    window = control.exchange.state.mmp.windows[(_wallet(control), "btc_usd", None)]
    assert (window.started, window.quantity, _frozen(control)) == (control.clock.now(), D("0.002"), {})


def test_an_options_amount_delta_and_vega_are_counted_at_the_fills_index(control) -> None:
    market = control.exchange.market
    greeks = market.greeks(market.listing(CALL), D(50000))
    assert greeks.delta > 0 and greeks.vega > 0
    # one fill of 2 BTC is under each limit, two of the same direction meet it, a buy and a sell net out
    for limits, sides in (
        ({"vega_limit": str(round(greeks.vega * 3, 4))}, ("buy", "buy")),
        ({"delta_limit": str(round(greeks.delta * 3, 4))}, ("sell", "sell")),
        ({"quantity_limit": "4"}, ("buy", "sell")),  # 2 BTC a fill, not 2 / its price
    ):
        control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, max_quote_quantity="5", **limits)
        _trade(control, sides[0], "2", "0.05", CALL)
        window = control.exchange.state.mmp.windows[(_wallet(control), "btc_usd", None)]
        sign = 1 if sides[0] == "buy" else -1
        assert (window.quantity, window.delta, window.vega) == (2, sign * 2 * greeks.delta, sign * 2 * greeks.vega)
        assert _frozen(control) == {}
        _trade(control, sides[1], "2", "0.05", CALL)
        assert list(_frozen(control)) == [(_wallet(control), "btc_usd", None)], limits
        control.reset_deribit_mmp("mm", "btc_usd")
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, max_quote_quantity="5", vega_limit="1000")
    _trade(control, "buy", "2", "0.05", CALL)
    _trade(control, "sell", "2", "0.05", CALL)
    _trade(control, "buy", "100", "50000")  # a future's delta is its coins, with the option's
    window = control.exchange.state.mmp.windows[(_wallet(control), "btc_usd", None)]
    assert (window.quantity, window.delta, window.vega) == (D("4.002"), D("0.002"), 0)
    _trade(control, "buy", "2", "0.05", CALL)
    assert window.delta == D("0.002") + 2 * greeks.delta


def test_a_limit_of_0_is_none_and_a_trigger_is_told_once_for_a_sweep(control) -> None:
    told: list = []
    control.exchange.state.bus.subscribe(lambda change: told.append(change.payload), [mmp.TRIGGER])
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0", delta_limit="0.002",
                                   max_quote_quantity="1")  # fmt: skip
    _trade(control, "buy", "50", "50000")  # 0.001: over a quantity limit of 0, which is none
    assert _frozen(control) == {}
    control.reset_deribit_mmp("mm", "btc_usd")
    for price in ("50000", "49990", "49980"):
        control.deribit_place_order("mm", PERP, "buy", "100", price, mmp=True)
    control.deribit_place_order("taker", PERP, "sell", "300", "49980")  # three fills in one crossing
    assert len(told) == 1 and list(_frozen(control)) == [(_wallet(control), "btc_usd", None)]


def test_a_reset_and_a_trigger_each_start_the_count_afresh(control) -> None:
    key = ("btc_usd", None)
    control.set_deribit_mmp_config("mm", "btc_usd", 60, 5, quantity_limit="0.004", max_quote_quantity="1")
    _trade(control, "buy", "100", "50000")
    control.reset_deribit_mmp("mm", "btc_usd")
    _trade(control, "buy", "100", "50000")  # 0.002 since the reset: not 0.004
    assert _frozen(control) == {}
    _trade(control, "buy", "100", "50000")
    until = control.clock.now() + timedelta(seconds=5)
    assert _frozen(control) == {(_wallet(control), *key): until}
    control.clock.advance(seconds=5)
    _trade(control, "buy", "100", "50000")  # thawed: the count began again at the trigger
    assert _frozen(control) == {(_wallet(control), *key): until}  # (the old freeze, ended, not a new one)
    assert mmp.status(control.exchange, _wallet(control), None, None) == []


def test_max_quote_quantity_counts_the_other_open_mmp_orders_of_that_side(control) -> None:
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="0.01")
    place = control.deribit_place_order
    kept = place("mm", PERP, "buy", "200", "50000", mmp=True)["order"]["order_id"]  # 0.004 BTC
    place("mm", PERP, "buy", "1000", "50000")  # not an MMP order: not counted
    place("mm", PERP, "sell", "400", "51000", mmp=True)  # the other side: not counted
    place("mm", "ETH-PERPETUAL", "buy", "10", "2900", mmp=True)  # another index
    place("mm", PERP, "buy", "300", "50000", mmp=True)  # 0.004 + 0.006: exactly the most
    refused = _refusal(place, "mm", PERP, "buy", "10", "50000", mmp=True)
    assert (refused.reason, refused.param, refused.status) == ("invalid_amount", "amount", 400)
    assert "0.0002 coins with the 0.01 of the other open MMP orders" in str(refused)
    # an edit replaces its order: its own amount is not counted twice
    control.deribit_edit_order(kept, "100", "50000")
    with pytest.raises(ControlError, match="max_quote_quantity 0.01"):
        control.deribit_edit_order(kept, "250", "50000")


def test_a_trigger_tells_when_its_freeze_ends_and_a_frozen_key_refuses_by_name(control) -> None:
    told: list = []
    control.exchange.state.bus.subscribe(lambda change: told.append(change.payload), [mmp.TRIGGER])
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 30, quantity_limit="0.002", max_quote_quantity="1")
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0.002", max_quote_quantity="1",
                                   mmp_group="g")  # fmt: skip
    _trade(control, "buy", "100", "50000")
    until = control.clock.now() + timedelta(seconds=30)
    assert [(t.user_id, t.wallet_id, t.index_name, t.mmp_group, t.frozen_until) for t in told] == [
        ("mm", _wallet(control), "btc_usd", None, until)
    ]
    refused = _refusal(control.deribit_place_order, "mm", PERP, "buy", "100", "49000", mmp=True)
    assert (refused.status, refused.reason) == (409, "other_reject")
    assert str(refused) == f"MMP orders of btc_usd frozen by a trigger until {until.isoformat()}"
    control.deribit_mass_quote("mm", "q1", "g", [
        {"instrument_name": PERP, "side": "bid", "price": "50000", "amount": "100", "quote_set_id": "s"}
    ])  # fmt: skip
    control.deribit_place_order("taker", PERP, "sell", "100", "50000")
    assert told[-1].mmp_group == "g" and told[-1].frozen_until is None
    refused = _refusal(control.deribit_mass_quote, "mm", "q2", "g", [
        {"instrument_name": PERP, "side": "bid", "price": "49000", "amount": "100", "quote_set_id": "s"}
    ])  # fmt: skip
    assert str(refused) == "MMP group 'g' of btc_usd frozen by a trigger until a reset (private/reset_mmp)"


def test_a_configurations_id_and_the_reads_order(control) -> None:
    def read(index: str | None = None, group: str | None = None) -> list:
        return [(c.index_name, c.id) for c in mmp.configs(control.exchange, _wallet(control), index, group)]

    control.set_deribit_mmp_config("mm", "eth_usd", 10, 0, quantity_limit="1", max_quote_quantity="1")
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="1")
    first = read()
    assert [name for name, _ in first] == ["eth_usd", "btc_usd"] and first[1][1] == first[0][1] + 1  # by id
    made = control.set_deribit_mmp_config("mm", "eth_usd", 20, 0, vega_limit="2.5", max_quote_quantity="1")
    assert read() == first  # an update keeps its id
    kept = control.exchange.state.mmp.configs[(_wallet(control), "eth_usd", None)]
    assert (kept.interval, kept.quantity_limit, kept.vega_limit) == (20, None, D("2.5"))
    assert [(row["id"], row["index_name"]) for row in made] == [(first[0][1], "eth_usd")]  # what the set answers
    assert read("btc_usd") == first[1:] and read("btc_usd", "g") == []
    control.set_deribit_mmp_config("mm", "eth_usd", 0, 0)  # removed; made again, a new id
    control.set_deribit_mmp_config("mm", "eth_usd", 10, 0, quantity_limit="1", max_quote_quantity="1")
    assert read() == [first[1], ("eth_usd", first[1][1] + 1)]
    with pytest.raises(ControlError, match="at least one of quantity_limit, delta_limit and vega_limit"):
        control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, max_quote_quantity="1")


def test_a_subaccounts_configuration_and_reset_are_its_own(control) -> None:
    sub = control.create_deribit_subaccount("mm", balances={"BTC": "10"})["id"]
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="1",
                                   subaccount_id=sub)  # fmt: skip
    assert [c.id for c in mmp.configs(control.exchange, _wallet(control, "mm", sub), None, None)] != []
    assert mmp.configs(control.exchange, _wallet(control), None, None) == []
    control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="0.002", max_quote_quantity="1")
    windows = control.exchange.state.mmp.windows
    _trade(control, "buy", "50", "50000")  # the main wallet's: 0.001
    control.reset_deribit_mmp("mm", "btc_usd", subaccount_id=sub)  # the subaccount's: the main count stays
    assert windows[(_wallet(control), "btc_usd", None)].quantity == D("0.001")
    control.reset_deribit_mmp("mm", "btc_usd")
    assert (_wallet(control), "btc_usd", None) not in windows


def test_a_wallet_has_at_most_sixteen_groups_each_of_one_index(control) -> None:
    control.create_deribit_account("other", balances={"BTC": "1"})
    control.set_deribit_mmp_config(
        "other", "eth_usd", 10, 0, quantity_limit="1", max_quote_quantity="1", mmp_group="g0"
    )  # another wallet's group of that name: no matter
    for n in range(mmp.MAX_GROUPS):
        control.set_deribit_mmp_config("mm", "btc_usd", 10, 0, quantity_limit="1", max_quote_quantity="1",
                                       mmp_group=f"g{n}")  # fmt: skip
    control.set_deribit_mmp_config("mm", "btc_usd", 20, 0, quantity_limit="1", max_quote_quantity="1",
                                   mmp_group="g3")  # one it has may change  # fmt: skip
    refused = _refusal(control.set_deribit_mmp_config, "mm", "btc_usd", 10, 0, quantity_limit="1",
                       max_quote_quantity="1", mmp_group="g16")  # fmt: skip
    assert (str(refused), refused.param) == ("a wallet configures at most 16 MMP groups", "mmp_group")
    refused = _refusal(control.set_deribit_mmp_config, "mm", "eth_usd", 10, 0, quantity_limit="1",
                       max_quote_quantity="1", mmp_group="g3")  # fmt: skip
    assert (str(refused), refused.param) == ("MMP group 'g3' is configured for btc_usd, not eth_usd", "mmp_group")


def test_the_status_read_is_the_wallets_by_index_then_group(control) -> None:
    control.create_deribit_account("other", balances={"BTC": "100"})
    frozen = control.exchange.state.mmp.frozen
    mine, theirs = _wallet(control), _wallet(control, "other")
    for key in ((mine, "eth_usd", "b"), (mine, "btc_usd", "z"), (mine, "eth_usd", None), (mine, "btc_usd", "a"),
                (theirs, "btc_usd", None)):  # fmt: skip
        frozen[key] = None

    def read(wallet: int, index: str | None, group: str | None) -> list:
        return [key[1:] for key, _ in mmp.status(control.exchange, wallet, index, group)]

    assert read(mine, None, None) == [("btc_usd", "a"), ("btc_usd", "z"), ("eth_usd", None), ("eth_usd", "b")]
    assert read(mine, "eth_usd", None) == [("eth_usd", None), ("eth_usd", "b")]
    assert read(mine, None, "z") == [("btc_usd", "z")]
    assert read(theirs, None, None) == [("btc_usd", None)]
