"""Kalshi's markets on the control plane: series, events and markets listed and changed, their lifecycle moved (pause,
resume, close, a new close time, a result), the house's levels in a market's book, and the exchange's status.

`Control` inherits them: the admin API's `POST /_admin/series`, `/events`, `/markets`, `/markets/update`,
`/markets/pause`, ... (admin/routes.py), the Python API's methods of the same names, the scenario's set-up and steps.
Each takes plain JSON-like values: texts, ISO 8601 times with a timezone, decimal strings for what Kalshi writes as a
JSON number (a fee multiplier, a strike: never a float, so they stay exact), prices and counts as the wire writes them.
The checks are `*_fields` below, also what a scenario file is checked with when it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError
from mockexchange.control.values import (
    boolean,
    check_exchange_time,
    choice,
    decimal,
    integer,
    iso_time,
    optional_text,
    text,
)
from mockexchange.core.kalshi.catalogue import (
    EVENT_FIELDS,
    MARKET_FIELDS,
    MAX_FEE_MULTIPLIER,
    MAX_TIMER_SECONDS,
    SERIES_FIELDS,
)
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, LedgerError
from mockexchange.core.kalshi.fees import FEE_TYPES
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import (
    COLLATERAL_RETURN_TYPES,
    RESULTS,
    SETTLEMENT_BOUNDS_TYPES,
    STRIKE_TYPES,
    Event,
    Market,
    Series,
    SettlementSource,
)
from mockexchange.core.kalshi.price_levels import STRUCTURES
from mockexchange.core.kalshi.units import PRICE, contracts, count_units, price, price_units
from mockexchange.core.money import MoneyError, parse_count, parse_price, shown

MAX_TITLE = 1024  # characters of a title or a short text
MAX_RULES = 16_384  # characters of a market's rules
MAX_URL = 2048
MAX_WORDS = 64  # entries of a list of words (tags, categories, prohibitions) or of settlement sources
MAX_STRIKE = Decimal(10) ** 15  # a strike's magnitude (Kalshi's are prices, rates, counts: far below)
STRIKE_PLACES = 8
MAX_OBJECT_NODES = 256  # values of a free-form object (product metadata, a custom strike), nested ones included
MAX_OBJECT_DEPTH = 4


# -- the values --------------------------------------------------------------------------------------------------------


def plain_text(most: int) -> Callable[[Any, str], str]:
    """A string of at most `most` characters (empty allowed)."""

    def check(value: Any, name: str) -> str:
        if not isinstance(value, str) or len(value) > most:
            raise ControlError(f"{name} must be a string of at most {most} characters, not {shown(value)}")
        return value

    return check


def exchange_time(value: Any, name: str) -> datetime:
    return check_exchange_time(iso_time(value, name), name).astimezone(UTC)


def words(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_WORDS:
        raise ControlError(f"{name} must be a list of at most {MAX_WORDS} strings, not {shown(value)}")
    return [text(item, f"{name}[{i}]") for i, item in enumerate(value)]


def sources(value: Any, name: str) -> list[SettlementSource]:
    """Settlement sources: a list of {"name", "url"} objects."""
    if not isinstance(value, list) or len(value) > MAX_WORDS:
        raise ControlError(f"{name} must be a list of at most {MAX_WORDS} {{name, url}} objects, not {shown(value)}")
    found = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"name", "url"}:
            raise ControlError(f"{name}[{i}] must be an object of exactly name and url, not {shown(item)}")
        found.append(SettlementSource(plain_text(MAX_TITLE)(item["name"], f"{name}[{i}].name"),
                                      plain_text(MAX_URL)(item["url"], f"{name}[{i}].url")))  # fmt: skip
    return found


def json_object(value: Any, name: str) -> dict[str, Any]:
    """A free-form JSON object (strings, integers, booleans, null, lists, objects; numbers with a fraction as strings,
    never floats), within bounds."""
    seen = 0

    def walk(item: Any, depth: int, where: str) -> Any:
        nonlocal seen
        seen += 1
        if seen > MAX_OBJECT_NODES or depth > MAX_OBJECT_DEPTH:
            raise ControlError(f"{name} holds more than {MAX_OBJECT_NODES} values or {MAX_OBJECT_DEPTH} levels")
        if isinstance(item, dict):
            if not all(isinstance(key, str) and len(key) <= MAX_TITLE for key in item):
                raise ControlError(f"{where}'s keys must be strings")
            return {key: walk(inner, depth + 1, f"{where}.{key}") for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner, depth + 1, f"{where}[{i}]") for i, inner in enumerate(item)]
        if isinstance(item, str) and len(item) <= MAX_RULES:
            return item
        if item is None or isinstance(item, bool) or (isinstance(item, int) and abs(item) < 2**63):
            return item
        raise ControlError(f"{where} must be a string, an integer, true/false, null, a list or an object (write a "
                           f'number with a fraction as a string, "4.25"), not {shown(item)}')  # fmt: skip

    if not isinstance(value, dict):
        raise ControlError(f"{name} must be a JSON object, not {shown(value)}")
    return walk(value, 1, name)


def strike(value: Any, name: str) -> Decimal:
    accepted = f"a decimal string of at most {STRIKE_PLACES} places, below {MAX_STRIKE:,} in magnitude"
    found = decimal(value, name, STRIKE_PLACES, accepted)
    if abs(found) >= MAX_STRIKE:
        raise ControlError(f"{name} must be {accepted}, not {shown(value)}")
    return found


def multiplier(value: Any, name: str) -> Decimal:
    accepted = f"a decimal string from 0 to {MAX_FEE_MULTIPLIER}, at most 4 places"
    found = decimal(value, name, 4, accepted)
    if not 0 <= found <= MAX_FEE_MULTIPLIER:
        raise ControlError(f"{name} must be {accepted}, not {shown(value)}")
    return found


def _choice_of(allowed: tuple[str, ...]) -> Callable[[Any, str], str]:
    return lambda value, name: choice(value, name, allowed)


def timer(value: Any, name: str) -> int:
    return integer(value, name, 0, MAX_TIMER_SECONDS)


Checks = Mapping[str, Callable[[Any, str], Any]]
_TITLE = plain_text(MAX_TITLE)
SERIES_CHECKS: Checks = {
    "title": _TITLE, "frequency": _TITLE, "category": _TITLE, "categories": words, "tags": words,
    "settlement_sources": sources, "contract_url": plain_text(MAX_URL), "contract_terms_url": plain_text(MAX_URL),
    "fee_type": _choice_of(FEE_TYPES), "fee_multiplier": multiplier, "additional_prohibitions": words,
    "product_metadata": json_object,
}  # fmt: skip
EVENT_CHECKS: Checks = {
    "title": _TITLE, "sub_title": _TITLE, "collateral_return_type": _choice_of(COLLATERAL_RETURN_TYPES),
    "category": _TITLE, "settlement_sources": sources, "strike_date": exchange_time, "strike_period": _TITLE,
    "fee_type_override": _choice_of(FEE_TYPES), "fee_multiplier_override": multiplier,
    "product_metadata": json_object,
}  # fmt: skip
MARKET_CHECKS: Checks = {
    "title": _TITLE, "subtitle": _TITLE, "yes_sub_title": _TITLE, "no_sub_title": _TITLE,
    "open_time": exchange_time, "close_time": exchange_time, "expected_expiration_time": exchange_time,
    "latest_expiration_time": exchange_time, "settlement_timer_seconds": timer, "can_close_early": boolean,
    "early_close_condition": _TITLE, "rules_primary": plain_text(MAX_RULES), "rules_secondary": plain_text(MAX_RULES),
    "price_level_structure": _choice_of(tuple(STRUCTURES)),
    "settlement_bounds_type": _choice_of(SETTLEMENT_BOUNDS_TYPES), "strike_type": _choice_of(STRIKE_TYPES),
    "floor_strike": strike, "cap_strike": strike, "functional_strike": _TITLE, "custom_strike": json_object,
    "fee_waiver_expiration_time": exchange_time, "occurrence_datetime": exchange_time,
    "primary_participant_key": _TITLE, "is_provisional": boolean,
}  # fmt: skip


# The control plane checks every field the core takes, and no other.
assert set(SERIES_CHECKS) == SERIES_FIELDS and set(EVENT_CHECKS) == EVENT_FIELDS and set(MARKET_CHECKS) == MARKET_FIELDS


def _checked(values: Mapping[str, Any], checks: Checks) -> dict[str, Any]:
    """The values given (not None), each checked."""
    return {name: checks[name](value, name) for name, value in values.items() if value is not None and name in checks}


def series_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return _checked(values, SERIES_CHECKS)


def event_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return _checked(values, EVENT_CHECKS)


def market_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return _checked(values, MARKET_CHECKS)


def levels(value: Any, name: str) -> list[tuple[int, int]] | None:
    """A side's levels as the wire writes them: a list of [price, count] pairs ("0.4200", "100.00"), in units."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 1000:
        raise ControlError(f"{name} must be a list of at most 1000 [price, count] pairs, not {shown(value)}")
    found = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ControlError(f'{name}[{i}] must be a [price, count] pair such as ["0.4200", "100.00"]')
        try:
            found.append((price_units(parse_price(pair[0], f"{name}[{i}] price")),
                          count_units(parse_count(pair[1], f"{name}[{i}] count"))))  # fmt: skip
        except MoneyError as exc:
            raise ControlError(str(exc)) from None
    return found


