"""Kalshi's subaccounts, rule by rule, in the ledger (core/kalshi/subaccounts.py): a new subaccount holds nothing; the
subaccounts an account knows; a transfer may empty its source to the micro-dollar and no further, and each move is
user data changed then; subaccounts by rate-limit tier; the margined instance's subaccounts, their transfers from
each's own cash, whole, and their refusals."""

from __future__ import annotations

import re

import pytest
from test_kalshi_orders_core import new_ledger

from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.subaccount_commands import (
    ApplyMarginSubaccountTransfer,
    ApplySubaccountTransfer,
    CreateMarginSubaccount,
    CreateSubaccount,
    IntraExchangeInstanceTransfer,
)
from mockexchange.core.kalshi.subaccounts import tier_allows_subaccounts
from mockexchange.core.rate_budgets import OFF


def test_a_new_subaccount_holds_nothing_and_the_account_knows_it() -> None:
    ledger = new_ledger("a", "b", cents=1_000)
    subaccounts, account = ledger.subaccounts, ledger.state.accounts["a"]
    assert subaccounts.known_subaccounts(account) == [0]
    ledger.state.clock.advance(seconds=3)
    assert [subaccounts.create_subaccount(CreateSubaccount("a")) for _ in range(2)] == [1, 2]
    assert (account.cash[(1, 0)], account.cash[(2, 0)]) == (0, 0)
    assert ledger.state.user_data_updated == ledger.state.clock.now()
    account.cash[(7, 0)] = 5  # cash seeded in a subaccount never created (a state file's): known too
    assert subaccounts.known_subaccounts(account) == [0, 1, 2, 7]
    assert subaccounts.known_subaccounts(ledger.state.accounts["b"]) == [0]


def test_a_transfer_empties_its_source_and_no_further_and_is_user_data_changed() -> None:
    ledger = new_ledger("a", cents=1_000)
    ledger.subaccounts.create_subaccount(CreateSubaccount("a"))
    ledger.state.clock.advance(seconds=3)
    move = ledger.subaccounts.subaccount_transfer
    move(ApplySubaccountTransfer("a", "t1", 0, 1, 1_000))  # all of it
    account = ledger.state.accounts["a"]
    assert (account.cash[(0, 0)], account.cash[(1, 0)]) == (0, 10_000_000)
    assert ledger.state.user_data_updated == ledger.state.clock.now()
    with pytest.raises(Refusal) as refused:
        move(ApplySubaccountTransfer("a", "t2", 1, 0, 1_001))
    assert (refused.value.status, refused.value.code, str(refused.value)) == (
        400, "insufficient_balance", "insufficient balance"
    )  # fmt: skip


def test_subaccounts_from_the_advanced_tier_or_with_limits_off() -> None:
    assert [tier_allows_subaccounts(tier) for tier in ("basic", "advanced", "prestige", OFF)] == [
        False,
        True,
        True,
        True,
    ]


def test_margin_subaccounts_move_margined_cash_whole_from_their_own() -> None:
    ledger = new_ledger("a", cents=1_000)
    subaccounts = ledger.subaccounts
    subaccounts.instance_transfer(IntraExchangeInstanceTransfer("a", "event_contract", "margined", 30_000))  # $3
    assert [subaccounts.create_margin_subaccount(CreateMarginSubaccount("a")) for _ in range(2)] == [1, 2]
    move = subaccounts.margin_subaccount_transfer
    first = move(ApplyMarginSubaccountTransfer("a", "m1", 0, 1, 300))  # all of it
    move(ApplyMarginSubaccountTransfer("a", "m2", 1, 2, 300))  # and on, from subaccount 1
    assert [subaccounts.margined_balance("a", sub) for sub in (0, 1, 2)] == [0, 0, 3_000_000]
    assert (first.from_subaccount, first.to_subaccount, first.amount_cents) == (0, 1, 300)
    assert first.transfer_id is not None and move(ApplyMarginSubaccountTransfer("a", "m1", 0, 1, 300)) == first
    for terms, said in (
        ((2, 0, 301), "insufficient balance"),
        ((2, 3, 1), "to_subaccount 3 is not a margin subaccount of 'a' (create it first)"),
        ((3, 2, 1), "from_subaccount 3 is not a margin subaccount of 'a' (create it first)"),
        ((2, 2, 1), "from_subaccount and to_subaccount must differ"),
    ):
        with pytest.raises(Refusal, match=f"^{re.escape(said)}$"):
            move(ApplyMarginSubaccountTransfer("a", f"x{terms}", *terms))
