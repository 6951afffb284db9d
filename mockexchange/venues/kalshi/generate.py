"""Generated responses: schema-valid answers to the sliced Kalshi operations, chosen to break parsers.

The walk follows the operation's 200 response schema in the committed OpenAPI slice ($refs, allOf/oneOf/anyOf,
nullable, enums, formats) and picks each value by what the field is (a `FixedPointDollars` string, a count, a ticker,
a Unix time, ...) and by the response's stress profile. One profile per response, so a failure names its cause:

- `typical`: values as Kalshi prints them (dollars with 6 places, prices and balances with 4, counts with 2), every
  optional field present; the baseline.
- `empty`: every list empty, one page.
- `long`: full pages of `limit` rows (at most `LONG_ROWS`), several of them.
- `sparse`: every optional field absent (an optional `cursor` too, on the last page).
- `amounts`: money strings with 0 to 6 places (the spec's "up to 6") at the extremes: 0.000001, 99999999.999999,
  negative P&L, prices of 0.0001 and 0.999999; counts of 0.01, fractions and 99999999.99 (always 2 places, as the
  spec says); integer cents past 2**31 and 2**32.
- `strings`: tickers 100+ characters long, dotted, without the KX prefix, non-ASCII; date-times with 0 to 9
  fractional digits (Go's RFC 3339 printing); unusual transfer ids.
- `nulls`: every nullable field null.
- `pages`: cursor chains of 3 to 6 pages whose pages have any length from 0 to `limit`: short and empty pages carry
  a cursor, and the chain ends with "" whatever the last page's length.

Values stay within what Kalshi could plausibly send (and the schema allows): a page never has more rows than
`limit`, filters in the query (ticker, event_ticker, exchange_index, subaccount, order_id, min_ts/max_ts) are
honoured, lists in time order are newest first, twins agree (`trade_id` = `fill_id`, `no_price` = 1 - `yes_price`,
`book_side` follows `outcome_side`). Non-ASCII tickers are the one stretch: Kalshi has not been seen sending them.

An answer is a pure function of (seed, operation, request number, query): the same (seed, n) pair always gives the
same body. A paginated answer starts a chain; its cursor names the chain, so a request carrying it gets the next page
of that chain whatever its own number, and every chain ends.
"""

from __future__ import annotations

import base64
import binascii
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from mockexchange.core.kalshi import markets
from mockexchange.core.money import ONE, fixed, to_cents
from mockexchange.core.numbers import IntegerError, parse_int
from mockexchange.schema.refs import operations_by_id, resolve
from mockexchange.schema.specs import SpecError, kalshi_slice_path, load_spec
from mockexchange.venues.kalshi import render
from mockexchange.venues.kalshi.params import first_of

PROFILES: tuple[str, ...] = ("typical", "empty", "long", "sparse", "amounts", "strings", "nulls", "pages")
LONG_ROWS = 300  # a "long" page: `limit` rows, but no more than this (a few hundred is enough to break length checks)
PAGES_ROWS = 50  # the most rows a page of the `pages` profile has
WIRE_PROFILES = ("3.34", "legacy")

