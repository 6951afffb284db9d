"""Derivatives position arithmetic and Black-76, by hand-worked examples, independent oracles and properties."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from decimal import localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.instruments import parse_instrument_name

BTC_PERP = parse_instrument_name("BTC-PERPETUAL")
ETH_PERP = parse_instrument_name("ETH-PERPETUAL")
BTC_USDC = parse_instrument_name("BTC_USDC-PERPETUAL")
BTC_CALL = parse_instrument_name("BTC-27DEC24-60000-C")
BTC_PUT = parse_instrument_name("BTC-27DEC24-60000-P")
USDC_CALL = parse_instrument_name("BTC_USDC-27DEC24-60000-C")

TINY = D("1e-20")


def close(a: D, b: D, tolerance: D = TINY) -> bool:
    return abs(a - b) <= tolerance


def fills(instrument, *rows, index=None) -> d.Position:
    return d.position_from_fills(instrument, [(r[0], D(r[1]), D(r[2])) for r in rows], index_price=index)


# -- inverse futures ----------------------------------------------------------------------------------------------


def test_long_inverse_perpetual_gains_in_coin_when_the_mark_rises():
    # Long 10,000 USD at 50,000, mark 55,000: 10000 * (1/50000 - 1/55000) = 0.2 - 0.181818... = 1/55 BTC.
    p = fills(BTC_PERP, ("buy", 10_000, 50_000))
    assert (p.size, p.direction, p.average_price) == (D(10_000), "buy", D(50_000))
    assert close(d.floating_profit_loss(BTC_PERP, p, D(55_000)), D(1) / D(55))
    # size_currency = 10000 / 55000 = 2/11 BTC
    assert close(d.size_currency(BTC_PERP, p.size, D(55_000)), D(2) / D(11))


def test_short_inverse_perpetual_loses_when_the_mark_rises():
    # Short 10,000 USD at 50,000, mark 55,000: -10000 * (1/50000 - 1/55000) = -1/55 BTC.
    p = fills(BTC_PERP, ("sell", 10_000, 50_000))
    assert (p.size, p.direction) == (D(-10_000), "sell")
    assert close(d.floating_profit_loss(BTC_PERP, p, D(55_000)), -D(1) / D(55))


def test_inverse_average_is_harmonic_so_floating_equals_the_sum_over_fills():
    # Buy 10,000 at 50,000 and 10,000 at 40,000: 1/avg = (10000/50000 + 10000/40000) / 20000 = 0.45 / 20000,
    # avg = 44,444.44...; at mark 45,000: 20000 * (0.45/20000 - 1/45000) = 0.45 - 0.4444... = 0.00555... BTC,
    # = (0.2 - 0.2222...) + (0.25 - 0.2222...) fill by fill.
    p = fills(BTC_PERP, ("buy", 10_000, 50_000), ("buy", 10_000, 40_000))
    assert close(p.average_price, D(20_000) / D("0.45"), D("1e-18"))
    assert close(d.floating_profit_loss(BTC_PERP, p, D(45_000)), D("0.45") - D(20_000) / D(45_000))


def test_reducing_an_inverse_long_realizes_against_the_average_and_keeps_it():
    # Long 20,000 at avg 44,444.44 (1/avg = 0.0000225); sell 5,000 at 50,000:
    # realized = 5000 * (0.0000225 - 0.00002) = 0.0125 BTC; 15,000 left, average unchanged.
    start = fills(BTC_PERP, ("buy", 10_000, 50_000), ("buy", 10_000, 40_000))
    r = d.trade(BTC_PERP, start, "sell", D(5_000), D(50_000))
    assert r.position.size == D(15_000)
    assert r.position.average_price == start.average_price
    assert close(r.realized, D("0.0125"))
    assert r.cash == r.realized  # futures realize into the balance


def test_a_fill_through_zero_closes_and_reopens_at_the_fill_price():
    # Long 10,000 at 50,000; sell 30,000 at 40,000: close 10,000: 10000 * (1/50000 - 1/40000) = 0.2 - 0.25 = -0.05;
    # then short 20,000 at 40,000.
    r = d.trade(BTC_PERP, fills(BTC_PERP, ("buy", 10_000, 50_000)), "sell", D(30_000), D(40_000))
    assert (r.position.size, r.position.direction, r.position.average_price) == (D(-20_000), "sell", D(40_000))
    assert r.realized == D("-0.05")


def test_closing_resets_the_average_to_zero():
    p = fills(BTC_PERP, ("buy", 10_000, 50_000), ("sell", 10_000, 60_000))
    # realized = 10000 * (1/50000 - 1/60000) = 0.2 - 0.1666... = 0.0333... BTC
    assert (p.size, p.direction, p.average_price) == (D(0), "zero", D(0))
    assert close(p.realized_profit_loss, D(1) / D(30))
    assert d.floating_profit_loss(BTC_PERP, p, D(70_000)) == 0


def test_eth_inverse_perpetual():
    # Long 3,000 USD at 2,000, mark 1,500: 3000 * (1/2000 - 1/1500) = 1.5 - 2 = -0.5 ETH; size_currency 3000/1500 = 2.
    p = fills(ETH_PERP, ("buy", 3_000, 2_000))
    assert d.floating_profit_loss(ETH_PERP, p, D(1_500)) == D("-0.5")
    assert d.size_currency(ETH_PERP, p.size, D(1_500)) == D(2)


# -- linear futures -----------------------------------------------------------------------------------------------


def test_linear_perpetual_is_sized_in_coin_and_pays_in_usdc():
    # Buy 0.5 at 60,000 and 0.5 at 62,000: avg 61,000. Mark 63,000: 1 * (63000 - 61000) = 2,000 USDC.
    p = fills(BTC_USDC, ("buy", "0.5", 60_000), ("buy", "0.5", 62_000))
    assert (p.size, p.average_price) == (D(1), D(61_000))
    assert d.floating_profit_loss(BTC_USDC, p, D(63_000)) == D(2_000)
    assert d.size_currency(BTC_USDC, p.size, D(63_000)) == D(1)
    # Sell 0.25 at 64,000: realized 0.25 * (64000 - 61000) = 750 USDC.
    r = d.trade(BTC_USDC, p, "sell", D("0.25"), D(64_000))
    assert (r.realized, r.position.size, r.position.average_price) == (D(750), D("0.75"), D(61_000))


# -- margins and leverage -----------------------------------------------------------------------------------------


def test_inverse_futures_margin_is_a_stepped_fraction_of_the_coin_notional():
    # 100,000 USD at mark 50,000 = 2 BTC. Rates: 2% + 2 * 0.005% = 2.01% initial, 1% + 0.01% = 1.01% maintenance.
    # initial 2 * 0.0201 = 0.0402 BTC, maintenance 2 * 0.0101 = 0.0202 BTC; leverage 1/0.0201 = 49.75 -> 50.
    m = d.margins(BTC_PERP, D(-100_000), D(50_000), D(50_000))
    assert (m.initial_margin, m.maintenance_margin) == (D("0.0402"), D("0.0202"))
    assert d.leverage(BTC_PERP, D(-100_000), D(50_000)) == 50


def test_leverage_falls_as_the_position_grows():
    # 5,000,000 USD at 50,000 = 100 BTC: 2% + 0.5% = 2.5% -> leverage 40; flat: 1/2% = 50.
    assert d.leverage(BTC_PERP, D(5_000_000), D(50_000)) == 40
    assert d.leverage(BTC_PERP, D(0), D(50_000)) == 50


def test_linear_futures_margin_is_in_usdc():
    # 1 BTC at 63,000 = 63,000 USDC notional: initial 2.005% = 1,263.15, maintenance 1.005% = 633.15.
    m = d.margins(BTC_USDC, D(1), D(63_000), D(63_000))
    assert (m.initial_margin, m.maintenance_margin) == (D("1263.15"), D("633.15"))


def test_long_options_need_no_margin():
    assert d.margins(BTC_CALL, D(3), D("0.05"), D(60_000)) == d.Margins(D(0), D(0))


def test_short_out_of_the_money_call_margin_floors_at_ten_percent():
    # Short 2 calls K 60,000, index 50,000, mark 0.01 BTC: OTM 10,000 = 0.2 of the index;
    # initial per coin max(0.15 - 0.2, 0.10) + 0.01 = 0.11 -> 0.22; maintenance (0.075 + 0.01) * 2 = 0.17.
    m = d.margins(BTC_CALL, D(-2), D("0.01"), D(50_000))
    assert (m.initial_margin, m.maintenance_margin) == (D("0.22"), D("0.17"))


def test_short_in_the_money_put_margin():
    # Short 1 put K 60,000, index 50,000 (in the money, OTM 0), mark 0.21: initial 0.15 + 0.21, maintenance 0.285.
    m = d.margins(BTC_PUT, D(-1), D("0.21"), D(50_000))
    assert (m.initial_margin, m.maintenance_margin) == (D("0.36"), D("0.285"))


def test_short_linear_option_margin_in_usdc():
    # Short 1 call K 60,000, index 50,000, mark 500 USDC: max(7500 - 10000, 5000) + 500 = 5,500;
    # maintenance 0.075 * 50000 + 500 = 4,250.
    m = d.margins(USDC_CALL, D(-1), D(500), D(50_000))
    assert (m.initial_margin, m.maintenance_margin) == (D(5_500), D(4_250))


# -- options ------------------------------------------------------------------------------------------------------


def test_inverse_option_pnl_is_in_coin_and_premium_moves_cash():
    # Buy 1 call at 0.05 BTC with the index at 60,000 (3,000 USD). Mark 0.08, index 62,000:
    # floating 1 * (0.08 - 0.05) = 0.03 BTC; in USD 0.08 * 62000 - 3000 = 1,960.
    r = d.trade(BTC_CALL, d.Position(), "buy", D(1), D("0.05"), index_price=D(60_000))
    assert (r.cash, r.position.average_price_usd) == (D("-0.05"), D(3_000))
    assert d.floating_profit_loss(BTC_CALL, r.position, D("0.08")) == D("0.03")
    assert d.floating_profit_loss_usd(BTC_CALL, r.position, D("0.08"), D(62_000)) == D(1_960)
    # Sell 0.4 at 0.07: realized 0.4 * 0.02 = 0.008 BTC, premium received 0.028.
    s = d.trade(BTC_CALL, r.position, "sell", D("0.4"), D("0.07"), index_price=D(62_000))
    assert (s.realized, s.cash, s.position.size) == (D("0.008"), D("0.028"), D("0.6"))


def test_inverse_option_fill_needs_the_index():
    with pytest.raises(ValueError):
        d.trade(BTC_CALL, d.Position(), "buy", D(1), D("0.05"))


def phi(x: float) -> float:
    # Independent oracle: the normal CDF through math.erf (floats are fine in tests).
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize("x", ["-11.5", "-6", "-1.96", "-0.1", "0", "0.1", "1", "1.96", "3.3", "8"])
def test_normal_cdf_agrees_with_erf(x):
    assert abs(float(d.normal_cdf(D(x))) - phi(float(x))) < 1e-15
    if float(x) < -5:  # relative accuracy in the far tail, where 1 - N would cancel
        assert abs(float(d.normal_cdf(D(x))) / (0.5 * math.erfc(-float(x) / math.sqrt(2))) - 1) < 1e-12


def test_black76_textbook_at_the_money_call():
    # F = K = 100, T = 1, sigma = 0.2, r = 0: d1 = 0.1, d2 = -0.1; call = 100 * (N(0.1) - N(-0.1))
    # = 100 * erf(0.1 / sqrt 2) = 7.965567455405796...
    b = d.black76(D(100), D(100), D(1), D("0.2"), "call")
    assert abs(b.price - D("7.965567455405796")) < D("1e-14")
    assert abs(float(b.price) - 100 * math.erf(0.1 / math.sqrt(2))) < 1e-12
    assert abs(float(b.delta) - phi(0.1)) < 1e-15


def test_black76_hull_futures_option_example():
    # Hull, options on futures: F = K = 20, r = 9%, T = 4 months, sigma = 25%: the put (and the call) is 1.12.
    put = d.black76(D(20), D(20), D(4) / D(12), D("0.25"), "put", rate=D("0.09"))
    call = d.black76(D(20), D(20), D(4) / D(12), D("0.25"), "call", rate=D("0.09"))
    assert put.price.quantize(D("0.01")) == D("1.12") == call.price.quantize(D("0.01"))


@pytest.mark.parametrize("forward,strike,years,vol,rate", [(110, 100, "0.5", "0.3", "0.05"), (40_000, 60_000, 2, 1, 0)])
def test_put_call_parity(forward, strike, years, vol, rate):
    # C - P = exp(-rT) (F - K)
    args = (D(forward), D(strike), D(years), D(vol))
    c = d.black76(*args, "call", rate=D(rate))
    p = d.black76(*args, "put", rate=D(rate))
    assert close(c.price - p.price, (-D(rate) * D(years)).exp() * (D(forward) - D(strike)))
    assert close(c.delta - p.delta, (-D(rate) * D(years)).exp())
    assert (c.gamma, c.vega) == (p.gamma, p.vega)
    # theta_C - theta_P = r (C - P): only the discounting of F - K moves with time
    assert close(c.theta - p.theta, D(rate) * (c.price - p.price))


@pytest.mark.parametrize("option_type", ["call", "put"])
@pytest.mark.parametrize(
    "forward,strike,years,vol,rate", [(100, 100, 1, "0.2", 0), (62_000, 60_000, "0.1", "0.55", "0.03")]
)
def test_greeks_match_finite_differences(option_type, forward, strike, years, vol, rate):
    f, k, t, s, r = D(forward), D(strike), D(years), D(vol), D(rate)
    b = d.black76(f, k, t, s, option_type, rate=r)

    def price(**moved) -> D:
        args = {"forward": f, "strike": k, "years": t, "volatility": s, "rate": r} | moved
        return d.black76(option_type=option_type, **args).price

    h = f * D("1e-6")
    delta = (price(forward=f + h) - price(forward=f - h)) / (2 * h)
    gamma = (price(forward=f + h) - 2 * b.price + price(forward=f - h)) / (h * h)
    hs, ht = D("1e-6"), D("1e-7")
    vega = (price(volatility=s + hs) - price(volatility=s - hs)) / (2 * hs)
    theta = -(price(years=t + ht) - price(years=t - ht)) / (2 * ht)
    assert abs(b.delta - delta) < D("1e-9")
    assert abs(b.gamma - gamma) / b.gamma < D("1e-5")
    assert abs(b.vega - vega) / b.vega < D("1e-9")
    assert abs(b.theta - theta) / abs(b.theta) < D("1e-7")


def test_black76_at_expiry_is_intrinsic():
    b = d.black76(D(110), D(100), D(0), D("0.5"), "call")
    assert (b.price, b.delta, b.gamma, b.vega, b.theta) == (D(10), D(1), D(0), D(0), D(0))
    assert d.black76(D(110), D(100), D(0), D("0.5"), "put").price == 0


def test_years_to_expiry_counts_from_the_clock_to_08_utc():
    # BTC-27DEC24 expires 2024-12-27T08:00Z: a day before is 1/365 year; after it, 0.
    assert d.years_to_expiry(BTC_CALL, datetime(2024, 12, 26, 8, tzinfo=UTC)) == D(1) / D(365)
    assert d.years_to_expiry(BTC_CALL, datetime(2024, 12, 27, 8, tzinfo=UTC) + timedelta(seconds=1)) == 0
    with pytest.raises(ValueError):
        d.years_to_expiry(BTC_PERP, datetime(2024, 1, 1, tzinfo=UTC))


def test_option_greeks_in_deribit_units():
    # Inverse option: mark in BTC = Black-76 USD price / index; vega per volatility point, theta per day.
    g = d.option_greeks(BTC_CALL, D(60_000), D(1), D("0.2"))
    b = d.black76(D(60_000), D(60_000), D(1), D("0.2"), "call")
    assert (g.price_usd, g.mark_price, g.delta) == (b.price, b.price / 60_000, b.delta)
    assert (g.vega, g.theta) == (b.vega / 100, b.theta / 365)
    # ATM with F = 60,000: price = 60000 * erf(0.1/sqrt 2) = 60000 * 0.0796556... -> 0.0796556 BTC
    assert abs(float(g.mark_price) - math.erf(0.1 / math.sqrt(2))) < 1e-15
    linear = d.option_greeks(USDC_CALL, D(60_000), D(1), D("0.2"))
    assert linear.mark_price == b.price


def _textbook_black76(forward: D, strike: D, years: D, vol: D, call: bool, rate: D) -> tuple[D, ...]:
    """Black-76 as the mock first wrote it, every term its own: each N(x) its own density, exp(-rT) even at r = 0,
    sqrt(2 pi) made again for each density (the oracle the shared terms must agree with to the last digit)."""
    with localcontext() as ctx:
        ctx.prec = 50
        pi = D("3.14159265358979323846264338327950288419716939937510582097494")

        def pdf(x: D) -> D:
            return D(0) if abs(x) > 12 else (-(x * x) / 2).exp() / (2 * pi).sqrt()

        def cdf(x: D) -> D:
            if abs(x) > 12:
                return D(1) if x > 0 else D(0)
            ax = term = total = abs(x)
            k, square = 1, ax * ax
            while term > D(10) ** -55 * total:
                term = term * square / (2 * k + 1)
                total += term
                k += 1
            upper = D("0.5") + pdf(ax) * total
            return upper if x >= 0 else 1 - upper

        root_t = years.sqrt()
        spread = vol * root_t
        d1 = ((forward / strike).ln() + vol * vol * years / 2) / spread
        d2 = d1 - spread
        discount = (-rate * years).exp()
        if call:
            price = discount * (forward * cdf(d1) - strike * cdf(d2))
            delta = discount * cdf(d1)
        else:
            price = discount * (strike * cdf(-d2) - forward * cdf(-d1))
            delta = -discount * cdf(-d1)
        density = pdf(d1)
        gamma = discount * density / (forward * spread)
        vega = discount * forward * density * root_t
        theta = rate * price - discount * forward * density * vol / (2 * root_t)
    return +price, +delta, +gamma, +vega, +theta


@pytest.mark.parametrize("rate", [D(0), D("0.05")])
def test_black76_agrees_to_the_last_digit_with_every_term_its_own(rate):
    # Strikes deep in and far out of the money (|d| past the CDF's cut-off), expiries from a second to years, vols
    # from 1% to 500%: every output equal, all 28 digits.
    for strike in ("1000", "30000", "59000", "60000", "60000.5", "61000", "90000", "1000000"):
        for years in ("0.00000003", "0.0027397260273972602739726027", "0.0833", "0.5", "2.5"):
            for vol in ("0.01", "0.3", "0.8", "5"):
                for option_type in ("call", "put"):
                    args = (D(60_000), D(strike), D(years), D(vol))
                    b = d.black76(*args, option_type, rate)
                    expected = _textbook_black76(*args, option_type == "call", rate)
                    assert (b.price, b.delta, b.gamma, b.vega, b.theta) == expected, (strike, years, vol, option_type)


def test_an_option_is_valued_once_for_one_set_of_inputs_and_again_when_any_moves():
    years = d.years_to_expiry(BTC_CALL, datetime(2024, 12, 20, 3, 4, 5, 678901, tzinfo=UTC))
    first = d.option_greeks(BTC_CALL, D(60_000), years, D("0.5"))
    assert d.option_greeks(BTC_CALL, D(60_000), years, D("0.5")) is first  # remembered
    a_microsecond_on = d.years_to_expiry(BTC_CALL, datetime(2024, 12, 20, 3, 4, 5, 678902, tzinfo=UTC))
    assert a_microsecond_on < years
    for moved in ((BTC_CALL, D(60_000), a_microsecond_on, D("0.5")), (BTC_CALL, D("59999.99"), years, D("0.5"))):
        assert d.option_greeks(*moved).mark_price < first.mark_price
    assert d.option_greeks(BTC_CALL, D(60_000), years, D("0.51")).mark_price > first.mark_price
    assert d.option_mark(BTC_CALL, D(60_000), years, D("0.5")) == first.mark_price


# -- properties ---------------------------------------------------------------------------------------------------

PRICES = st.integers(min_value=1_000, max_value=200_000).map(D)
DIRECTIONS = st.sampled_from(["buy", "sell"])


def fill_lists(amounts):
    return st.lists(st.tuples(DIRECTIONS, amounts, PRICES), min_size=1, max_size=25)


INVERSE_FILLS = fill_lists(st.integers(min_value=1, max_value=10_000).map(lambda n: D(n * 10)))
COIN_FILLS = fill_lists(st.integers(min_value=1, max_value=5_000).map(lambda n: D(n) / 1000))


@settings(max_examples=200, deadline=None)
@given(INVERSE_FILLS, PRICES)
def test_inverse_position_is_the_signed_sum_and_pnl_is_the_sum_over_fills(rows, mark):
    p = d.position_from_fills(BTC_PERP, rows)
    assert p.size == sum((d.signed_amount(r[0], r[1]) for r in rows), D(0))
    assert p.direction == ("buy" if p.size > 0 else "sell" if p.size < 0 else "zero")
    # realized + floating = sum over fills of signed_i * (1/p_i - 1/mark)
    expected = sum((d.signed_amount(r[0], r[1]) * (1 / r[2] - 1 / mark) for r in rows), D(0))
    total = p.realized_profit_loss + d.floating_profit_loss(BTC_PERP, p, mark)
    assert abs(total - expected) < D("1e-15")


@settings(max_examples=200, deadline=None)
@given(COIN_FILLS, PRICES)
def test_linear_position_is_the_signed_sum_and_pnl_is_the_sum_over_fills(rows, mark):
    p = d.position_from_fills(BTC_USDC, rows)
    assert p.size == sum((d.signed_amount(r[0], r[1]) for r in rows), D(0))
    expected = sum((d.signed_amount(r[0], r[1]) * (mark - r[2]) for r in rows), D(0))
    assert abs(p.realized_profit_loss + d.floating_profit_loss(BTC_USDC, p, mark) - expected) < D("1e-15")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DIRECTIONS, st.integers(1, 50).map(lambda n: D(n) / 10),
                          st.integers(1, 400).map(lambda n: D(n) / 2000)), min_size=1, max_size=25),
       st.integers(1, 400).map(lambda n: D(n) / 2000))  # fmt: skip
def test_option_premiums_plus_value_equal_realized_plus_floating(rows, mark):
    position, cash = d.Position(), D(0)
    for direction, amount, price in rows:
        r = d.trade(BTC_CALL, position, direction, amount, price, index_price=D(50_000))
        position, cash = r.position, cash + r.cash
        if position.size != 0:
            lows = [x[2] for x in rows]
            assert min(lows) <= position.average_price <= max(lows)
    assert close(cash + d.option_value(position, mark), position.realized_profit_loss + d.floating_profit_loss(
        BTC_CALL, position, mark))  # fmt: skip
