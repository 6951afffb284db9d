"""Deribit's trailing stops, market_limit orders and linked orders (OTO, OCO, OTOCO) on the control plane, in process
(core/deribit/order_entry.py, triggers.py, linked.py): a trailing stop's trigger price follows its price and fires; a
market_limit order rests its rest at its first price; a linked order's secondaries wait, are placed, triggered or
cancelled as their primary or partner fills, triggers or closes; each refusal names its param; the state file keeps
them. Then a seeded random walk of all of them with fills from other accounts, price moves and cancels, checked after
every step: no OCO pair live once one of it was hit, no secondary live past its closed primary, none placed before its
primary was hit; of an incremental link, no secondary larger than its primary's filled part and each open order at its
part (its primary's filled share less its partner's); and the money conserved (test_deribit_invariants.py's checks)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from test_deribit_invariants import HOUSE, USERS, Trading

from mockexchange.control import ControlError
from mockexchange.core.book import BID
from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import read, write
from mockexchange.core.deribit.order_commands import LinkedLeg, PlaceDeribitOrder
from mockexchange.core.deribit.orders import DerivativeOrder, DerivativeOrders
from mockexchange.registry import control_plane
from mockexchange.state import snapshot

D = Decimal
ZERO = D(0)
PERP = "BTC-PERPETUAL"
OTOCO_LEGS = [
    {"type": "take_limit", "price": "61000", "trigger": "mark_price", "trigger_price": "61000"},
    {"type": "stop_market", "trigger": "mark_price", "trigger_price": "59000"},
]


class Kinds(Trading):
    """The invariants' mock (the house quoting 60,000 / 60,000.5 either side, three levels) with its orders at hand."""

    @property
    def kept(self) -> DerivativeOrders:
        kept = self.control.exchange.state.orders
        assert kept is not None
        return kept

    def order(self, order_id: str) -> DerivativeOrder:
        return self.kept.orders[order_id]

    def place(self, user: str, direction: str, amount: str, price: str | None, **terms: Any) -> DerivativeOrder:
        made = self.control.deribit_place_order(user, PERP, direction, amount, price, **terms)
        return self.order(made["order"]["order_id"])

    def refused(self, *args: Any, **terms: Any) -> str:
        """The refusal's words and the param it names (the core's `ExchangeError.param`, or a kind's field)."""
        with pytest.raises(ControlError) as refusal:
            self.place("alice", *args, **terms)
        cause = refusal.value.__cause__
        return f"{refusal.value} [{getattr(cause, 'param', None)}]"


@pytest.fixture
def kinds() -> Kinds:
    return Kinds()


def test_a_trailing_stop_follows_its_price_and_fires(kinds: Kinds) -> None:
    sell = kinds.place("alice", "sell", "100", None, order_type="trailing_stop", trigger="index_price",
                       trigger_offset="100")  # fmt: skip
    buy = kinds.place("bob", "buy", "100", None, order_type="trailing_stop", trigger="index_price",
                      trigger_offset="50")  # fmt: skip
    assert (sell.order_state, sell.trigger_price, sell.trigger_reference_price) == ("untriggered", 59_900, 60_000)
    assert buy.trigger_price == 60_050
    kinds.control.set_index_price("btc_usd", "60030")  # up: the sell's follows, the buy's stays
    assert (kinds.order(sell.order_id).trigger_price, kinds.order(buy.order_id).trigger_price) == (59_930, 60_050)
    kinds.control.set_index_price("btc_usd", "59990")  # down: the buy's follows, the sell's stays
    assert (kinds.order(sell.order_id).trigger_price, kinds.order(buy.order_id).trigger_price) == (59_930, 60_040)
    kinds.control.set_index_price("btc_usd", "59930")  # the sell's reached: it sells at the market
    fired = kinds.order(sell.order_id)
    assert (fired.order_state, fired.triggered, fired.filled_amount, fired.average_price) == (
        "filled",
        True,
        100,
        60_000,
    )
    assert kinds.order(buy.order_id).order_state == "untriggered"