_CURSOR_PREFIX = "mxgen1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST_US = 1_704_067_200 * 1_000_000  # 2024-01-01: chains start between here and _LATEST_US
_LATEST_US = 1_780_272_000 * 1_000_000  # 2026-06-01
_PAGE_SPAN_US = 20 * 86_400 * 1_000_000  # each page of a time-ordered chain covers 20 days, older page after page
_MONEY_KINDS = frozenset({"FixedPointDollars", "FixedPointCount"})
# Integer cents (the integer twins of the legacy profile are cents too).
_CENTS = frozenset({"balance", "portfolio_value", "amount_cents", "fee_cents", "revenue", "total_resting_order_value"})
# Money strings Kalshi prints with 4 places (prices and balances); the rest get 6.
_FOUR_PLACES = frozenset({"yes_price_dollars", "no_price_dollars", "balance_dollars", "balance"})
_PRICES = frozenset({"yes_price_dollars", "no_price_dollars"})
_SIGNED = frozenset({"position_fp", "realized_pnl_dollars"})
# The lists whose rows are one per market (a ticker appears once); fills repeat markets.
_ONE_ROW_PER_MARKET = frozenset({"market_positions", "settlements"})
# The lists in time order, newest first, and the field that orders them.
_TIME_ORDERED = {"fills": "ts", "settlements": "settled_time", "deposits": "created_ts", "withdrawals": "created_ts"}
_EXTREME_CENTS = (0, 1, 2**31 - 1, 2**31, 2**32 + 1, 10**12)
_EVENT_STEMS = ("KXFED", "KXHIGHNY", "KXBTCD", "KXCPI", "KXNFLGAME", "KXPRES", "KXGDP", "KXRAIN")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# The `strings` profile's event tickers: long multivariate-style, old style without KX, dotted, non-ASCII.
_UNUSUAL_EVENTS = (
    "KXMVECROSSCATEGORY-S2026" + "0F3A1B2C3D4E5F60718293A4B5C6D7E8F9" * 2,
    "FED-23DEC",
    "INXD-24DEC31",
    "KXHIGHNY-26JAN15",
    "KXÉLECTION-26ZÜRICH",
    "KX東京-26",
)
_UNUSUAL_SUFFIXES = ("B32.5", "T94999.99", "T-0.25", "S2026" + "9" * 60, "YES")

Row = dict[str, Any]


class GeneratedCursorError(ValueError):
    """A cursor that is not one of this generator's (or belongs to another operation)."""


@dataclass(frozen=True, slots=True)
class Generated:
    body: Row
    profile: str
    page: int  # 0 for the first page of a chain (and for every unpaginated answer)
    origin: int  # the request number that started the chain


def generate_response(
    document: Mapping[str, Any],
    operation_id: str,
    seed: int,
    n: int,
    query: Mapping[str, str] | None = None,
    wire_profile: str = "3.34",
) -> Row:
    """The body of the `n`th generated answer to `operation_id` under `seed`."""
    return generate(document, operation_id, seed, n, query, wire_profile).body


def generate(
    document: Mapping[str, Any],
    operation_id: str,
    seed: int,
    n: int,
    query: Mapping[str, str] | None = None,
    wire_profile: str = "3.34",
) -> Generated:
    """The `n`th generated answer to `operation_id` under `seed`, with the profile it was made under."""
    if wire_profile not in WIRE_PROFILES:
        raise ValueError(f"unknown wire profile {wire_profile!r}; known: {', '.join(WIRE_PROFILES)}")
    shape = _shape(document, operation_id)
    values = first_of(query or {})
    origin, page = n, 0
    if shape.paginated and values.get("cursor"):
        seed, origin, page = decode_cursor(values["cursor"], operation_id)
    plan = _plan(shape, seed, origin)
    if page >= plan.pages:
        raise GeneratedCursorError("cursor points past the end of its chain")
    draw = _Draw(
        document=document,
        rng=random.Random(f"{seed}:{operation_id}:{origin}:{page}"),
        profile=plan.profile,
        legacy=wire_profile == "legacy",
        filters=_Filters.of(values),
        window=_window(plan.base_us, page),
        serial=page * 10_000,
    )
    body = draw.response(shape)
    if shape.paginated:
        more = page + 1 < plan.pages
        if more:
            body["cursor"] = encode_cursor(seed, operation_id, origin, page + 1)
        elif plan.profile == "sparse" and not shape.cursor_required:
            body.pop("cursor", None)  # an optional cursor left out: the end, as Go's omitempty would say it
        else:
            body["cursor"] = ""
    return Generated(body, plan.profile, page, origin)


def profiles_for(document: Mapping[str, Any], operation_id: str) -> tuple[str, ...]:
    """The stress profiles that change something in this operation's answer."""
    return _shape(document, operation_id).profiles


@cache
def kalshi_document() -> dict[str, Any]:
    """The committed OpenAPI slice, read once per process."""
    return load_spec(str(kalshi_slice_path("openapi.yaml")))


