"""Kalshi's markets in the core: what a fill lists by itself, the lifecycle on the exchange clock (each transition once,
at its own time, whichever way time moves past it), the house's levels in the book, the tape and the figures, and
the fee schedule a market's series picks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from mockexchange.core.book import ASK, BID, LevelChange
from mockexchange.core.clock import ManualClock
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fees import FlatFee, QuadraticFee, schedule_for
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import BOOK, LIFECYCLE, TRADE, MarketStats
from mockexchange.core.kalshi.market_commands import CreateMarket, SetEvent, SetExchangeStatus, SetSeries, UpdateMarket
from mockexchange.core.kalshi.price_levels import is_level

T0 = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
TICKER = "KXFED-26DEC-T4.00"


def new_ledger(**kwargs) -> Ledger:
    made = Ledger(clock=ManualClock(T0), ids=IdFactory(5), **kwargs)
    made.open_account("u", balance=D(10_000))
    made.open_account("v", balance=D(10_000))
    return made


def changes(ledger: Ledger, *kinds: str) -> list:
    seen: list = []
    ledger.state.bus.subscribe(lambda change: seen.append(change.payload), kinds)
    return seen


def test_a_market_a_fill_lists_is_active_with_derived_defaults_and_its_own_ids():
    one, two = new_ledger(), new_ledger()
    fill = one.filling.apply_fill("u", TICKER, "yes", "buy", D(1), D("0.5"))
    two.filling.apply_fill("u", TICKER, "yes", "buy", D(1), D("0.5"))
    market = one.state.markets[TICKER]
    assert (market.status, market.event_ticker, market.title, market.yes_sub_title) == (
        "active", "KXFED-26DEC", TICKER, "T4.00"
    )  # fmt: skip
    assert market.open_time == T0 and market.close_time == T0 + timedelta(days=3650)
    assert market.price_level_structure == "linear_cent" and market.can_close_early
    assert (
        one.state.events["KXFED-26DEC"].series_ticker == "KXFED" and one.state.series["KXFED"].fee_type == "quadratic"
    )
    assert one.state.series["KXFED"].events == ["KXFED-26DEC"]
    # The same seed draws the same market id, from a stream of its own: the fill's ids did not move.
    assert market.market_id == two.state.markets[TICKER].market_id and len(market.market_id) == 36
    plain = Ledger(clock=ManualClock(T0), ids=IdFactory(5))
    plain.open_account("u", balance=D(10_000))
    plain.open_account("v", balance=D(10_000))
    assert fill.fill_id == plain.filling.apply_fill("u", TICKER, "yes", "buy", D(1), D("0.5")).fill_id


def test_the_clock_opens_and_closes_a_market_once_at_its_own_times_and_a_read_finds_them_due():
    ledger = new_ledger()
    published = changes(ledger, LIFECYCLE)
    ledger.catalogue.create_market(
        CreateMarket("M-1", open_time=T0 + timedelta(hours=1), close_time=T0 + timedelta(hours=2))
    )
    market = ledger.state.markets["M-1"]
    assert market.status == "initialized" and ledger.lifecycle.next_due() == T0 + timedelta(hours=1)
    with pytest.raises(LedgerError, match="not open yet") as refused:
        ledger.filling.apply_fill("u", "M-1", "yes", "buy", D(1), D("0.5"))
    assert refused.value.status == 409
    ledger.state.clock.set(T0 + timedelta(hours=1, minutes=30))  # type: ignore[attr-defined]
    with ledger.reading():
        assert market.status == "active"
    ledger.filling.apply_fill("u", "M-1", "yes", "buy", D(1), D("0.5"))
    ledger.state.clock.set(T0 + timedelta(hours=5))  # type: ignore[attr-defined]
    with pytest.raises(LedgerError, match="is closed"):
        ledger.filling.apply_fill("u", "M-1", "yes", "buy", D(1), D("0.5"))
    assert market.status == "closed" and ledger.lifecycle.next_due() is None
    ledger.state.clock.set(T0)  # type: ignore[attr-defined]  # a clock set back opens nothing again
    with ledger.reading():
        assert market.status == "closed"
    # Kalshi publishes no event for the clock's opening and closing: only the creation.
    assert [event.event_type for event in published] == ["created"]


def test_determining_closes_early_publishes_and_pays_when_the_settlement_timer_ends():
    ledger = new_ledger()
    ledger.catalogue.create_market(CreateMarket("M-2", settlement_timer_seconds=60))
    ledger.filling.apply_fill("u", "M-2", "yes", "buy", D(10), D("0.4"), fee=D(0))
    published = changes(ledger, LIFECYCLE)
    ledger.state.clock.advance(10)  # type: ignore[attr-defined]
    market = ledger.lifecycle.determine_market("M-2", "yes")
    closed = T0 + timedelta(seconds=10)
    assert (market.status, market.close_time, market.settlement_value) == ("determined", closed, 10_000)
    assert ledger.state.account("u").balance() == D(9_996)
    ledger.state.clock.advance(59)  # type: ignore[attr-defined]
    with ledger.reading():
        assert market.status == "determined"
    ledger.state.clock.advance(1)  # type: ignore[attr-defined]
    with ledger.reading():
        assert market.status == "finalized" and market.settled_time == T0 + timedelta(seconds=70)
    assert ledger.state.account("u").balance() == D(10_006)
    assert [(e.event_type, e.at) for e in published] == [
        ("close_date_updated", T0 + timedelta(seconds=10)),
        ("determined", T0 + timedelta(seconds=10)),
        ("settled", T0 + timedelta(seconds=70)),
    ]
    with pytest.raises(LedgerError, match="already"):
        ledger.lifecycle.determine_market("M-2", "no")


def test_pause_resume_close_and_reopen():
    ledger = new_ledger()
    ledger.catalogue.list_market("M-3")
    published = changes(ledger, LIFECYCLE)
    ledger.lifecycle.pause_market("M-3")
    with pytest.raises(LedgerError, match="is paused"):
        ledger.filling.apply_fill("u", "M-3", "yes", "buy", D(1), D("0.5"))
    ledger.lifecycle.resume_market("M-3")
    ledger.lifecycle.set_close_time("M-3", T0)  # now: closes at once
    assert ledger.state.markets["M-3"].status == "closed"
    ledger.lifecycle.set_close_time("M-3", T0 + timedelta(days=1))  # later: opens again
    assert ledger.state.markets["M-3"].status == "active"
    assert [e.event_type for e in published] == [
        "deactivated", "activated", "close_date_updated", "close_date_updated", "activated",
    ]  # fmt: skip
    ledger.catalogue.update_market(UpdateMarket("M-3", can_close_early=False))
    with pytest.raises(LedgerError, match="cannot close early"):
        ledger.lifecycle.set_close_time("M-3", T0 + timedelta(hours=1))
    with pytest.raises(LedgerError, match="only a paused market"):
        ledger.lifecycle.resume_market("M-3")


def test_the_house_sets_levels_in_one_action_that_never_crosses():
    ledger = new_ledger()
    ledger.catalogue.list_market("M-4")
    moved = changes(ledger, BOOK)
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 1_000), (3_900, 500)], no=[(5_500, 200)])
    market = ledger.state.markets["M-4"]
    assert ledger.feed.book_levels("M-4") == ([(4_000, 1_000), (3_900, 500)], [(4_500, 200)])
    assert ledger.feed.book_clock("M-4") == 1 and HOUSE in ledger.state.accounts
    assert moved[-1].clock == 1 and set(moved[-1].levels) == {
        LevelChange(BID, 4_000, 0, 1_000), LevelChange(BID, 3_900, 0, 500), LevelChange(ASK, 4_500, 0, 200)
    }  # fmt: skip
    with pytest.raises(LedgerError, match="never cross"):
        ledger.liquidity.set_levels("M-4", yes=[(4_500, 100)], no=None)  # a YES bid at the YES ask (NO bid 0.55)
    with pytest.raises(LedgerError, match="not a level"):
        ledger.liquidity.set_levels("M-4", yes=[(4_050, 100)], no=None)  # linear_cent: cents only
    assert ledger.feed.book_clock("M-4") == 1  # refused: nothing changed
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 400)], no=None)  # smaller, and 0.39 gone; NO side as it was
    assert moved[-1].levels == (LevelChange(BID, 3_900, 500, 0), LevelChange(BID, 4_000, 1_000, 400))
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 500), (3_800, 10)], no=None)  # 0.40 again, grown: anew, behind
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 400), (3_800, 10)], no=None)
    assert moved[-1].levels == (LevelChange(BID, 4_000, 500, 400),)
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 400)], no=None)
    ledger.liquidity.set_levels("M-4", yes=[(4_000, 400)], no=None)  # nothing moves: no action
    assert ledger.feed.book_clock("M-4") == 5 and len(moved) == 5
    ledger.catalogue.update_market(UpdateMarket("M-4", price_level_structure="deci_cent"))
    ledger.liquidity.set_levels("M-4", yes=[(4_050, 100)], no=[])
    assert ledger.feed.book_levels("M-4") == ([(4_050, 100)], [])
    ledger.lifecycle.set_close_time("M-4", T0)  # closing clears the book
    assert ledger.feed.book_levels("M-4") == ([], []) and moved[-1].levels == (LevelChange(BID, 4_050, 100, 0),)
    assert market.book_clock == 7


def test_price_level_structures():
    assert is_level("linear_cent", 100) and not is_level("linear_cent", 150) and not is_level("linear_cent", 0)
    assert is_level("deci_cent", 10) and not is_level("deci_cent", 15) and not is_level("deci_cent", 10_000)
    assert is_level("tapered_deci_cent", 990) and is_level("tapered_deci_cent", 9_010)
    assert not is_level("tapered_deci_cent", 1_010) and is_level("tapered_deci_cent", 1_100)


def test_trades_print_on_the_tape_and_keep_the_figures():
    ledger = new_ledger()
    trades = changes(ledger, TRADE)
    ledger.filling.apply_fill("u", TICKER, "yes", "buy", D(10), D("0.40"))
    # YES at 0.45; the taker bought YES
    ledger.filling.apply_fill("v", TICKER, "no", "buy", D(4), D("0.55"), is_taker=False)
    ledger.filling.apply_fill("u", TICKER, "yes", "sell", D(3), D("0.50"))
    assert [(t.count, t.yes_price, t.taker_outcome_side) for t in trades] == [
        (1_000, 4_000, "yes"), (400, 4_500, "yes"), (300, 5_000, "no")
    ]  # fmt: skip
    assert trades[0].trade_id == ledger.state.fills[0].fill_id
    stats = ledger.feed.stats(TICKER)
    # u holds 7 YES, v holds 4 NO: 7 contracts open.
    assert (stats.volume, stats.volume_24h, stats.open_interest) == (1_700, 1_700, 700)
    assert (stats.last_price, stats.last_trade_size) == (5_000, 300)
    assert (stats.previous_price, stats.previous_yes_bid) == (None, None)
    ledger.state.clock.advance(3600)  # type: ignore[attr-defined]  # a new UTC day: the previous day's figures are the last
    ledger.filling.apply_fill("v", TICKER, "no", "buy", D(1), D("0.30"))
    stats = ledger.feed.stats(TICKER)
    assert (stats.previous_price, stats.last_price) == (5_000, 7_000)
    ledger.state.clock.advance(23 * 3600)  # type: ignore[attr-defined]  # the first three trades age out of the day's volume
    assert ledger.feed.stats(TICKER).volume_24h == 100 and ledger.feed.stats(TICKER).volume == 1_800
    assert ledger.state.trades.page("", 10)[0][0][1] is not None and len(ledger.state.trades.page("", 10)[0]) == 4
    ledger.filling.apply_fill("v", TICKER, "no", "buy", D(20), D("0.30"))  # v holds 25 NO: the larger side
    assert ledger.feed.stats(TICKER).open_interest == 2_500
    ledger.filling.apply_fill("v", TICKER, "no", "sell", D(10), D("0.30"))
    assert ledger.feed.stats(TICKER).open_interest == 1_500


def test_the_market_feed_answers_for_unknown_markets():
    ledger = new_ledger()
    feed = ledger.feed
    assert feed.market_id("NOPE") is None and feed.book_levels("NOPE") == ([], []) and feed.book_clock("NOPE") == 0
    with pytest.raises(LedgerError):
        ledger.feed.stats("NOPE")
    ledger.catalogue.list_market("M-5")
    assert ledger.feed.stats("M-5") == MarketStats(None, 0, None, 0, None, None, 0, 0, 0, None, None, None)


def test_the_series_fee_type_picks_the_fee_a_fill_pays_when_it_states_none():
    ledger = new_ledger(fee_schedule=QuadraticFee(maker_rate=D("0.01")))
    ledger.catalogue.put_series(SetSeries("FLAT", fee_type="flat", fee_multiplier=D(2)))
    ledger.catalogue.put_series(SetSeries("MAKER", fee_type="quadratic_with_maker_fees"))
    fill = ledger.filling.apply_fill
    assert fill("u", "FLAT-1-A", "yes", "buy", D("1.5"), D("0.5")).fee == D("0.03")  # 2 cents a contract
    assert fill("u", "MAKER-1-A", "yes", "buy", D(1), D("0.5"), is_taker=False).fee == D("0.0044")
    assert fill("u", "PLAIN-1-A", "yes", "buy", D(1), D("0.5"), is_taker=False).fee == D("0.0025")
    ledger.catalogue.put_event(SetEvent("MAKER-1", fee_type_override="quadratic", fee_multiplier_override=D("0.5")))
    assert fill("u", "MAKER-1-A", "yes", "buy", D(1), D("0.5")).fee == D("0.0088")  # 0.035 x 0.25
    assert schedule_for(QuadraticFee(), "flat", D(1)) == FlatFee(D("0.01"))
    assert schedule_for(QuadraticFee(), "quadratic", D(1)) == QuadraticFee()


def test_the_exchange_switches_trading_off_and_on():
    ledger = new_ledger()
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(trading_active=False))
    with pytest.raises(LedgerError, match="trading is paused on the exchange"):
        ledger.filling.apply_fill("u", TICKER, "yes", "buy", D(1), D("0.5"))
    assert TICKER not in ledger.state.markets
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(trading_active=True))
    ledger.filling.apply_fill("u", TICKER, "yes", "buy", D(1), D("0.5"))
    with pytest.raises(LedgerError, match="house"):
        ledger.open_account(HOUSE)


def test_markets_listed_at_one_instant_share_their_close_time_in_their_own_zone():
    from datetime import timezone

    from mockexchange.core.kalshi.catalogue import DEFAULT_LIFETIME, default_close

    utc = datetime(2026, 3, 1, 12, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))  # the same instant, another zone
    assert default_close(utc) is default_close(utc) and default_close(utc) == utc + DEFAULT_LIFETIME
    assert default_close(paris).utcoffset() == timedelta(hours=1) and default_close(paris) == default_close(utc)


def test_markets_listed_at_one_instant_share_their_times_and_titles_until_one_changes():
    ledger = new_ledger()
    for ticker in ("S-1-A", "S-1-B"):
        ledger.filling.apply_fill("u", ticker, "yes", "buy", D(1), D("0.5"))
    a, b = ledger.state.markets["S-1-A"], ledger.state.markets["S-1-B"]
    assert a.times is b.times and (a.title, a.yes_sub_title, b.title, b.no_sub_title) == ("S-1-A", "A", "S-1-B", "B")
    later = ledger.state.clock.advance(60)
    ledger.catalogue.update_market(UpdateMarket("S-1-A", title="Above", no_sub_title="Below"))
    ledger.lifecycle.set_close_time("S-1-A", later + timedelta(days=1))
    assert (a.title, a.yes_sub_title, a.no_sub_title, a.updated_time, a.close_time) == (
        "Above", "A", "Below", later, later + timedelta(days=1)
    )  # fmt: skip
    assert (b.title, b.no_sub_title, b.updated_time, b.close_time) == ("S-1-B", "B", T0, T0 + timedelta(days=3650))


def test_a_series_new_fee_type_reaches_every_market_of_its_events_listed_or_not():
    ledger = new_ledger()
    fill = ledger.filling.apply_fill
    for _ in range(2):  # (listed by the first, the second its market's)
        assert fill("u", "S-1-A", "yes", "buy", D(1), D("0.5")).fee == D("0.0175")  # the general schedule
    ledger.catalogue.put_series(SetSeries("S", fee_type="flat", fee_multiplier=D(2)))
    assert fill("u", "S-1-A", "yes", "buy", D(1), D("0.5")).fee == D("0.02")  # 2 cents a contract
    assert fill("u", "S-1-B", "yes", "buy", D(1), D("0.5")).fee == D("0.02")  # listed by this fill, in its event
