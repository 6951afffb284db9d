"""Kalshi's order groups, rule by rule, in the ledger (core/kalshi/order_groups.py): how many a user holds, a seeded id
taken, an unknown subaccount, a group of another exchange index than the order's market, another user's group, a
triggered group's refusal, each refusal's status, code and words; and a trigger's cancels as one book action a market,
every level they moved in it, shown as the group owner's."""

from __future__ import annotations

import pytest
from kalshi_commands import placed, refusal
from test_kalshi_orders_core import M, bid, new_ledger

from mockexchange.core.kalshi import order_groups
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import BOOK, Cause
from mockexchange.core.kalshi.order_commands import PlaceOrder
from mockexchange.core.kalshi.order_group_commands import CreateOrderGroup, DeleteOrderGroup, TriggerOrderGroup

N = "KXORD-26NOV-B"
ON_ONE = "KXORD-26NOV-X1"  # a market of exchange index 1


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    ledger = new_ledger("a", "b")
    ledger.catalogue.list_market(N)
    ledger.catalogue.list_market(ON_ONE, exchange_index=1)
    return ledger


def test_a_user_holds_at_most_so_many_groups_and_a_seeded_id_once(ledger: Ledger, monkeypatch) -> None:
    monkeypatch.setattr(order_groups, "MAX_GROUPS", 3)
    create = ledger.groups.create_order_group
    made = [create(CreateOrderGroup("a", contracts_limit=1)).group_id for _ in range(2)]
    create(CreateOrderGroup("a", contracts_limit=1, order_group_id="seeded"))
    assert refusal(create, CreateOrderGroup("a", contracts_limit=1)) == (
        400, "bad_request", "a user holds at most 3 order groups at a time (delete one first)"
    )  # fmt: skip
    create(CreateOrderGroup("b", contracts_limit=1))  # another user's count is their own
    ledger.groups.delete_order_group(DeleteOrderGroup("a", made[0]))
    assert refusal(create, CreateOrderGroup("b", contracts_limit=1, order_group_id="seeded")) == (
        409, "conflict", "order group 'seeded' exists already"
    )  # fmt: skip
    again = create(CreateOrderGroup("a", contracts_limit=1))  # room again
    assert again.created == ledger.state.clock.now()
    assert refusal(create, CreateOrderGroup("a", contracts_limit=1, subaccount=4)) == (
        400, "bad_request", "subaccount 4 is not a subaccount of 'a' (create it first)"
    )  # fmt: skip


def test_an_order_joins_only_its_owners_group_on_its_markets_index_untriggered(ledger: Ledger) -> None:
    group = ledger.groups.create_order_group(CreateOrderGroup("a", contracts_limit=5)).group_id

    def place(user: str, ticker: str = M) -> None:
        ledger.trading.submit_order(_placed(user, ticker, group))

    assert refusal(place, "a", ON_ONE) == (
        400, "invalid_order", f"order group {group!r} is on exchange index 0, the market on 1"
    )  # fmt: skip
    assert refusal(place, "b") == (404, "not_found", f"no order group {group!r} of this user's subaccount there")
    place("a")
    ledger.groups.trigger_order_group(TriggerOrderGroup("a", group))
    assert refusal(place, "a") == (
        409, "order_group_triggered", f"order group {group!r} is triggered: it takes no orders until it is reset"
    )  # fmt: skip


def _placed(user: str, ticker: str, group: str) -> PlaceOrder:
    return placed(user, ticker, "yes", "buy", 100, 3000, order_group_id=group)


def test_a_trigger_cancels_as_one_book_action_a_market_every_level_it_moved(ledger: Ledger) -> None:
    moved: list = []
    ledger.state.bus.subscribe(lambda change: moved.append(change.payload), [BOOK])
    group = ledger.groups.create_order_group(CreateOrderGroup("a", contracts_limit=50)).group_id
    for cents, count in ((30, 1), (31, 2), (31, 3)):
        bid(ledger, "a", cents, count, order_group_id=group)
    ledger.trading.submit_order(_placed("a", N, group))
    bid(ledger, "a", 29, 1)  # not the group's: it stays
    moved.clear()
    ledger.groups.trigger_order_group(TriggerOrderGroup("a", group))
    assert [(m.ticker, m.cause) for m in moved] == [(M, Cause("a", 0, None)), (N, Cause("a", 0, None))]
    assert sorted(moved[0].levels) == [("bid", 3000, 100, 0), ("bid", 3100, 500, 0)]
    assert [len(m.levels) for m in moved] == [2, 1]
