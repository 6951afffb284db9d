"""The catalogue's commands (core/kalshi/market_commands.py): read from plain values and written back to the same, each
field refused in the words the control plane has always used, a command made in Python checked the same way, and the
control plane's methods and a scenario's steps made of the declarations."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockexchange.control import ControlError
from mockexchange.core.commands import read, write
from mockexchange.core.kalshi.market_commands import (
    CreateMarket,
    DetermineMarket,
    SetBook,
    SetCloseTime,
    SetEvent,
    SetExchangeStatus,
    SetSeries,
    UpdateMarket,
)
from mockexchange.core.kalshi.markets import SettlementSource
from mockexchange.core.values import Refused
from mockexchange.registry import GRAMMAR, control_plane
from mockexchange.scenario.schema import load_document

SERIES = {
    "ticker": "KXCPI", "title": "CPI", "categories": ["Economics"], "tags": [],
    "settlement_sources": [{"name": "BLS", "url": "https://bls.gov"}], "fee_type": "flat", "fee_multiplier": "0.5000",
    "product_metadata": {"unit": "%", "levels": [1, 2, None, True]},
}  # fmt: skip
MARKET = {
    "ticker": "KXCPI-26JAN-T3.5", "event_ticker": "KXCPI-26JAN", "exchange_index": 2, "title": "",
    "open_time": "2026-01-05T10:00:00+00:00", "close_time": "2026-01-06T00:00:00.250000+00:00",
    "settlement_timer_seconds": 0, "can_close_early": False, "floor_strike": "0.00000001", "cap_strike": "-4.250",
    "custom_strike": {"a": "b"},
}  # fmt: skip


BOOK = {"ticker": "M", "yes": [["0.4200", "100.00"], ["0.0001", "0.01"]], "no": []}
STATUS = {"trading_active": False, "exchange_estimated_resume_time": "2026-01-05T10:00:00+00:00"}


@pytest.mark.parametrize(
    ("cls", "plain"), [(SetSeries, SERIES), (CreateMarket, MARKET), (SetBook, BOOK), (SetExchangeStatus, STATUS)]
)
def test_a_command_written_back_is_the_plain_values_it_was_read_from(cls, plain):
    command = read(cls, plain)
    assert write(command) == plain
    assert read(cls, write(command)) == command


def test_values_are_held_in_the_cores_units():
    series, market = read(SetSeries, SERIES), read(CreateMarket, MARKET)
    assert series.settlement_sources == (SettlementSource("BLS", "https://bls.gov"),)
    assert series.fee_multiplier == Decimal("0.5") and str(series.fee_multiplier) == "0.5000"
    assert market.open_time == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert read(SetBook, BOOK).yes == ((4_200, 10_000), (1, 1)) and read(SetBook, BOOK).no == ()
    event = read(SetEvent, {"event_ticker": "E", "strike_date": "2026-01-05T12:00:00+02:00"})
    assert event.strike_date == datetime(2026, 1, 5, 10, tzinfo=UTC) and event.strike_date.tzinfo is UTC


@pytest.mark.parametrize(
    ("cls", "plain", "words"),
    [
        (SetSeries, {"ticker": ""}, "ticker must be a non-empty string of at most 256 characters, not ''"),
        (SetSeries, {"ticker": "S", "title": "x" * 1025}, "title must be a string of at most 1024 characters"),
        (SetSeries, {"ticker": "S", "tags": "Fed"}, "tags must be a list of at most 64 strings, not 'Fed'"),
        (SetSeries, {"ticker": "S", "tags": ["a", ""]}, "tags[1] must be a non-empty string"),
        (SetSeries, {"ticker": "S", "fee_multiplier": "11"}, "fee_multiplier must be a decimal string from 0 to 10"),
        (SetSeries, {"ticker": "S", "fee_multiplier": 1.5}, "fee_multiplier must be a decimal string, not float"),
        (SetSeries, {"ticker": "S", "settlement_sources": [{"name": "n"}]},
         "settlement_sources[0] must be an object of exactly name and url"),
        (SetSeries, {"ticker": "S", "product_metadata": {"x": 1.5}}, "product_metadata.x must be a string, an integer"),
        (SetEvent, {"event_ticker": "E", "collateral_return_type": "NET"}, "collateral_return_type must be one of"),
        (SetEvent, {"event_ticker": "E", "strike_date": "tomorrow"},
         "strike_date must be an ISO 8601 time with a timezone, e.g. 2026-12-09T19:00:00Z: 'tomorrow'"),
        (CreateMarket, {"ticker": "M", "close_time": "9999-06-01T00:00:00Z"},
         "close_time must be from 1970-01-01T00:00:00+00:00 to before 9999-01-01T00:00:00+00:00"),
        (CreateMarket, {"ticker": "M", "exchange_index": None}, "exchange_index must be an integer from 0 to"),
        (CreateMarket, {"ticker": "M", "floor_strike": "1e3"}, "floor_strike is not a decimal number: '1e3'"),
        (CreateMarket, {"ticker": "M", "cap_strike": "1" + "0" * 15}, "cap_strike must be a decimal string of at "),
        (SetBook, {"ticker": "M", "yes": [["0.40"]]}, 'yes[0] must be a [price, count] pair such as ["0.4200"'),
        (SetBook, {"ticker": "M", "no": [["0.40", "0"]]}, "no[0] count must be positive"),
        (SetCloseTime, {"ticker": "M"}, "close_time is required"),
        (DetermineMarket, {"ticker": "M", "result": "maybe"}, "result must be one of 'yes', 'no', not 'maybe'"),
        (SetExchangeStatus, {"trading_active": 0}, "trading_active must be true or false, not 0"),
        (UpdateMarket, {"ticker": "M", "can_close_early": "yes"}, "can_close_early must be true or false, not 'yes'"),
        (UpdateMarket, {"ticker": "M", "close_time": "2026-01-05T09:00:00Z"}, "update_market has no field"),
    ],
)  # fmt: skip
def test_a_value_a_field_does_not_take_is_refused_in_the_control_planes_words(cls, plain, words):
    with pytest.raises(Refused) as refused:
        read(cls, plain)
    assert str(refused.value).startswith(words), str(refused.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SetSeries("S", fee_multiplier=Decimal(11)),
        lambda: SetSeries("S", tags=["a"]),  # a list, where the command holds a tuple
        lambda: SetEvent("E", strike_date=datetime(2026, 1, 5)),  # no timezone
        lambda: CreateMarket("M", floor_strike=Decimal("0.000000001")),
        lambda: UpdateMarket("M", settlement_timer_seconds=-1),
        lambda: SetBook("M", yes=((10_000, 100),)),  # a dollar is no price
    ],
)
def test_a_command_made_in_python_is_checked_as_one_read(make):
    with pytest.raises(Refused):
        make()


def test_the_control_planes_methods_take_the_fields_in_their_order():
    # (the Python API calls them positionally, and state files kept them by these names)
    control = control_plane()
    names = {cls: list(inspect.signature(getattr(control, cls.name)).parameters) for cls in
             (SetSeries, SetEvent, CreateMarket, UpdateMarket)}  # fmt: skip
    assert names[CreateMarket][:5] == ["ticker", "event_ticker", "exchange_index", "title", "subtitle"]
    assert names[SetEvent][:3] == ["event_ticker", "series_ticker", "title"] and len(names[SetEvent]) == 17
    assert len(names[SetSeries]) == 13 and len(names[CreateMarket]) == 27 and len(names[UpdateMarket]) == 23


def test_a_scenarios_market_steps_are_made_into_their_commands_when_read():
    scenario = load_document(
        """
