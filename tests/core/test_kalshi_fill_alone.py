"""A fill alone (`ledger.filling.apply_fill`, core/kalshi/filling.py), rule by rule: it pays the fee of the event it
names; naming another event than its listed market's is refused; the bounds count what earlier fills took; a market
whose close falls due at the fill's instant is closed first. Each refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi import checks
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import CreateMarket, SetSeries

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def ledger_at(clock: ManualClock) -> Ledger:
    ledger = Ledger(clock, ids=IdFactory(3))
    ledger.open_account("u", balance=Decimal(1_000_000))
    return ledger


def buy(ledger: Ledger, ticker: str, count: int, **fields: object):
    return ledger.filling.apply_fill("u", ticker, "yes", "buy", Decimal(count), Decimal("0.52"), **fields)


def refused(ledger: Ledger, ticker: str, count: int, **fields: object) -> str:
    """The fill's refusal, which changed nothing (no fill, no market listed)."""
    fills, markets = len(ledger.state.fills), set(ledger.state.markets)
    with pytest.raises(LedgerError) as caught:
        buy(ledger, ticker, count, **fields)
    assert (len(ledger.state.fills), set(ledger.state.markets)) == (fills, markets)
    return str(caught.value)


def test_a_fill_pays_the_fee_of_the_event_it_names() -> None:
    """ODD-T1's ticker is of no series; its fill names KXS-E2, of a series with a flat fee: it pays that fee."""
    ledger = ledger_at(ManualClock(T0))
    ledger.catalogue.put_series(SetSeries("KXS", fee_type="flat", fee_multiplier=Decimal(2)))
    assert str(buy(ledger, "ODD-T1", 3, event_ticker="KXS-E2").fee) == "0.060000"
    assert str(buy(ledger, "KXS-E1-T1", 3).fee) == "0.060000"  # (by its ticker's event)


def test_a_fill_naming_another_event_than_its_markets_is_refused() -> None:
    ledger = ledger_at(ManualClock(T0))
    buy(ledger, "KXA-E1-T1", 1, event_ticker="KXA-E1")
    assert refused(ledger, "KXA-E1-T1", 1, event_ticker="KXA-E2") == "market 'KXA-E1-T1' belongs to event 'KXA-E1'"
    assert buy(ledger, "KXA-E1-T1", 1, event_ticker="KXA-E1").count == Decimal(1)  # (its own event: filled)


def test_a_fills_bounds_count_what_earlier_fills_took(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "MAX_POSITION_CONTRACTS", Decimal(100))
    monkeypatch.setattr(checks, "MAX_ACCOUNT_CONTRACTS", Decimal(150))
    ledger = ledger_at(ManualClock(T0))
    buy(ledger, "KXB-1", 60)
    assert refused(ledger, "KXB-1", 41) == (
        "count 41.00 would take this market position's volume to 101.00 contracts; it may reach 100 (the legacy "
        "profile's int32 contract fields)"
    )
    buy(ledger, "KXB-1", 40)  # 100: the bound exactly
    buy(ledger, "KXB-2", 50)  # the account's 150 exactly
    assert refused(ledger, "KXB-3", 1) == (
        "count 1.00 would take this account's contracts filled to 151.00; an account may reach 150 (reset to start "
        "again)"
    )


def test_a_markets_close_due_at_the_fills_instant_comes_first() -> None:
    clock = ManualClock(T0)
    ledger = ledger_at(clock)
    ledger.catalogue.create_market(CreateMarket("KXC-E1-T1", close_time=T0 + timedelta(minutes=1)))
    buy(ledger, "KXC-E1-T1", 1)
    clock.advance(delta=timedelta(minutes=1))
    assert refused(ledger, "KXC-E1-T1", 1) == "market 'KXC-E1-T1' is closed"
