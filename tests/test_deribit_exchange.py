"""The Deribit exchange: accounts, subaccounts, prices a scenario moves, trades -> positions, the account summary,
one event per change, and a lock that keeps concurrent fills whole."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.records import DeribitFill
from mockexchange.core.events import EventBus

START = datetime(2024, 12, 26, 8, tzinfo=UTC)  # one day before BTC-27DEC24 expires


@pytest.fixture
def exchange() -> DeribitExchange:
    b = DeribitExchange(clock=ManualClock(START), bus=EventBus())
    b.accounts.open_account("alice", account_id=7, balances={"BTC": D(1), "USDC": D(10_000)})
    b.market.set_index_price("btc_usd", D(50_000))
    return b


def test_perpetual_position_follows_the_index(exchange):
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(10_000), D(50_000)))
    exchange.market.set_index_price("btc_usd", D(55_000))  # the perpetual's mark follows its index
    p = exchange.valuation.position("alice", "BTC-PERPETUAL")
    # 10000 * (1/50000 - 1/55000) = 1/55 BTC; size_currency 10000/55000 = 2/11 BTC = delta
    assert (p.size, p.direction, p.average_price, p.mark_price, p.index_price) == (
        D(10_000), "buy", D(50_000), D(55_000), D(55_000),
    )  # fmt: skip
    assert abs(p.floating_profit_loss - D(1) / 55) < D("1e-25")
    assert p.size_currency == p.delta == D(10_000) / D(55_000)
    assert (p.leverage, p.realized_funding, p.interest_value, p.gamma) == (50, 0, 0, None)
    assert p.total_profit_loss == p.floating_profit_loss


def test_a_pinned_mark_wins_over_the_index_until_unpinned(exchange):
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(10_000), D(50_000)))
    exchange.market.set_mark_price("BTC-PERPETUAL", D(40_000))
    assert exchange.valuation.position("alice", "BTC-PERPETUAL").mark_price == D(40_000)
    exchange.market.set_mark_price("BTC-PERPETUAL", None)
    assert exchange.valuation.position("alice", "BTC-PERPETUAL").mark_price == D(50_000)


def test_a_flat_instrument_answers_a_zero_position(exchange):
    exchange.market.list_instrument("BTC-27DEC24")
    p = exchange.valuation.position("alice", "BTC-27DEC24")
    assert (p.size, p.direction, p.average_price, p.floating_profit_loss, p.initial_margin) == (0, "zero", 0, 0, 0)
    assert exchange.valuation.positions("alice") == []


def test_futures_realized_pnl_and_fees_move_the_balance(exchange):
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(10_000), D(50_000), fee=D("0.0001")))
    t = exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "sell", D(10_000), D(40_000)))
    # realized 10000 * (1/50000 - 1/40000) = -0.05 BTC; balance 1 - 0.0001 - 0.05
    assert t.profit_loss == D("-0.05") and t.post_size == 0
    s = exchange.valuation.account_summary("alice", "BTC")
    assert (s.balance, s.fees_paid, s.futures_pl, s.total_pl) == (D("0.9499"), D("0.0001"), D("-0.05"), D("-0.05"))
    assert [p.instrument_name for p in exchange.valuation.positions("alice", open_only=False)] == ["BTC-PERPETUAL"]


def test_account_summary_adds_futures_and_options(exchange):
    exchange.market.set_volatility(D("0.6"), currency="BTC")
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "sell", D(100_000), D(50_000)))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-27DEC24-60000-C", "sell", D(2), D("0.01")))
    exchange.market.set_index_price("btc_usd", D(48_000))
    perp = exchange.valuation.position("alice", "BTC-PERPETUAL")
    call = exchange.valuation.position("alice", "BTC-27DEC24-60000-C")
    # Black-76 on the index, one day left, 60% volatility; in BTC: USD price / index
    g = d.option_greeks(exchange.market.instrument("BTC-27DEC24-60000-C"), D(48_000), D(1) / D(365), D("0.6"))
    assert call.mark_price == g.mark_price
    assert (call.delta, call.gamma, call.vega, call.theta) == (-2 * g.delta, -2 * g.gamma, -2 * g.vega, -2 * g.theta)
    assert (call.size_currency, call.leverage) == (None, None)
    s = exchange.valuation.account_summary("alice", "BTC")
    # balance: 1 + 2 * 0.01 premium received; equity = balance + futures floating + options value (short: negative)
    assert s.balance == D("1.02")
    assert s.equity == D("1.02") + perp.floating_profit_loss + D(-2) * call.mark_price
    assert s.initial_margin == perp.initial_margin + call.initial_margin
    assert s.available_funds == s.equity - s.initial_margin == s.margin_balance - s.initial_margin
    assert s.delta_total == perp.delta + call.delta == s.delta_total_map["btc_usd"]
    assert s.options_value == -2 * call.mark_price
    assert s.total_pl == perp.total_profit_loss + call.total_profit_loss


def test_linear_positions_sum_in_usdc(exchange):
    exchange.market.set_index_price("btc_usdc", D(60_000))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC_USDC-PERPETUAL", "buy", D("0.5"), D(60_000)))
    exchange.market.set_index_price("btc_usdc", D(62_000))
    s = exchange.valuation.account_summary("alice", "USDC")
    # 0.5 * (62000 - 60000) = 1000 USDC floating; margin 0.5 coin at 62,000 = 31,000 notional x 2.0025%
    assert s.equity == D(11_000) and s.futures_pl == D(1_000)
    assert s.initial_margin == D(31_000) * D("0.020025")
    assert exchange.valuation.account_summary("alice", "BTC").equity == D(1)


def test_subaccounts_have_integer_ids_and_their_own_positions(exchange):
    sub = exchange.accounts.add_subaccount("alice", balances={"BTC": D(2)})
    assert isinstance(sub.id, int) and sub.id != 7
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(100), D(50_000), subaccount_id=sub.id))
    assert exchange.valuation.positions("alice") == []
    assert [p.size for p in exchange.valuation.positions("alice", subaccount_id=sub.id)] == [D(100)]
    assert exchange.accounts.wallet("alice", 7) is exchange.accounts.account("alice").main
    with pytest.raises(ExchangeError) as refused:
        exchange.accounts.wallet("alice", 999)
    assert refused.value.status == 404
    with pytest.raises(ExchangeError):
        exchange.accounts.add_subaccount("alice", subaccount_id=7)


def test_positions_filter_by_settlement_currency_and_kind(exchange):
    exchange.market.set_index_price("eth_usd", D(2_000))
    exchange.market.set_index_price("btc_usdc", D(50_000))
    exchange.trading.apply_trade(DeribitFill("alice", "ETH-PERPETUAL", "buy", D(10), D(2_000)))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(10), D(50_000)))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-27DEC24-60000-P", "buy", D("0.1"), D("0.2")))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC_USDC-PERPETUAL", "sell", D("0.001"), D(50_000)))
    names = [p.instrument_name for p in exchange.valuation.positions("alice", currency="BTC")]
    assert names == ["BTC-27DEC24-60000-P", "BTC-PERPETUAL"]
    assert [p.instrument_name for p in exchange.valuation.positions("alice", kind="option")] == ["BTC-27DEC24-60000-P"]
    assert [p.instrument_name for p in exchange.valuation.positions("alice", currency="USDC")] == ["BTC_USDC-PERPETUAL"]
    assert [i.instrument_name for i in exchange.market.instruments(currency="ETH")] == ["ETH-PERPETUAL"]


def test_refusals(exchange):
    with pytest.raises(ExchangeError, match="multiple of 10"):
        exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(15), D(50_000)))
    with pytest.raises(ExchangeError, match="Decimal"):
        exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", 10.0, D(50_000)))  # type: ignore[arg-type]
    with pytest.raises(ExchangeError, match="not an instrument"):
        exchange.trading.apply_trade(DeribitFill("alice", "BTC-NOPE", "buy", D(10), D(50_000)))
    with pytest.raises(ExchangeError):
        exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "hold", D(10), D(50_000)))
    exchange.trading.apply_trade(
        DeribitFill("alice", "ETH-PERPETUAL", "buy", D(10), D(2_000))
    )  # a fill needs no index...
    with pytest.raises(ExchangeError, match="eth_usd") as missing:
        exchange.valuation.position("alice", "ETH-PERPETUAL")  # ...but a valuation does
    assert missing.value.status == 409
    exchange.state.clock.advance(delta=timedelta(days=2))  # type: ignore[attr-defined]
    with pytest.raises(ExchangeError, match="expired"):
        exchange.trading.apply_trade(DeribitFill("alice", "BTC-27DEC24", "buy", D(10), D(50_000)))


def test_time_moves_option_marks(exchange):
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-27DEC24-50000-C", "buy", D(1), D("0.01")))
    early = exchange.valuation.position("alice", "BTC-27DEC24-50000-C").mark_price
    exchange.state.clock.advance(delta=timedelta(hours=12))  # type: ignore[attr-defined]
    later = exchange.valuation.position("alice", "BTC-27DEC24-50000-C").mark_price
    assert later < early  # an at-the-money option loses time value
    exchange.state.clock.advance(delta=timedelta(days=1))  # type: ignore[attr-defined]
    assert (
        exchange.valuation.position("alice", "BTC-27DEC24-50000-C").mark_price == 0
    )  # expired at the money: intrinsic 0


def test_one_event_per_change(exchange):
    seen = []
    exchange.state.bus.subscribe(lambda change: seen.append(change.kind))
    exchange.market.set_index_price("btc_usd", D(51_000))
    exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", "buy", D(10), D(51_000)))
    exchange.market.set_mark_price("BTC-PERPETUAL", D(52_000))
    exchange.market.set_volatility(D("0.7"), instrument_name="BTC-PERPETUAL")
    exchange.cash.move_cash("alice", "BTC", D(1))
    exchange.reset()
    assert seen == [
        "derivatives.index_price",
        "derivatives.instrument",
        "derivatives.trade",
        "derivatives.position",
        "derivatives.mark_price",
        "derivatives.volatility",
        "derivatives.cash",
        "derivatives.reset",
    ]


def test_concurrent_trades_are_applied_whole(exchange):
    def trade(direction: str) -> None:
        for _ in range(200):
            exchange.trading.apply_trade(DeribitFill("alice", "BTC-PERPETUAL", direction, D(10), D(50_000)))

    threads = [threading.Thread(target=trade, args=(side,)) for side in ("buy", "buy", "sell")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert exchange.valuation.position("alice", "BTC-PERPETUAL").size == D(2_000)
    assert len(exchange.state.trades) == 600
    assert sorted(t.trade_seq for t in exchange.state.trades) == list(range(1, 601))