markets:
  - {ticker: KXA-1, floor_strike: 4, close_time: 2027-01-01T00:00:00Z}
steps:
  - market: {ticker: KXA-2, exchange_index: 1}
  - update_market: {ticker: KXA-1, title: Renamed, cap_strike: "5.50"}
  - book: {ticker: KXA-1, no: [["0.45", "3"]]}
  - close_time: {ticker: KXA-1, close_time: 2026-06-01T00:00:00-04:00}
""",
        grammar=GRAMMAR,
    )
    [setup] = scenario.setup
    assert setup.command is None and setup.args == {"ticker": "KXA-1", "floor_strike": 4,
                                                    "close_time": "2027-01-01T00:00:00Z"}  # fmt: skip
    listed, changed, book, moved = (step.command for step in scenario.steps)
    assert listed == CreateMarket("KXA-2", exchange_index=1)
    assert changed == UpdateMarket("KXA-1", title="Renamed", cap_strike=Decimal("5.50"))
    assert book == SetBook("KXA-1", no=((4_500, 300),))
    assert moved == SetCloseTime("KXA-1", datetime(2026, 6, 1, 4, tzinfo=UTC))


def test_a_book_step_without_levels_is_refused_when_read():
    with pytest.raises(ControlError, match="give yes, no or both"):
        load_document("steps:\n  - book: {ticker: KXA-1}\n", grammar=GRAMMAR)