# -- the answers -------------------------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def market_json(market: Market) -> dict[str, Any]:
    return {
        "ticker": market.ticker, "event_ticker": market.event_ticker, "exchange_index": market.exchange_index,
        "market_id": market.market_id, "status": market.status, "open_time": _when(market.open_time),
        "close_time": _when(market.close_time), "result": market.result or "",
        "settles_at": _when(market.settles_at), "settled_time": _when(market.settled_time),
        "price_level_structure": market.price_level_structure, "book_clock": market.book_clock,
    }  # fmt: skip


def series_json(series: Series) -> dict[str, Any]:
    return {"ticker": series.ticker, "title": series.title, "fee_type": series.fee_type,
            "fee_multiplier": f"{series.fee_multiplier:f}", "events": list(series.events)}  # fmt: skip


def event_json(event: Event) -> dict[str, Any]:
    return {"event_ticker": event.event_ticker, "series_ticker": event.series_ticker, "title": event.title,
            "markets": list(event.markets)}  # fmt: skip


class KalshiMarketOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    def _ledger(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None

    @command()
    def set_series(
        self, ticker: str, title: str | None = None, frequency: str | None = None, category: str | None = None,
        categories: list[str] | None = None, tags: list[str] | None = None,
        settlement_sources: list[dict[str, str]] | None = None, contract_url: str | None = None,
        contract_terms_url: str | None = None, fee_type: str | None = None, fee_multiplier: str | None = None,
        additional_prohibitions: list[str] | None = None, product_metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Create a series, or change the fields given of it. Its `fee_type` and `fee_multiplier` (a decimal string)
        pick the fee its markets' fills pay when they state none."""
        ticker = text(ticker, "ticker")
        values = dict(locals())
        fields = series_fields(values)
        return series_json(self._ledger(lambda: self.ledger.put_series(ticker, fields)))

    @command()
    def set_event(
        self, event_ticker: str, series_ticker: str | None = None, title: str | None = None,
        sub_title: str | None = None, collateral_return_type: str | None = None, category: str | None = None,
        settlement_sources: list[dict[str, str]] | None = None, strike_date: str | None = None,
        strike_period: str | None = None, fee_type_override: str | None = None,
        fee_multiplier_override: str | None = None, product_metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Create an event (in `series_ticker`, made if new; by default its ticker's first dash-separated part), or
        change the fields given of it."""
        event_ticker = text(event_ticker, "event_ticker")
        series_ticker = optional_text(series_ticker, "series_ticker")
        fields = event_fields(dict(locals()))
        return event_json(self._ledger(lambda: self.ledger.put_event(event_ticker, series_ticker, fields)))

    @command()
    def create_market(
        self, ticker: str, event_ticker: str | None = None, exchange_index: int = 0, title: str | None = None,
        subtitle: str | None = None, yes_sub_title: str | None = None, no_sub_title: str | None = None,
        open_time: str | None = None, close_time: str | None = None, expected_expiration_time: str | None = None,
        latest_expiration_time: str | None = None, settlement_timer_seconds: int | None = None,
        can_close_early: bool | None = None, early_close_condition: str | None = None,
        rules_primary: str | None = None, rules_secondary: str | None = None,
        price_level_structure: str | None = None, settlement_bounds_type: str | None = None,
        strike_type: str | None = None, floor_strike: str | None = None, cap_strike: str | None = None,
        functional_strike: str | None = None, custom_strike: dict[str, Any] | None = None,
        fee_waiver_expiration_time: str | None = None, occurrence_datetime: str | None = None,
        primary_participant_key: str | None = None, is_provisional: bool | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """List a market (fills list unknown markets on exchange index 0 by themselves, with defaults:
        docs/known-differences.md, "Markets and market data"), with any of its fields. A market listed already is
        answered as it is when no field is given."""
        ticker = text(ticker, "ticker")
        event_ticker = optional_text(event_ticker, "event_ticker")
        exchange_index = integer(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX)
        fields = market_fields(dict(locals()))
        made = self._ledger(lambda: self.ledger.list_market(ticker, event_ticker, exchange_index, fields or None))
        return market_json(made)

    @command()
    def update_market(
        self, ticker: str, title: str | None = None, subtitle: str | None = None, yes_sub_title: str | None = None,
        no_sub_title: str | None = None, expected_expiration_time: str | None = None,
        latest_expiration_time: str | None = None, settlement_timer_seconds: int | None = None,
        can_close_early: bool | None = None, early_close_condition: str | None = None,
        rules_primary: str | None = None, rules_secondary: str | None = None,
        price_level_structure: str | None = None, settlement_bounds_type: str | None = None,
        strike_type: str | None = None, floor_strike: str | None = None, cap_strike: str | None = None,
        functional_strike: str | None = None, custom_strike: dict[str, Any] | None = None,
        fee_waiver_expiration_time: str | None = None, occurrence_datetime: str | None = None,
        primary_participant_key: str | None = None, is_provisional: bool | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Change the fields given of a market (its close time moves with `set_close_time`). A new
        `price_level_structure` publishes `price_level_structure_updated`."""
        ticker = text(ticker, "ticker")
        fields = market_fields(dict(locals()))
        if not fields:
            raise ControlError("give at least one field to change")
        return market_json(self._ledger(lambda: self.ledger.update_market(ticker, fields)))

    @command()
    def pause_market(self, ticker: str) -> dict[str, Any]:
        """Pause an active market's trading (status `inactive`, `deactivated`)."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.pause_market(ticker)))

    @command()
    def resume_market(self, ticker: str) -> dict[str, Any]:
        """Resume a paused market (`activated`); its book is cleared, as Kalshi cancels resting orders then."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.resume_market(ticker)))

    @command()
    def close_market(self, ticker: str) -> dict[str, Any]:
        """Close a market now (`close_date_updated`; `can_close_early` must allow it); its book is cleared."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.set_close_time(ticker, self.ledger.clock.now())))

    @command()
    def set_close_time(self, ticker: str, close_time: str) -> dict[str, Any]:
        """Move a market's close time: at or before now it closes now; later, a closed market opens again."""
        ticker = text(ticker, "ticker")
        when = exchange_time(close_time, "close_time")
        return market_json(self._ledger(lambda: self.ledger.set_close_time(ticker, when)))

    @command()
    def determine_market(self, ticker: str, result: str) -> dict[str, Any]:
        """The market's result: it closes (if open) and is determined; its positions are paid when its
        `settlement_timer_seconds` end on the exchange clock (`settle` pays at once)."""
        ticker, result = text(ticker, "ticker"), choice(result, "result", RESULTS)
        return market_json(self._ledger(lambda: self.ledger.determine_market(ticker, result)))

    @command()
    def set_book(self, ticker: str, yes: list[Any] | None = None, no: list[Any] | None = None) -> dict[str, Any]:
        """The house's levels in a market's book: `yes` its YES bids, `no` its NO bids, each a list of [price, count]
        as the wire writes them ([["0.4200", "100.00"]]); a side not given keeps its levels, an empty list takes them
        away. One exchange action (one `BookMoved`, the book's clock + 1); levels that would cross are refused."""
        ticker = text(ticker, "ticker")
        yes_levels, no_levels = levels(yes, "yes"), levels(no, "no")
        if yes_levels is None and no_levels is None:
            raise ControlError("give yes, no or both")
        market = self._ledger(lambda: self.ledger.set_levels(ticker, yes_levels, no_levels))
        bids, asks = self.ledger.book_levels(ticker)
        return {**market_json(market), "yes": _wire(bids, False), "no": _wire(asks, True)}

    def exchange_status(self) -> dict[str, Any]:
        """Whether the exchange is active and trades (`GET /exchange/status`'s figures)."""
        with self.ledger.reading():
            status = self.ledger.exchange
            return {"exchange_active": status.exchange_active, "trading_active": status.trading_active,
                    "exchange_estimated_resume_time": _when(status.estimated_resume_time)}  # fmt: skip

    @command()
    def set_exchange_status(
        self,
        exchange_active: bool | None = None,
        trading_active: bool | None = None,
        exchange_estimated_resume_time: str | None = None,
    ) -> dict[str, Any]:
        """Switch the exchange or its trading off and on (what is not given stays; the resume time is set as given).
        While either is off, trading is refused."""
        active = None if exchange_active is None else boolean(exchange_active, "exchange_active")
        trading = None if trading_active is None else boolean(trading_active, "trading_active")
        resume = None
        if exchange_estimated_resume_time is not None:
            resume = exchange_time(exchange_estimated_resume_time, "exchange_estimated_resume_time")
        self.ledger.set_exchange_status(active, trading, resume)
        return self.exchange_status()


def _wire(book_levels: list[tuple[int, int]], no_side: bool) -> list[list[str]]:
    """Levels of the YES book as the wire writes a side's bids: price and count, plain."""
    return [[f"{price(PRICE - p if no_side else p):f}", f"{contracts(size):f}"] for p, size in book_levels]
