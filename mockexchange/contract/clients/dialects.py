"""How each Kalshi client family of the client matrix is called, and under which names and units it hands values back.

A `Dialect` names, for one family (kalshi-sdk; the official generated SDK 3.34.0, sync or async; the official 3.2.0):
the method path of each endpoint or operation it has, the lists a page of it holds, the fields of each record as
(ledger attribute, the client's name, unit) with the units checks.py compares in, the parameters it cannot send and
the capabilities it lacks. An operation missing from `methods` is one the client does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# (ledger attribute, the client's field, unit): how one value is compared. Units:
#   text     equal as JSON gives it (strings, ints, bools)      count    Decimal, 2 places
#   dollars  Decimal at the profile's places (6, legacy 4)      price    Decimal, 4 places
#   balance  Decimal, 4 places truncated                         cents    integer cents, truncated
#   whole    integer contracts, truncated                        time     a datetime equal to the ledger's
#   unix     integer Unix seconds (or null)
Field = tuple[str, str, str]
DOLLAR_PLACES = {"3.34": 6, "legacy": 4}
POSITION_LISTS = ["market_positions", "event_positions"]


@dataclass(frozen=True)
class Dialect:
    """How one client family is called and how it names and types what it parsed."""

    methods: dict[str, str]  # endpoint -> dotted method path on the client
    lists: dict[str, str | list[str]]  # endpoint -> the list(s) a page of it holds
    market: tuple[Field, ...]
    event: tuple[Field, ...]
    fill: tuple[Field, ...]
    settlement: tuple[Field, ...]
    balance: tuple[Field, ...]
    forbidden: Callable[[dict], bool]  # the client's error for a 403
    iterator: str | None = None  # the client's own positions iterator, if it has one
    breakdowns: bool = True  # balance and resting order value carry a per-exchange breakdown
    lacks_params: Mapping[str, frozenset[str]] = field(default_factory=dict)  # endpoint -> parameters it cannot send
    lacks: Mapping[str, str] = field(default_factory=dict)  # capability -> why it does not apply


_FILL_SAME: tuple[Field, ...] = (
    ("fill_id", "fill_id", "text"),
    ("ticker", "ticker", "text"),
    ("side", "side", "text"),
    ("action", "action", "text"),
    ("is_taker", "is_taker", "text"),
    ("created", "created_time", "time"),
)
_MARKET_SAME: tuple[Field, ...] = (("ticker", "ticker", "text"), ("last_updated", "last_updated_ts", "time"))
_SETTLEMENT_SAME: tuple[Field, ...] = (
    ("ticker", "ticker", "text"),
    ("market_result", "market_result", "text"),
    ("revenue", "revenue", "cents"),
    ("fee_cost", "fee_cost", "dollars"),
    ("settled_time", "settled_time", "time"),
)
_MARKET_AMOUNTS = ("market_exposure", "total_traded", "realized_pnl", "fees_paid")
_EVENT_AMOUNTS = ("total_cost", "event_exposure", "realized_pnl", "fees_paid")


def _named(names: tuple[str, ...], unit: str, suffix: str = "") -> tuple[Field, ...]:
    return tuple((name, name + suffix, unit) for name in names)


def _sdk_forbidden(error: dict) -> bool:
    return "KalshiAuthError" in error["mro"] and error["status"] == 403


def _official_forbidden(error: dict) -> bool:
    return error["type"] == "ForbiddenException" and error["status"] == 403


# kalshi-sdk: its own method names and iterators, amounts parsed into Decimals under the short names.
SDK = Dialect(
    methods={
        "positions": "portfolio.positions",
        "fcm_positions": "fcm.positions",
        "balance": "portfolio.balance",
        "fills": "portfolio.fills",
        "settlements": "portfolio.settlements",
        "deposits": "portfolio.deposits",
        "withdrawals": "portfolio.withdrawals",
        "resting": "portfolio.total_resting_order_value",
    },
    lists={"positions": POSITION_LISTS, "fcm_positions": POSITION_LISTS},
    market=(*_MARKET_SAME, ("position", "position", "count"), *_named(_MARKET_AMOUNTS, "dollars")),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares", "count"),
        *_named(_EVENT_AMOUNTS, "dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count", "count"),
        ("yes_price", "yes_price", "price"),
        ("fee", "fee_cost", "dollars"),
    ),
    settlement=(
        *_SETTLEMENT_SAME,
        ("yes_count", "yes_count", "count"),
        ("no_count", "no_count", "count"),
        ("yes_total_cost", "yes_total_cost", "dollars"),
        ("no_total_cost", "no_total_cost", "dollars"),
    ),
    balance=(("balance", "balance", "cents"), ("balance", "balance_dollars", "balance")),
    forbidden=_sdk_forbidden,
    iterator="portfolio.positions_all",
)

_OFFICIAL_METHODS = {
    "positions": "get_positions",
    "fcm_positions": "get_fcm_positions",
    "balance": "get_balance",
    "fills": "get_fills",
    "settlements": "get_settlements",
    "deposits": "get_deposits",
    "withdrawals": "get_withdrawals",
    "resting": "get_portfolio_resting_order_total_value",
}
_OFFICIAL_LISTS: dict[str, str | list[str]] = {
    "positions": POSITION_LISTS,
    "fcm_positions": POSITION_LISTS,
    **{name: name for name in ("fills", "settlements", "deposits", "withdrawals")},
}
_NO_WEBSOCKET = "the package has no websocket client (REST only)"

# kalshi_python_sync / kalshi_python_async 3.34.0: the wire's names, amounts kept as the wire's strings.
OFFICIAL = Dialect(
    methods=_OFFICIAL_METHODS,
    lists=_OFFICIAL_LISTS,
    market=(*_MARKET_SAME, ("position", "position_fp", "count"), *_named(_MARKET_AMOUNTS, "dollars", "_dollars")),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares_fp", "count"),
        *_named(_EVENT_AMOUNTS, "dollars", "_dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count_fp", "count"),
        ("yes_price", "yes_price_dollars", "price"),
        ("fee", "fee_cost", "dollars"),
    ),
    settlement=(
        *_SETTLEMENT_SAME,
        ("yes_count", "yes_count_fp", "count"),
        ("no_count", "no_count_fp", "count"),
        ("yes_total_cost", "yes_total_cost_dollars", "dollars"),
        ("no_total_cost", "no_total_cost_dollars", "dollars"),
    ),
    balance=(("balance", "balance", "cents"), ("balance", "balance_dollars", "balance")),
    forbidden=_official_forbidden,
    lacks={"websocket": _NO_WEBSOCKET},
)

# kalshi_python_sync 3.2.0: the integer fields of late 2025 (cents, whole contracts) beside 4-place dollar strings;
# fewer parameters, no deposits or withdrawals, no breakdowns.
OFFICIAL_3_2 = Dialect(
    methods=_OFFICIAL_METHODS,
    lists=_OFFICIAL_LISTS,
    market=(
        *_MARKET_SAME,
        ("position", "position", "whole"),
        *_named(_MARKET_AMOUNTS, "cents"),
        *_named(_MARKET_AMOUNTS, "dollars", "_dollars"),
    ),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares", "whole"),
        *_named(_EVENT_AMOUNTS, "cents"),
        *_named(_EVENT_AMOUNTS, "dollars", "_dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count", "whole"),
        ("yes_price", "yes_price", "cents"),
        ("yes_price", "yes_price_fixed", "price"),
        ("created", "ts", "unix"),
    ),
    settlement=(
        *_SETTLEMENT_SAME,
        ("yes_count", "yes_count", "whole"),
        ("no_count", "no_count", "whole"),
        ("yes_total_cost", "yes_total_cost", "cents"),
        ("no_total_cost", "no_total_cost", "cents"),
    ),
    balance=(("balance", "balance", "cents"),),
    forbidden=_official_forbidden,
    breakdowns=False,
    lacks_params={
        "positions": frozenset({"settlement_status", "subaccount", "exchange_index"}),
        "fills": frozenset({"subaccount", "exchange_index"}),
        "settlements": frozenset({"subaccount"}),
        "balance": frozenset({"subaccount", "exchange_index"}),
    },
    lacks={
        "websocket": _NO_WEBSOCKET,
        "transfers": "3.2.0 has no get_deposits or get_withdrawals",
    },
)