@pytest.mark.parametrize(
    ("terms", "param"),
    [
        ({"trigger": "index_price"}, "trigger_offset"),
        ({"trigger_offset": "10"}, "trigger"),
        ({"trigger": "index_price", "trigger_offset": "10", "trigger_price": "59000"}, "trigger_price"),
        ({"trigger": "last_price", "trigger_offset": "10"}, "trigger"),  # no trade yet: no price to follow
        ({"trigger": "index_price", "trigger_offset": "0.25"}, "trigger_offset"),  # off the 0.5 tick
    ],
)
def test_a_trailing_stop_is_refused(kinds: Kinds, terms: dict[str, str], param: str) -> None:
    assert param in kinds.refused("sell", "100", None, order_type="trailing_stop", **terms)
    assert kinds.kept.trailing == {}


def test_a_market_limit_order_rests_its_rest_at_its_first_price(kinds: Kinds) -> None:
    taken = kinds.place("alice", "buy", "150", None, order_type="market_limit")
    assert (taken.order_type, taken.original_order_type, taken.price) == ("limit", "market_limit", D("60000.5"))
    assert (taken.order_state, taken.filled_amount) == ("open", 100)  # the best level only; the rest rests there
    whole = kinds.place("bob", "sell", "50", None, order_type="market_limit", time_in_force="immediate_or_cancel")
    assert (whole.order_state, whole.filled_amount, whole.price) == ("filled", 50, D("60000.5"))  # alice's rest
    assert "post_only" in kinds.refused("buy", "10", None, order_type="market_limit", post_only=True)
    assert "price" in kinds.refused("buy", "10", "60000", order_type="market_limit")
    kinds.control.deribit_cancel_orders(HOUSE)
    kinds.control.deribit_cancel_orders("alice")
    empty = kinds.place("alice", "buy", "10", None, order_type="market_limit")  # nothing to take a price from
    assert (empty.order_type, empty.original_order_type, empty.order_state, empty.filled_amount) == (
        "market", "market_limit", "cancelled", 0,
    )  # fmt: skip


def test_oto_places_its_secondaries_once_its_primary_fills(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                          otoco_config=[{"price": "62000"}, {"type": "stop_market", "trigger": "index_price",
                                                             "trigger_price": "58000"}])  # fmt: skip
    limit, stop = (kinds.order(i) for i in primary.oto_order_ids)
    assert [(o.order_state, o.is_secondary_oto, o.primary_order_id, o.direction) for o in (limit, stop)] == [
        ("untriggered", True, primary.order_id, "sell")
    ] * 2
    assert limit.order_id not in kinds.kept.books[PERP]
    kinds.control.set_index_price("btc_usd", "57000")  # waiting, the stop watches nothing
    assert kinds.order(stop.order_id).order_state == "untriggered"
    kinds.control.set_index_price("btc_usd", "60000")
    kinds.place("bob", "sell", "10", "59000")  # a first fill of the primary (first_hit)
    assert kinds.order(primary.order_id).filled_amount == 10
    placed = kinds.order(limit.order_id)
    assert (placed.order_state, placed.is_secondary_oto, placed.amount) == ("open", False, 50)
    assert limit.order_id in kinds.kept.books[PERP]
    assert not kinds.order(stop.order_id).is_secondary_oto and kinds.kept.linked == {}


def test_a_triggered_primary_places_nothing_until_it_fills(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "10", "59000", order_type="stop_limit", trigger="index_price",
                          trigger_price="61000", linked_order_type="one_triggers_other",
                          otoco_config=[{"price": "62000"}])  # fmt: skip
    kinds.control.set_index_price("btc_usd", "61000")  # it triggers and rests at 59,000
    assert kinds.order(primary.order_id).triggered and kinds.order(primary.oto_order_ids[0]).is_secondary_oto
    kinds.place("bob", "sell", "10", "59000")
    assert kinds.order(primary.oto_order_ids[0]).order_state == "open"


def test_complete_fill_waits_for_the_whole_primary(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                          trigger_fill_condition="complete_fill", otoco_config=[{"price": "62000"}])  # fmt: skip
    (secondary,) = primary.oto_order_ids
    kinds.place("bob", "sell", "10", "59000")
    assert kinds.order(secondary).is_secondary_oto
    kinds.place("bob", "sell", "40", "59000")
    assert kinds.order(secondary).order_state == "open"