def encode_cursor(seed: int, operation_id: str, origin: int, page: int) -> str:
    raw = f"{_CURSOR_PREFIX}:{seed}:{operation_id}:{origin}:{page}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, operation_id: str) -> tuple[int, int, int]:
    """(seed, origin, page) of a generated cursor; `GeneratedCursorError` says why a cursor is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, seed, operation, origin, page = text.split(":")
        numbers = parse_int(seed, signs="+-"), parse_int(origin), parse_int(page)
    except (binascii.Error, UnicodeDecodeError, ValueError):  # IntegerError is a ValueError
        raise GeneratedCursorError("cursor is not one the generated-responses mode issued") from None
    if prefix != _CURSOR_PREFIX:
        raise GeneratedCursorError("cursor is not one the generated-responses mode issued")
    if operation != operation_id:
        raise GeneratedCursorError(f"cursor was issued by {operation}, not {operation_id}")
    return numbers


# -- what an operation answers ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _OperationShape:
    operation_id: str
    schema: Any  # the 200 response schema, $refs unresolved
    paginated: bool  # a top-level `cursor`
    cursor_required: bool
    profiles: tuple[str, ...]


_shapes: dict[tuple[int, str], _OperationShape] = {}
_documents: dict[int, Mapping[str, Any]] = {}  # held, so the id() keys of the caches are never reused


def _shape(document: Mapping[str, Any], operation_id: str) -> _OperationShape:
    key = (id(document), operation_id)
    if key not in _shapes:
        _documents[id(document)] = document
        found = operations_by_id(document).get(operation_id)
        if found is None:
            raise SpecError(f"the slice has no operation {operation_id}")
        _, _, operation = found
        response = _deref(document, operation.get("responses", {}).get("200", {}))[0]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            raise SpecError(f"{operation_id} has no JSON 200 response in the slice")
        top = _deref(document, schema)[0]
        paginated = "cursor" in top.get("properties", {})
        features: set[str] = set()
        _features(document, schema, "", features, 0)
        wanted = {
            "typical": True,
            "empty": "array" in features,
            "long": "array" in features,
            "sparse": "optional" in features,
            "amounts": "money" in features,
            "strings": "text" in features,
            "nulls": "nullable" in features,
            "pages": paginated,
        }
        profiles = tuple(p for p in PROFILES if wanted[p])
        _shapes[key] = _OperationShape(operation_id, schema, paginated, "cursor" in top.get("required", []), profiles)
    return _shapes[key]


def _features(document: Mapping[str, Any], node: Any, name: str, found: set[str], depth: int) -> None:
    if depth > 20:
        return
    node, kind = _deref(document, node)
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key, []):
            _features(document, part, name, found, depth + 1)
    if node.get("nullable"):
        found.add("nullable")
    kind_of = node.get("type") or ("object" if "properties" in node else None)
    if kind in _MONEY_KINDS or name in _CENTS:
        found.add("money")
    elif kind_of == "string" and "enum" not in node and name != "cursor":
        found.add("text")
    if kind_of == "array":
        found.add("array")
        _features(document, node.get("items", {}), name, found, depth + 1)
    for prop, child in node.get("properties", {}).items():
        if prop not in node.get("required", []) and not (depth == 0 and prop == "cursor"):
            found.add("optional")
        _features(document, child, prop, found, depth + 1)


def _deref(document: Mapping[str, Any], node: Any) -> tuple[Any, str | None]:
    """The node with its $refs followed, and the name of the first named schema on the way (`FixedPointDollars`)."""
    if not isinstance(node, dict) or "$ref" not in node:
        return (node if isinstance(node, dict) else {}), None
    key = (id(document), node["$ref"])
    if key not in _derefs:  # a walk follows the same few $refs thousands of times
        _derefs[key] = _follow(document, node)
    return _derefs[key]


_derefs: dict[tuple[int, str], tuple[Any, str | None]] = {}


def _follow(document: Mapping[str, Any], node: dict[str, Any]) -> tuple[Any, str | None]:
    """The node a `$ref` leads to, and the name of the first component it names (what the value is)."""
    target = resolve(document, node)
    return (target if isinstance(target, dict) else {}), node["$ref"].rsplit("/", 1)[-1]


# -- one chain, one page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    profile: str
    pages: int
    base_us: int  # the newest instant of a time-ordered chain


def _plan(shape: _OperationShape, seed: int, origin: int) -> _Plan:
    # Profiles rotate with seed + n, so consecutive seeds (fuzz-client runs) meet every profile on their first request.
    profile = shape.profiles[(seed + origin) % len(shape.profiles)]
    rng = random.Random(f"{seed}:{shape.operation_id}:{origin}:plan")
    pages = 1
    if shape.paginated:
        low, high = {"typical": (1, 3), "empty": (1, 1), "long": (2, 4), "pages": (3, 6)}.get(profile, (1, 2))
        pages = rng.randint(low, high)
    return _Plan(profile, pages, rng.randint(_EARLIEST_US, _LATEST_US))


def _window(base_us: int, page: int) -> tuple[int, int]:
    newest = base_us - page * _PAGE_SPAN_US
    return newest - _PAGE_SPAN_US + 1, newest


@dataclass(frozen=True, slots=True)
class _Filters:
    """The query filters a real server applies to the rows it returns; generated rows honour them."""

    limit: int
    tickers: tuple[str, ...]
    event_tickers: tuple[str, ...]  # one since 3.x; the legacy profile takes a comma list
    exchange_index: int | None
    subaccount: int | None
    order_id: str | None
    min_ts: int | None
    max_ts: int | None

    @classmethod
    def of(cls, values: Mapping[str, str]) -> _Filters:
        limit = _int(values.get("limit"))
        tickers = tuple(t.strip() for t in (values.get("ticker") or "").split(",") if t.strip())
        return cls(
            limit=min(max(limit if limit is not None else 100, 1), 1000),
            tickers=tickers,
            event_tickers=tuple(t.strip() for t in (values.get("event_ticker") or "").split(",") if t.strip()),
            exchange_index=_int(values.get("exchange_index")),
            subaccount=_int(values.get("subaccount")),
            order_id=values.get("order_id") or None,
            min_ts=_int(values.get("min_ts")),
            max_ts=_int(values.get("max_ts")),
        )


def _int(text: str | None) -> int | None:
    try:
        return parse_int(text, signs="+-") if text else None
    except IntegerError:
        return None


@dataclass
class _Draw:
    """The state of one page being generated."""

    document: Mapping[str, Any]
    rng: random.Random
    profile: str
    legacy: bool
    filters: _Filters
    window: tuple[int, int]  # microseconds since the epoch, both ends included
    serial: int  # numbers market tickers, unique along a chain
    list_name: str | None = None
    event: str | None = None  # the event the next market of a one-row-per-market list belongs to
    events: dict[str, str] = field(default_factory=dict)  # market ticker -> event ticker
    markets: list[str] = field(default_factory=list)  # the markets fills are drawn from

    def response(self, shape: _OperationShape) -> Row:
        top, _ = _deref(self.document, shape.schema)
        body: Row = {}
        required = set(top.get("required", []))
        for name, prop in top.get("properties", {}).items():
            if name == "event_positions":
                continue  # follows the market positions (below)
            if name not in required and self.profile == "sparse" and name != "cursor":
                continue
            node, _ = _deref(self.document, prop)
            if node.get("type") == "array":
                body[name] = self.rows(name, node.get("items", {}), shape.paginated)
            else:
                body[name] = self.value(prop, name)
        if "event_positions" in top.get("properties", {}):
            body["event_positions"] = self.event_positions(top["properties"]["event_positions"], body)
        if "balance_dollars" in body and "balance" in body:
            body["balance"] = to_cents(Decimal(body["balance_dollars"]))  # the two figures of one balance agree
        return {name: body[name] for name in top.get("properties", {}) if name in body}

    # -- lists

    def rows(self, name: str, items: Any, paginated: bool) -> list[Any]:
        if not paginated:
            return self.breakdown(items)
        self.list_name = name
        count = self.row_count(name)
        rows = [self.value(items, name) for _ in range(count)]
        if name in _TIME_ORDERED:
            self.in_time_order(rows, self.instants(count))
        self.list_name = None
        return rows

    def row_count(self, name: str) -> int:
        limit, rng = self.filters.limit, self.rng
        if self.profile == "empty":
            return 0
        if name in _TIME_ORDERED and not self.in_range():
            return 0
        if self.profile == "long":
            count = min(limit, LONG_ROWS)
        elif self.profile == "pages":
            count = rng.randint(0, min(limit, PAGES_ROWS))
        else:
            count = rng.randint(1, min(limit, 25))
        if name in _ONE_ROW_PER_MARKET and self.filters.tickers:
            count = min(count, len(self.filters.tickers))  # one row per market asked for
        return count

    def breakdown(self, items: Any) -> list[Any]:
        """Per exchange index: one row per index, the one asked for when the query names one."""
        if self.filters.exchange_index is not None:
            indexes = [self.filters.exchange_index] if self.profile != "empty" else []
        else:
            indexes = list(range({"empty": 0, "long": 16}.get(self.profile, self.rng.randint(1, 2))))
        rows = []
        for index in indexes:
            row = self.value(items, "")
            if isinstance(row, dict) and "exchange_index" in row:
                row["exchange_index"] = index
            rows.append(row)
        return rows

    def event_positions(self, prop: Any, body: Row) -> list[Any]:
        """One roll-up per event of the page's market positions, in their order, as Kalshi sends them."""
        node, _ = _deref(self.document, prop)
        seen: list[str] = []
        for row in body.get("market_positions", []):
            event = self.event_of(row["ticker"])
            if event not in seen:
                seen.append(event)
        self.list_name = "event_positions"
        rows = []
        for event in seen:
            row = self.value(node.get("items", {}), "event_positions")
            row["event_ticker"] = event
            rows.append(row)
        self.list_name = None
        return rows

    def in_range(self) -> bool:
        low, high = self.time_bounds()
        return low <= high

    def time_bounds(self) -> tuple[int, int]:
        low, high = self.window
        if self.filters.min_ts is not None:
            low = max(low, self.filters.min_ts * 1_000_000)
        if self.filters.max_ts is not None:
            high = min(high, self.filters.max_ts * 1_000_000 + 999_999)
        return low, high

    def instants(self, count: int) -> list[int]:
        low, high = self.time_bounds()
        return sorted((self.rng.randint(low, high) for _ in range(count)), reverse=True)

    def in_time_order(self, rows: list[Any], instants: list[int]) -> None:
        for row, us in zip(rows, instants, strict=True):
            if not isinstance(row, dict):
                continue
            if "ts" in row:
                row["ts"] = us // 1_000_000
            for name in ("created_time", "settled_time"):
                if name in row:
                    row[name] = self.date_time(us)
            if "created_ts" in row:
                row["created_ts"] = us // 1_000_000
            if row.get("finalized_ts") is not None:
                # Pending transfers have not been finalized; the others were, after they were created.
                finalized = row["created_ts"] + self.rng.randint(0, 3 * 86_400)
                row["finalized_ts"] = None if row.get("status") == "pending" else finalized

    # -- values

    def value(self, node: Any, name: str, depth: int = 0) -> Any:
        if depth > 20:
            return None
        node, kind = _deref(self.document, node)
        if "allOf" in node:
            return self.value(_merge(self.document, node), name, depth + 1)
        for key in ("oneOf", "anyOf"):
            if node.get(key):
                return self.value(self.rng.choice(node[key]), name, depth + 1)
        if node.get("nullable") and self.profile == "nulls":
            return None
        if "enum" in node:
            return self.rng.choice(node["enum"])
        kind_of = node.get("type") or ("object" if "properties" in node else None)
        if kind_of == "object":
            return self.obj(node, depth)
        if kind_of == "array":
            return [self.value(node.get("items", {}), name, depth + 1) for _ in range(self.rng.randint(0, 3))]
        if kind_of == "string":
            return self.string(name, kind, node.get("format"))
        if kind_of in ("integer", "number"):  # never a float: an integer is a valid JSON number
            if "maximum" in node:  # a bounded one (a percent) within its bounds
                return self.rng.randint(node.get("minimum", 0), node["maximum"])
            return self.integer(name)
        if kind_of == "boolean":
            return self.rng.random() < 0.5
        return None

    def obj(self, node: Mapping[str, Any], depth: int) -> Row:
        required = set(node.get("required", []))
        row: Row = {}
        for name, prop in node.get("properties", {}).items():
            if name not in required and self.profile == "sparse":
                continue
            row[name] = self.value(prop, name, depth + 1)
        self.agree(row)
        if self.legacy:
            resting = self.rng.randint(0, 3) if "position_fp" in row else 0
            render.add_legacy_twins(row, resting)
        return row

    def agree(self, row: Row) -> None:
        """Fields that say the same thing twice say it the same way, as on the real wire."""
        if "ticker" in row and "market_ticker" in row:
            row["market_ticker"] = row["ticker"]
        if "fill_id" in row and "trade_id" in row:
            row["trade_id"] = row["fill_id"]
        if "ticker" in row and "event_ticker" in row:
            row["event_ticker"] = self.event_of(row["ticker"])
        if "outcome_side" in row:
            outcome = row["outcome_side"]
            if "book_side" in row:
                row["book_side"] = "bid" if outcome == "yes" else "ask"
            if "side" in row and "action" in row:
                # buy YES or sell NO positions for yes; buy NO or sell YES for no
                row["side"] = outcome if row["action"] == "buy" else ("no" if outcome == "yes" else "yes")
        if "yes_price_dollars" in row and "no_price_dollars" in row:
            yes = Decimal(row["yes_price_dollars"])
            places = -int(yes.as_tuple().exponent)
            row["no_price_dollars"] = fixed(ONE - yes, places)
        if row.get("value") is not None and "market_result" in row:
            result = row["market_result"]
            row["value"] = 100 if result == "yes" else 0 if result == "no" else self.rng.randint(0, 100)
        if self.list_name == "fills":
            if self.filters.order_id is not None and "order_id" in row:
                row["order_id"] = self.filters.order_id
            if self.filters.subaccount is not None and "subaccount_number" in row:
                row["subaccount_number"] = self.filters.subaccount

    def string(self, name: str, kind: str | None, fmt: str | None) -> str:
        if kind == "FixedPointDollars" or name.endswith("_dollars"):
            return self.dollars(name)
        if kind == "FixedPointCount" or name.endswith("_fp"):
            return self.count(name)
        if fmt == "date-time":
            return self.date_time(self.rng.randint(*self.window))
        if name in ("ticker", "market_ticker"):
            return self.market()
        if name == "event_ticker":
            return self.event_ticker()
        if name == "cursor":
            return ""  # the page decides
        if name == "id" and self.profile == "strings":
            # Transfer ids have no documented format: not every id is a UUID.
            return self.rng.choice(("0", "x" * 200, "dép-ôt-1", uuid.UUID(int=self.rng.getrandbits(128)).hex))
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def integer(self, name: str) -> int:
        rng = self.rng
        if name == "exchange_index":
            return self.filters.exchange_index if self.filters.exchange_index is not None else rng.choice((0, 1))
        if name == "subaccount_number":
            return rng.choice((0, 63)) if self.profile == "amounts" else rng.randint(0, 3)
        if name == "ts" or name.endswith("_ts"):
            return rng.randint(*self.window) // 1_000_000
        if name == "value":
            return rng.randint(0, 100)
        if name in _CENTS:
            return rng.choice(_EXTREME_CENTS) if self.profile == "amounts" else rng.randint(0, 10_000_000)
        return rng.randint(0, 1000)

    def dollars(self, name: str) -> str:
        rng = self.rng
        places = 4 if self.legacy or name in _FOUR_PLACES else 6
        if name in _PRICES:
            if self.profile == "amounts":
                places = rng.choice((1, 2, 4, 6))
                units = rng.choice((1, 10**places - 1, rng.randint(1, 10**places - 1)))
            else:
                units = rng.randint(1, 99) * 10 ** (places - 2)  # whole cents, as most markets tick
            return fixed(Decimal(units).scaleb(-places), places)
        if self.profile == "amounts":
            places = rng.choice((0, 1, 2, 4, 6, 6))
            units = rng.choice((0, 1, 10 ** (8 + places) - 1, rng.randint(0, 10 ** (4 + places))))
        else:
            units = rng.randint(0, 5000 * 10**places)
        if name in _SIGNED and rng.random() < 0.5:
            units = -units
        return fixed(Decimal(units).scaleb(-places), places)

    def count(self, name: str) -> str:
        rng = self.rng
        if self.profile == "amounts":
            # A fill is of at least 0.01 contracts; a position or a settled side may be 0.
            hundredths = rng.choice((0 if name != "count_fp" else 1, 1, 99, 10**10 - 1, rng.randint(1, 10**6)))
        else:
            hundredths = rng.randint(1, 500) * 100
        if name in _SIGNED and rng.random() < 0.5:
            hundredths = -hundredths  # a NO position
        return fixed(Decimal(hundredths).scaleb(-2), 2)

    def date_time(self, us: int) -> str:
        when = _EPOCH + timedelta(microseconds=us)
        text = when.strftime("%Y-%m-%dT%H:%M:%S")
        digits = self.rng.choice((0, 1, 3, 6, 9)) if self.profile == "strings" else 6
        fraction = f"{when.microsecond:06d}"
        if digits == 0:
            return text + "Z"
        if digits == 9:
            return f"{text}.{fraction}{self.rng.randint(0, 999):03d}Z"
        return f"{text}.{fraction[:digits]}Z"

    # -- tickers

    def new_event(self) -> str:
        rng = self.rng
        if self.profile == "strings":
            return rng.choice(_UNUSUAL_EVENTS)
        return f"{rng.choice(_EVENT_STEMS)}-{rng.randint(24, 27)}{rng.choice(_MONTHS)}{rng.randint(1, 28):02d}"

    def market(self) -> str:
        rng = self.rng
        if self.filters.tickers:
            return rng.choice(self.filters.tickers)
        if self.list_name in _ONE_ROW_PER_MARKET:
            # Markets come grouped by event, a new one now and then; the serial keeps each market once per chain.
            if self.event is None or rng.random() < 0.35:
                self.event = self.event_ticker()
            return self.new_market(self.event)
        if not self.markets or (len(self.markets) < 6 and rng.random() < 0.3):
            self.markets.append(self.new_market(self.event_ticker()))
        return rng.choice(self.markets)

    def new_market(self, event: str) -> str:
        self.serial += 1
        if self.profile == "strings" and self.rng.random() < 0.5:
            suffix = f"{self.rng.choice(_UNUSUAL_SUFFIXES)}{self.serial}"
        else:
            suffix = f"T{self.serial // 100}.{self.serial % 100:02d}"
        ticker = f"{event}-{suffix}"
        self.events[ticker] = event
        return ticker

    def event_of(self, ticker: str) -> str:
        return self.events.get(ticker) or markets.event_of(ticker)

    def event_ticker(self) -> str:
        """One of the events the query asked for, else a new one."""
        return self.rng.choice(self.filters.event_tickers) if self.filters.event_tickers else self.new_event()


def _merge(document: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """An allOf as one schema: the parts' properties and required lists together."""
    merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    for part in node["allOf"]:
        resolved, _ = _deref(document, part)
        if "allOf" in resolved:
            resolved = _merge(document, resolved)
        for key, value in resolved.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged
