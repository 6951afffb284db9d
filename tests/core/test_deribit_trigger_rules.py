"""Deribit's triggered and linked orders, the details on the exchange clock (core/deribit/triggers.py): an order that
fires is updated then, and one its funds no longer cover ends `rejected` for Deribit's reason, told to its owner; a
trailing stop's move is an update; a secondary placed by its primary is created then, a trailing one from the price
it watches then; an incremental secondary shows its part and, its primary closed with nothing filled, is cancelled as
its primary's."""

from __future__ import annotations

from test_deribit_order_kinds import HOUSE, PERP, Kinds

from mockexchange.core.deribit.orders import CHANGE


def _later(kinds: Kinds, seconds: int = 5):
    clock = kinds.control.exchange.state.clock
    clock.advance(seconds=seconds)
    return clock.now()


def test_a_fired_order_is_updated_then_and_one_its_funds_or_terms_no_longer_allow_is_rejected() -> None:
    kinds = Kinds()
    kinds.control.create_deribit_account("thin", balances={"BTC": "0.001"})
    stop = kinds.place("alice", "buy", "100", None, order_type="stop_market", trigger="index_price",
                       trigger_price="61000")  # fmt: skip
    resting = kinds.place("alice", "buy", "100", "59000", order_type="stop_limit", trigger="index_price",
                          trigger_price="61000")  # fmt: skip
    # post only at 60,001, over the house's 60,000.5: rejected, or else moved under it
    rejecting, moving = (
        kinds.place("bob", "buy", "100", "60001", order_type="stop_limit", trigger="index_price",
                    trigger_price="61000", post_only=True, reject_post_only=rejects)
        for rejects in (True, False)
    )  # fmt: skip
    big = kinds.place("thin", "buy", "100000", None, order_type="stop_market", trigger="index_price",
                      trigger_price="61000")  # an untriggered order holds no margin  # fmt: skip
    told: list = []
    kinds.control.exchange.state.bus.subscribe(lambda change: told.append(change), [CHANGE])
    now = _later(kinds)
    kinds.control.set_index_price("btc_usd", "61000")
    fired, refused = kinds.order(stop.order_id), kinds.order(big.order_id)
    assert (fired.order_state, fired.triggered, fired.updated, fired.created) == ("filled", True, now, stop.created)
    rested = kinds.order(resting.order_id)  # nothing traded: its update is the trigger's
    assert (rested.order_state, rested.updated, rested.created) == ("open", now, resting.created)
    assert (kinds.order(rejecting.order_id).order_state, kinds.order(rejecting.order_id).cancel_reason) == (
        "rejected", "post_only_reject",
    )  # fmt: skip
    assert (kinds.order(moving.order_id).order_state, kinds.order(moving.order_id).price) == ("open", 60_000)
    assert (refused.order_state, refused.cancel_reason, refused.filled_amount) == ("rejected", "not_enough_funds", 0)
    assert [(c.user_id, c.payload.order_state) for c in told if c.payload.order_id == big.order_id] == [
        ("thin", "rejected")
    ]
    assert big.order_id not in kinds.kept.books[PERP]


def test_a_trailing_stops_move_is_an_update() -> None:
    kinds = Kinds()
    sell = kinds.place("alice", "sell", "100", None, order_type="trailing_stop", trigger="index_price",
                       trigger_offset="100")  # fmt: skip
    now = _later(kinds)
    kinds.control.set_index_price("btc_usd", "60020")
    moved = kinds.order(sell.order_id)
    assert (moved.trigger_price, moved.updated, moved.created) == (59_920, now, sell.created)


def test_a_secondary_is_created_when_its_primary_places_it_a_trailing_one_from_the_price_then() -> None:
    kinds = Kinds()
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                          otoco_config=[{"price": "62000"}, {"type": "trailing_stop", "trigger": "index_price",
                                                             "trigger_offset": "100"}])  # fmt: skip
    limit, trailing = primary.oto_order_ids
    assert kinds.order(trailing).trigger_reference_price == 60_000
    kinds.control.set_index_price("btc_usd", "59500")  # waiting, it follows nothing
    now = _later(kinds)
    kinds.place("bob", "sell", "10", "59000")
    placed, stop = kinds.order(limit), kinds.order(trailing)
    assert (placed.order_state, placed.created, stop.created) == ("open", now, now)
    assert (stop.order_state, stop.trigger_price) == ("untriggered", 59_400)  # 59,500 less 100, not 60,000's


def test_an_incremental_secondary_shows_its_part_and_goes_with_a_primary_closed_unfilled() -> None:
    kinds = Kinds()
    kinds.control.deribit_cancel_orders(HOUSE)
    legs = [{"price": "62000"}]
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                          trigger_fill_condition="incremental", otoco_config=legs)  # fmt: skip
    kinds.place("bob", "sell", "10", "59000")
    placed = kinds.order(primary.oto_order_ids[0])
    assert (placed.amount, placed.max_show, placed.linked_part) == (10, 10, 10)
    unfilled = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                           trigger_fill_condition="incremental", otoco_config=legs)  # fmt: skip
    kinds.control.deribit_cancel_order(unfilled.order_id)
    waiting = kinds.order(unfilled.oto_order_ids[0])
    assert (waiting.order_state, waiting.cancel_reason) == ("cancelled", "oto_primary_closed")
    assert waiting.order_id not in kinds.kept.linked


def test_an_oco_partners_trigger_alone_cancels_the_other() -> None:
    kinds = Kinds()
    kinds.control.deribit_cancel_orders(HOUSE)
    legs = [{"direction": "sell", "type": "stop_limit", "price": "54000", "trigger": "index_price",
             "trigger_price": "55000"}]  # fmt: skip
    first = kinds.place("alice", "sell", "10", "63000", linked_order_type="one_cancels_other", otoco_config=legs)
    stop = next(o for o in kinds.kept.orders.values() if o.oco_ref == first.oco_ref and o is not first)
    kinds.control.set_index_price("btc_usd", "55000")  # it triggers and rests at 54,000: nothing fills
    fired = kinds.order(stop.order_id)
    assert (fired.order_state, fired.triggered, fired.filled_amount) == ("open", True, 0)
    assert (kinds.order(first.order_id).order_state, kinds.order(first.order_id).cancel_reason) == (
        "cancelled", "oco_other_closed",
    )  # fmt: skip
