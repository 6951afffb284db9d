"""Instrument names in Deribit's convention: parsing, formatting and the contract facts that follow from them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from mockexchange.core.deribit.instruments import (
    PERPETUAL_EXPIRATION_MS,
    InstrumentError,
    instrument_name,
    parse_instrument_name,
    with_facts,
)


def test_inverse_perpetual():
    i = parse_instrument_name("BTC-PERPETUAL")
    assert (i.kind, i.base_currency, i.quote_currency, i.settlement_currency) == ("future", "BTC", "USD", "BTC")
    assert (i.instrument_type, i.settlement_period, i.is_inverse, i.is_perpetual) == (
        "reversed",
        "perpetual",
        True,
        True,
    )
    assert (i.contract_size, i.min_trade_amount, i.tick_size) == (D(10), D(10), D("0.5"))
    assert i.expiration_timestamp == PERPETUAL_EXPIRATION_MS and i.expiration is None
    assert i.price_index == "btc_usd"


def test_eth_contracts_are_one_dollar():
    assert parse_instrument_name("ETH-PERPETUAL").contract_size == D(1)
    assert parse_instrument_name("ETH-27DEC24").contract_size == D(1)


def test_dated_future_expires_at_08_utc_and_knows_its_period():
    i = parse_instrument_name("BTC-27DEC24")  # the last Friday of December 2024
    assert i.expiration == datetime(2024, 12, 27, 8, tzinfo=UTC)
    assert i.expiration_timestamp == 1_735_286_400_000
    assert (i.settlement_period, i.tick_size) == ("month", D("2.5"))
    assert parse_instrument_name("BTC-20DEC24").settlement_period == "week"
    assert parse_instrument_name("BTC-23DEC24").settlement_period == "day"


def test_inverse_option_is_priced_in_its_coin():
    i = parse_instrument_name("BTC-27DEC24-60000-C")
    assert (i.kind, i.strike, i.option_type, i.quote_currency, i.settlement_currency) == (
        "option", D(60_000), "call", "BTC", "BTC",
    )  # fmt: skip
    assert (i.contract_size, i.min_trade_amount, i.counter_currency) == (D(1), D("0.1"), "USD")
    assert parse_instrument_name("ETH-27DEC24-3500-P").option_type == "put"


def test_linear_instruments_settle_in_usdc():
    i = parse_instrument_name("ETH_USDC-PERPETUAL")
    assert (i.instrument_type, i.quote_currency, i.settlement_currency, i.price_index) == (
        "linear", "USDC", "USDC", "eth_usdc",
    )  # fmt: skip
    o = parse_instrument_name("XRP_USDC-30AUG24-0d55-P")
    assert (o.strike, o.base_currency, o.is_inverse) == (D("0.55"), "XRP", False)


@pytest.mark.parametrize(
    "name",
    ["BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-5JAN24", "ETH-27DEC24-3500-P", "XRP_USDC-30AUG24-0d625-C"],
)
def test_names_round_trip(name):
    i = parse_instrument_name(name)
    rebuilt = instrument_name(
        i.base_currency,
        linear=not i.is_inverse,
        expiry=i.expiration.date() if i.expiration else None,
        strike=i.strike,
        option_type=i.option_type,
    )
    assert rebuilt == name


def test_formatting():
    assert instrument_name("BTC", expiry=date(2024, 1, 5)) == "BTC-5JAN24"
    assert instrument_name("BTC", expiry=date(2024, 12, 27), strike=D("60000"), option_type="call") == (
        "BTC-27DEC24-60000-C"
    )
    assert instrument_name("SOL", linear=True, expiry=date(2024, 12, 27), strike=D("0.50"), option_type="put") == (
        "SOL_USDC-27DEC24-0d5-P"
    )
    with pytest.raises(InstrumentError):
        instrument_name("BTC", strike=D(1), option_type="call")


@pytest.mark.parametrize(
    "name",
    [
        "BTC", "BTC-PERP", "btc-perpetual", "BTC-05JAN24", "BTC-31FEB24", "BTC-27XYZ24", "SOL-PERPETUAL",
        "BTC_USDT-PERPETUAL", "BTC-27DEC24-60000", "BTC-27DEC24-0-C", "BTC-27DEC24-60000-X",
    ],
)  # fmt: skip
def test_bad_names_are_refused(name):
    with pytest.raises(InstrumentError):
        parse_instrument_name(name)


def test_with_facts_overrides_contract_facts_only():
    i = with_facts(parse_instrument_name("BTC-PERPETUAL"), tick_size=D("0.1"))
    assert i.tick_size == D("0.1")
    with pytest.raises(InstrumentError):
        with_facts(i, strike=D(1))