def test_cancelling_the_primary_cancels_its_waiting_secondaries(kinds: Kinds) -> None:
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_one_cancels_other",
                          otoco_config=OTOCO_LEGS)  # fmt: skip
    kinds.control.deribit_cancel_order(primary.order_id)
    assert [(kinds.order(i).order_state, kinds.order(i).cancel_reason) for i in primary.oto_order_ids] == [
        ("cancelled", "oto_primary_closed")
    ] * 2
    assert (kinds.kept.linked, kinds.kept.pairs) == ({}, {})


def test_otoco_places_a_pair_and_one_cancels_the_other(kinds: Kinds) -> None:
    primary = kinds.place("alice", "buy", "50", "60000.5", linked_order_type="one_triggers_one_cancels_other",
                          otoco_config=OTOCO_LEGS)  # fmt: skip
    take, stop = (kinds.order(i) for i in primary.oto_order_ids)  # it took at once: its pair placed
    assert primary.is_primary_otoco and take.oco_ref == stop.oco_ref is not None
    assert (take.order_state, take.is_secondary_oto) == ("untriggered", False)
    kinds.control.set_mark_price(PERP, "58500")  # the stop fires, the take is cancelled
    assert kinds.order(stop.order_id).triggered
    assert (kinds.order(take.order_id).order_state, kinds.order(take.order_id).cancel_reason) == (
        "cancelled", "oco_other_closed",
    )  # fmt: skip


def test_oco_cancels_the_other_when_one_fills_or_is_cancelled(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    legs = [{"direction": "sell", "type": "stop_market", "trigger": "index_price", "trigger_price": "55000"}]
    first = kinds.place("alice", "sell", "10", "63000", linked_order_type="one_cancels_other", otoco_config=legs)
    other = next(o for o in kinds.kept.orders.values() if o.oco_ref == first.oco_ref and o is not first)
    assert other.order_state == "untriggered" and other.linked_order_type == "one_cancels_other"
    kinds.place("bob", "buy", "10", "63000")
    assert kinds.order(other.order_id).cancel_reason == "oco_other_closed"
    second = kinds.place("alice", "sell", "10", "63000", linked_order_type="one_cancels_other", otoco_config=legs)
    partner = next(o.order_id for o in kinds.kept.orders.values() if o.oco_ref == second.oco_ref and o.is_open
                   and o.order_id != second.order_id)  # fmt: skip
    kinds.control.deribit_cancel_order(partner)
    assert kinds.order(second.order_id).cancel_reason == "oco_other_closed"


def test_incremental_oto_places_and_grows_its_secondaries_by_each_fill(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_other",
                          trigger_fill_condition="incremental",
                          otoco_config=[{"price": "62000"}, {"price": "63000", "amount": "20"}])  # fmt: skip
    whole, small = primary.oto_order_ids
    kinds.place("bob", "sell", "10", "59000")  # 10 of 50: a fifth of each, rounded down to the contract (10)
    placed = kinds.order(whole)
    assert (placed.order_state, placed.is_secondary_oto, placed.amount, placed.replaced) == ("open", False, 10, False)
    assert kinds.order(small).is_secondary_oto  # 4 rounds down to 0: it waits
    kinds.place("bob", "sell", "20", "59000")  # 30 of 50
    grown = kinds.order(whole)
    assert (grown.amount, grown.replaced, grown.linked_part) == (30, True, 30)  # through private/edit's road
    assert kinds.kept.books[PERP].get(whole).size == 3  # (in contracts of 10)
    assert (kinds.order(small).order_state, kinds.order(small).amount) == ("open", 10)  # 12 rounds down to 10
    kinds.control.deribit_cancel_order(primary.order_id)  # closed at 30 of 50: what was placed stays
    assert (kinds.order(whole).amount, kinds.order(small).amount, kinds.kept.linked.keys()) == (30, 10, {whole, small})
    kinds.place("bob", "buy", "30", "62000")  # the secondary fills: its link is over
    assert kinds.order(whole).order_state == "filled" and whole not in kinds.kept.linked


def test_an_incremental_growth_its_funds_do_not_cover_is_dropped(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    kinds.control.create_deribit_account("dan", balances={"BTC": "0.055"})  # a part's margin, not two parts'
    primary = kinds.place("dan", "buy", "100000", "59000", linked_order_type="one_triggers_other",
                          trigger_fill_condition="incremental",
                          otoco_config=[{"direction": "buy", "price": "58000"}])  # fmt: skip
    (secondary,) = primary.oto_order_ids
    kinds.place("bob", "sell", "50000", "59000")
    kinds.place("bob", "sell", "50000", "59000")  # the primary filled whole: the growth is refused, and dropped
    kept = kinds.order(secondary)
    assert (kept.order_state, kept.amount, kept.linked_part, kept.replaced) == ("open", 50000, 100000, False)
    assert kinds.kept.books[PERP].get(secondary).size == 5000  # still resting where it was (in contracts of 10)


def test_incremental_oco_cuts_the_other_by_each_fill(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    legs = [{"type": "stop_market", "trigger": "index_price", "trigger_price": "65000"}]  # (a stop buy, above)
    first = kinds.place("alice", "sell", "50", "63000", linked_order_type="one_cancels_other", otoco_config=legs,
                        trigger_fill_condition="incremental")  # fmt: skip
    other = next(o for o in kinds.kept.orders.values() if o.oco_ref == first.oco_ref and o is not first)
    kinds.place("bob", "buy", "20", "63000")
    cut = kinds.order(other.order_id)
    assert (cut.order_state, cut.amount, cut.linked_part, cut.direction) == ("untriggered", 30, 30, "buy")
    kinds.place("bob", "buy", "30", "63000")
    assert (kinds.order(other.order_id).order_state, kinds.order(other.order_id).cancel_reason) == (
        "cancelled", "oco_other_closed",
    )  # fmt: skip
    assert (kinds.kept.linked, kinds.kept.pairs) == ({}, {})


def test_incremental_otoco_grows_its_pair_and_one_cuts_the_other(kinds: Kinds) -> None:
    kinds.control.deribit_cancel_orders(HOUSE)
    primary = kinds.place("alice", "buy", "50", "59000", linked_order_type="one_triggers_one_cancels_other",
                          trigger_fill_condition="incremental", otoco_config=OTOCO_LEGS)  # fmt: skip
    take, stop = primary.oto_order_ids
    kinds.place("bob", "sell", "20", "59000")
    assert [(kinds.order(i).order_state, kinds.order(i).amount) for i in (take, stop)] == [("untriggered", 20)] * 2
    kinds.control.set_mark_price(PERP, "61000")  # the take triggers (a trigger alone cuts nothing) and rests
    assert kinds.order(stop).amount == 20
    kinds.place("bob", "buy", "10", "61000")  # the take fills 10: the stop is cut by 10
    assert (kinds.order(take).filled_amount, kinds.order(stop).amount) == (10, 10)
    kinds.place("bob", "sell", "30", "59000")  # the primary filled whole: each grows by 30
    assert (kinds.order(take).amount, kinds.order(stop).amount) == (50, 40)
    kinds.control.deribit_cancel_order(take)  # one cancels the other
    assert (kinds.order(stop).order_state, kinds.order(stop).cancel_reason) == ("cancelled", "oco_other_closed")


def test_a_refused_edit_leaves_the_order_where_it_rested(kinds: Kinds) -> None:
    first = kinds.place("alice", "buy", "10", "59000")
    second = kinds.place("bob", "buy", "10", "59000")
    with pytest.raises(ControlError, match="margin"):
        kinds.control.deribit_edit_order(first.order_id, "100000000", "59000")
    book = kinds.kept.books[PERP]
    assert [o.order_id for o in book.at(BID, 118_000)] == [first.order_id, second.order_id]  # (in ticks of 0.5)
    assert kinds.order(first.order_id) == first


@pytest.mark.parametrize(
    ("terms", "param"),
    [
        ({"linked_order_type": "one_cancels_other"}, "otoco_config"),
        ({"linked_order_type": "one_cancels_other", "otoco_config": [{"price": "1"}, {"price": "2"}]},
         "otoco_config"),
        ({"linked_order_type": "one_triggers_one_cancels_other", "otoco_config": [{"price": "1"}]}, "otoco_config"),
        ({"otoco_config": [{"price": "1"}]}, "linked_order_type"),
        ({"linked_order_type": "one_triggers_other", "otoco_config": [{"type": "stop_limit", "price": "1"}]},
         "trigger"),
        ({"linked_order_type": "one_triggers_other", "otoco_config": [{"price": "0.25"}]}, "price"),
    ],
)  # fmt: skip
def test_a_linked_order_is_refused_changing_nothing(kinds: Kinds, terms: dict[str, Any], param: str) -> None:
    before = dict(kinds.kept.orders)
    assert param in kinds.refused("buy", "10", "59000", **terms)
    assert kinds.kept.orders == before and kinds.kept.linked == {}


def test_the_state_file_keeps_the_commands_and_the_links(kinds: Kinds) -> None:
    legs = (
        LinkedLeg(type="stop_market", trigger="index_price", trigger_price=D(58000)),
        LinkedLeg(type="trailing_stop", trigger="index_price", trigger_offset=D(100)),
    )
    command = PlaceDeribitOrder("alice", PERP, "buy", D(50), D(59000), order_type="limit",
                                linked_order_type="one_triggers_one_cancels_other", otoco_config=legs)  # fmt: skip
    assert read(PlaceDeribitOrder, write(command)) == command
    kinds.control.run(command)
    state = snapshot.read(snapshot.take(kinds.control) or b"")
    assert state is not None
    again = control_plane(ManualClock())
    snapshot.restore(again, state)
    kept = again.exchange.state.orders
    assert kept is not None and kept.orders == kinds.kept.orders and kept.linked == kinds.kept.linked


# -- the random walk ------------------------------------------------------------------------------------------------

PRICES = [str(60_000 + D(ticks) / 2) for ticks in range(-6, 7)]
FLAG_LEGS = [{"price": "61000"}, {"type": "stop_market", "trigger": "index_price", "trigger_price": "59000"}]


class Walk(Kinds):
    """One seeded walk: each step a linked order, a trailing stop, a market_limit, a fill from another account, a
    price move or a cancel."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.hit: set[str] = set()  # orders seen filled or triggered (an OCO partner's, a primary's condition)

    def step(self) -> None:
        r = self.rng
        kind = r.choice(["linked", "linked", "trailing", "market_limit", "fill", "moving", "moving", "cancelling"])
        amount, price, direction = r.choice(["10", "20", "50"]), r.choice(PRICES), r.choice(["buy", "sell"])
        self.run((kind, r.choice(USERS), direction, amount, price))  # (refused: nothing changed)

    def _linked(self, user: str, direction: str, amount: str, price: str) -> None:
        linked = self.rng.choice(["one_triggers_other", "one_cancels_other", "one_triggers_one_cancels_other"])
        count = {"one_cancels_other": 1, "one_triggers_one_cancels_other": 2}.get(linked, self.rng.choice([1, 2]))
        other = "sell" if direction == "buy" else "buy"
        self.place(user, direction, amount, price, linked_order_type=linked,
                   otoco_config=[{**leg, "direction": other} for leg in FLAG_LEGS[:count]],
                   trigger_fill_condition=self.rng.choice(["first_hit", "complete_fill", "incremental"]))  # fmt: skip

    def _trailing(self, user: str, direction: str, amount: str, price: str) -> None:
        trigger, offset = self.rng.choice(["index_price", "mark_price"]), self.rng.choice(["0.5", "1.5"])
        self.place(user, direction, amount, None, order_type="trailing_stop", trigger=trigger, trigger_offset=offset)

    def _market_limit(self, user: str, direction: str, amount: str, price: str) -> None:
        self.place(user, direction, amount, None, order_type="market_limit")

    def _fill(self, user: str, direction: str, amount: str, price: str) -> None:
        if self.rng.random() < 0.5:  # a part, from another client: an incremental link's orders grow and are cut
            self.control.deribit_order(user, PERP, direction, "10", price)
            return
        self.control.deribit_order(HOUSE, PERP, direction, amount, price)  # another account's order

    def _moving(self, user: str, direction: str, amount: str, price: str) -> None:
        self._move(self.rng.random() < 0.5, price)

    def _cancelling(self, user: str, direction: str, amount: str, price: str) -> None:
        if self.rng.random() < 0.4:  # the house leaves: the clients' orders meet each other's parts
            self.control.deribit_cancel_orders(HOUSE)
            return
        live = sorted(i for ids in self.kept.open.values() for i in ids)
        if live:
            self.control.deribit_cancel_order(self.rng.choice(live))

    def check_links(self) -> None:
        orders = self.kept.orders
        for order in orders.values():
            if order.filled_amount or order.triggered:
                self.hit.add(order.order_id)
            primary = orders.get(order.primary_order_id or "")
            if order.linked_amount is not None:
                self.check_incremental(order, primary)
                continue
            if order.is_secondary_oto and order.is_open and primary is not None:
                # waiting: its primary not yet hit, and still open
                done = primary.order_state == "filled" if primary.trigger_fill_condition == "complete_fill" else (
                    primary.filled_amount > 0)  # fmt: skip
                assert not done and primary.is_open, (order, primary)
            if order.primary_order_id is not None and not order.is_secondary_oto and primary is not None:
                assert primary.filled_amount > 0, (order, primary)  # placed: its primary filled
            if order.cancel_reason == "oto_primary_closed" and primary is not None:
                assert not primary.is_open and primary.order_state != "filled", (order, primary)
        for first, second in self._pairs():
            a, b = orders[first], orders[second]
            if a.is_secondary_oto or b.is_secondary_oto:
                continue
            for one, other in ((a, b), (b, a)):
                closed = not one.is_open and one.cancel_reason != "oco_other_closed"  # (not closed by the other)
                condition = one.trigger_fill_condition
                hit = one.filled_amount > 0 or (one.triggered and condition != "incremental")
                gone = closed or (hit and condition == "first_hit") or (one.order_state == "filled")
                assert not (gone and other.is_open), (one, other)

    def check_incremental(self, order: DerivativeOrder, primary: DerivativeOrder | None) -> None:
        """An incremental link's order: no larger than its primary's filled share of it (the walk's secondaries are
        the primary's amount: no larger than what it filled) less its partner's filled share; open, exactly that."""
        whole = order.linked_amount
        assert whole is not None
        given = whole if order.primary_order_id is None else order.linked_part
        if primary is not None:
            given = whole * primary.filled_amount // (primary.amount * 10) * 10
            assert order.is_secondary_oto or order.amount <= primary.filled_amount, (order, primary)
        partner = next((self.order(i) for pair in self._pairs() if order.order_id in pair for i in pair
                        if i != order.order_id), None)  # fmt: skip
        cut = ZERO if partner is None else whole * partner.filled_amount // (whole * 10) * 10
        part = max(given - cut, ZERO)
        if order.is_secondary_oto:  # waiting, or cancelled waiting
            assert not order.is_open or (part == 0 and primary is not None and primary.is_open), (order, primary)
        elif order.is_open:
            assert order.amount == order.linked_part == part > order.filled_amount, (order, primary, partner)
        else:
            assert order.filled_amount <= max(part, order.linked_part), (order, primary, partner)

    def _pairs(self) -> list[tuple[str, str]]:
        """Every OCO pair the orders name, both still kept."""
        refs: dict[str, list[str]] = {}
        for order in self.kept.orders.values():
            if order.oco_ref is not None:
                refs.setdefault(order.oco_ref, []).append(order.order_id)
        return [(ids[0], ids[1]) for ids in refs.values() if len(ids) == 2]


@pytest.mark.parametrize("seed", range(4))
def test_a_random_walk_keeps_the_links_and_the_money(seed: int) -> None:
    walk = Walk(seed)
    for _ in range(60):
        walk.step()
        walk.check_links()
        walk.check()
    assert walk.control.exchange.state.trades, "the walk must trade"
