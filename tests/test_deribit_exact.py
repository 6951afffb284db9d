"""Deribit's numbers are exact to its places: random fill sequences (opening, adding, reducing, flipping, closing;
inverse and linear; futures and options), made through the Python API and the admin API, then read over real HTTP.

Each read is checked against a model kept here in exact fractions (Deribit's averaging rules, docs/deribit.md): the
served size is the exact one; the average price, realized P&L and balance the book holds are the exact figures to
within 1e-20 (its 28-digit Decimals round where a quotient does not end), and what is served is exactly the book's
figure rounded half away from zero to the field's places (`render.PLACES`; a tie goes away from zero, and the linear
perpetual's prices in steps of 0.0000005 make ties); a closed position shows exactly `0` wherever its value is nil,
and no number anywhere in the raw response text is written with an exponent or carries more places than its field has.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import plain_http
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import DELTA, GREEK, POSITION, PRICE, RATIO_MAP, SUMMARY

BALANCES = {"BTC": Decimal(1000), "USDC": Decimal(10_000_000)}
_users = itertools.count(1)


class Num(str):
    """A JSON number as the raw text the server wrote."""


def parse(text: str) -> Any:
    return json.loads(text, parse_float=Num, parse_int=Num)


def numbers(value: Any, path: str = "") -> Iterator[tuple[str, Num]]:
    """Every JSON number in a parsed document, with the name of the field holding it (a map's keys: its field's)."""
    if isinstance(value, Num):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from numbers(item, path if path.endswith("_map") else key)
    elif isinstance(value, list):
        for item in value:
            yield from numbers(item, path)


POSITION_PLACES = {
    **dict.fromkeys(("average_price", "average_price_usd", "mark_price", "index_price"), PRICE),
    **dict.fromkeys(("settlement_price", "estimated_liquidation_price"), PRICE),
    **dict.fromkeys(("floating_profit_loss", "realized_profit_loss", "total_profit_loss"), POSITION),
    **dict.fromkeys(("initial_margin", "maintenance_margin", "open_orders_margin", "size_currency"), POSITION),
    **dict.fromkeys(("floating_profit_loss_usd", "realized_funding", "interest_value", "delta"), POSITION),
    **dict.fromkeys(("gamma", "vega", "theta"), GREEK),
    "size": 8,  # what the client sent: at most the book's 8 places
    "leverage": 0,
}
SUMMARY_PLACES = {
    **dict.fromkeys(("delta_total", "delta_total_map", "projected_delta_total"), DELTA),
    **dict.fromkeys(("options_delta", "options_gamma", "options_vega", "options_theta"), GREEK),
    **dict.fromkeys(("options_gamma_map", "options_vega_map", "options_theta_map"), GREEK),
    "estimated_liquidation_ratio_map": RATIO_MAP,
    **dict.fromkeys(("id", "creation_timestamp", "burst", "rate"), 0),
}


def places(text: str) -> int:
    return len(text.partition(".")[2])


def assert_plain_numbers(document: Any, field_places: dict[str, int], default: int | None = None) -> None:
    for field, text in numbers(document):
        assert "e" not in text.lower(), f"{field}: {text} is written with an exponent"
        assert text != "-0", field
        most = field_places.get(field, default)
        assert most is not None, f"{field} has no known places"
        assert places(text) <= most, f"{field}: {text} has more than {most} places"


# -- the exact model ------------------------------------------------------------------------------------------------


@dataclass
class Exact:
    """One instrument's position, in fractions, by Deribit's rules (docs/deribit.md, "Fills -> position")."""

    harmonic: bool  # inverse futures average in 1/price
    option: bool
    size: Fraction = Fraction(0)
    average: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)
    cash: Fraction = Fraction(0)  # what the fills moved into the balance

    def fill(self, direction: str, amount: Decimal, price: Decimal) -> None:
        delta, at = Fraction(amount) * (1 if direction == "buy" else -1), Fraction(price)
        remaining = delta
        realized = Fraction(0)
        if self.size and (self.size > 0) != (delta > 0):
            closed = min(abs(self.size), abs(delta)) * (1 if self.size > 0 else -1)
            realized = closed * (1 / self.average - 1 / at) if self.harmonic else closed * (at - self.average)
            self.size -= closed
            remaining = delta + closed
            if self.size == 0:
                self.average = Fraction(0)
        if remaining:
            held, added = abs(self.size), abs(remaining)
            if held == 0:
                self.average = at
            elif self.harmonic:
                self.average = (held + added) / (held / self.average + added / at)
            else:
                self.average = (held * self.average + added * at) / (held + added)
            self.size += remaining
        self.realized += realized
        self.cash += -delta * at if self.option else realized


def half_up(value: Fraction, digits: int) -> Fraction:
    scaled = abs(value) * 10**digits
    whole = (scaled + Fraction(1, 2)).__floor__()
    return Fraction(whole if value >= 0 else -whole, 10**digits)


def assert_rounded(field: str, served: str, exact: Fraction, digits: int, held: Decimal) -> None:
    """Two checks, kept apart: the book's arithmetic, whose figure `held` is `exact` to within 1e-20 (its 28-digit
    Decimals round where a quotient does not end), and the rendering, which writes exactly `held` to `digits` places
    half away from zero (on a tie, the neighbour away from zero; never either)."""
    assert abs(Fraction(held) - exact) < Fraction(1, 10**20), f"{field}: the book holds {held}, exact {exact}"
    assert Fraction(Decimal(served)) == half_up(Fraction(held), digits), f"{field}: served {served}, held {held}"


# -- the mock -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    name: str
    step: Decimal  # min_trade_amount: every amount a multiple
    prices: st.SearchStrategy[Decimal]
    harmonic: bool
    option: bool
    currency: str


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture(scope="module")
def markets(mock: MockServer) -> dict[str, Market]:
    listed = plain_http.get(mock.deribit_url + "/api/v2/public/get_instruments", timeout=10).json()["result"]

    def first(test: Any) -> dict[str, Any]:
        return next(i for i in sorted(listed, key=lambda i: i["instrument_name"]) if test(i))

    def usd(low: int, high: int) -> st.SearchStrategy[Decimal]:  # futures: half-dollar prices, some with cents
        halves = st.integers(low * 2, high * 2).map(lambda n: Decimal(n) / 2)
        return st.one_of(halves, st.integers(low * 100, high * 100).map(lambda n: Decimal(n) / 100))

    rows = {
        "inverse perpetual": (first(lambda i: i["instrument_name"] == "BTC-PERPETUAL"), usd(40_000, 80_000)),
        "inverse future": (
            first(lambda i: i["kind"] == "future" and i["base_currency"] == "BTC" and i["settlement_currency"] == "BTC"
                  and i["settlement_period"] != "perpetual"),
            usd(40_000, 80_000),
        ),
        # Prices in steps of 0.0000005 too: a P&L of 0.001 x 0.0000005 sits on a tie of the 9 places a position writes.
        "linear perpetual": (
            first(lambda i: i["instrument_name"] == "BTC_USDC-PERPETUAL"),
            st.one_of(usd(40_000, 80_000), st.integers(-99, 99).map(lambda n: 60_000 + n * Decimal("0.0000005"))),
        ),
        "inverse option": (
            first(lambda i: i["kind"] == "option" and i["settlement_currency"] == i["base_currency"] == "BTC"),
            st.integers(1, 400).map(lambda n: Decimal(n) * Decimal("0.0005")),
        ),
        "linear option": (
            first(lambda i: i["kind"] == "option" and i["settlement_currency"] == "USDC"),
            st.integers(1, 2000).map(lambda n: Decimal(n) * 5),
        ),
    }  # fmt: skip
    return {
        role: Market(
            row["instrument_name"], Decimal(str(row["min_trade_amount"])), prices,
            harmonic=row["kind"] == "future" and row["instrument_type"] == "reversed",
            option=row["kind"] == "option", currency=row["settlement_currency"],
        )
        for role, (row, prices) in rows.items()
    }  # fmt: skip


ROLES = ("inverse perpetual", "inverse future", "linear perpetual", "inverse option", "linear option")


@st.composite
def sequences(draw: st.DrawFn) -> list[tuple[str, str, int, bool]]:
    """(role, direction, amount in steps of the instrument's minimum, made through the admin API) per fill."""
    fill = st.tuples(st.sampled_from(ROLES), st.sampled_from(("buy", "sell")), st.integers(1, 60), st.booleans())
    return draw(st.lists(fill, min_size=1, max_size=8))


def auth(key: dict[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=sequences(), close=st.sets(st.sampled_from(ROLES)), data=st.data())
def test_random_fills_read_exactly_over_http(
    mock: MockServer, markets: dict[str, Market], plan: list, close: set[str], data: st.DataObject
) -> None:
    user = f"exact-{next(_users)}"
    mock.create_deribit_account(user, balances={code: f"{amount}" for code, amount in BALANCES.items()})
    key = mock.create_deribit_key(user)
    exact = {role: Exact(markets[role].harmonic, markets[role].option) for role in ROLES}

    def fill(role: str, direction: str, amount: Decimal, price: Decimal, admin: bool) -> None:
        args = {"user_id": user, "instrument_name": markets[role].name, "direction": direction,
                "amount": f"{amount:f}", "price": f"{price:f}"}  # fmt: skip
        if admin:
            r = plain_http.post(mock.base_url + "/_admin/deribit/fills", json=args, timeout=10)
            assert r.status_code == 200, r.text
        else:
            mock.deribit_fill(**args)
        exact[role].fill(direction, amount, price)

    for role, direction, steps, admin in plan:
        market = markets[role]
        fill(role, direction, market.step * steps, data.draw(market.prices, label=f"{role} price"), admin)
    for role in sorted(close):  # close whatever is open, at a price of its own
        if exact[role].size:
            direction = "sell" if exact[role].size > 0 else "buy"
            price = data.draw(markets[role].prices, label=f"{role} closing price")
            size = abs(exact[role].size)
            fill(role, direction, Decimal(size.numerator) / Decimal(size.denominator), price, False)

    headers = auth(key)
    traded = {role for role, *_ in plan}
    for role in traded:
        market, model = markets[role], exact[role]
        r = plain_http.get(
            mock.deribit_url + "/api/v2/private/get_position", params={"instrument_name": market.name},
            headers=headers, timeout=10,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        row = parse(r.text)["result"]
        assert_plain_numbers(row, POSITION_PLACES)
        assert Fraction(Decimal(row["size"])) == model.size
        with mock.exchange.reading():
            held = mock.exchange.valuation.position(user, market.name)
        assert_rounded("average_price", row["average_price"], model.average, PRICE, held.average_price)
        assert_rounded("realized_profit_loss", row["realized_profit_loss"], model.realized, POSITION,
                       held.realized_profit_loss)  # fmt: skip
        if model.size == 0:
            nil = ["size", "average_price", "floating_profit_loss", "initial_margin", "maintenance_margin", "delta"]
            nil += ["gamma", "vega", "theta", "floating_profit_loss_usd"] if market.option else ["size_currency"]
            if not market.option:
                nil.append("estimated_liquidation_price")
            assert {field: row[field] for field in nil} == dict.fromkeys(nil, "0")
            assert row["direction"] == "zero" and row["total_profit_loss"] == row["realized_profit_loss"]
        if market.option:
            assert "estimated_liquidation_price" not in row

    r = plain_http.get(mock.deribit_url + "/api/v2/private/get_positions", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    rows = parse(r.text)["result"]
    assert_plain_numbers(rows, POSITION_PLACES)
    assert sorted(row["instrument_name"] for row in rows) == sorted(
        markets[role].name for role in ROLES if exact[role].size
    )

    for currency in ("BTC", "USDC"):
        r = plain_http.get(
            mock.deribit_url + "/api/v2/private/get_account_summary", params={"currency": currency},
            headers=headers, timeout=10,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        summary = parse(r.text)["result"]
        assert_plain_numbers(summary, SUMMARY_PLACES, default=SUMMARY)
        roles = [role for role in ROLES if markets[role].currency == currency]
        balance = Fraction(BALANCES[currency]) + sum((exact[role].cash for role in roles), Fraction(0))
        with mock.exchange.reading():
            book = mock.exchange.valuation.account_summary(user, currency)
        assert_rounded(f"{currency} balance", summary["balance"], balance, SUMMARY, book.balance)
        if all(exact[role].size == 0 for role in roles):  # everything closed: nothing open to value or margin
            nil = ["initial_margin", "maintenance_margin", "options_value", "delta_total", "options_delta"]
            nil += ["options_gamma", "options_vega", "options_theta", "projected_initial_margin"]
            assert {field: summary[field] for field in nil} == dict.fromkeys(nil, "0")
            assert summary["equity"] == summary["balance"] == summary["margin_balance"]
            futures = sum((exact[role].realized for role in roles if not markets[role].option), Fraction(0))
            assert_rounded(f"{currency} futures_pl", summary["futures_pl"], futures, SUMMARY, book.futures_pl)

    r = plain_http.get(mock.deribit_url + "/api/v2/private/get_account_summaries", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert_plain_numbers(parse(r.text)["result"], SUMMARY_PLACES, default=SUMMARY)


def test_a_round_trip_whose_arithmetic_leaves_dust_reads_exactly_zero(mock: MockServer) -> None:
    """Bought at two prices and sold at the same two: the exact P&L is 0; the book's 28-digit harmonic average leaves
    5E-29 BTC of it (written out, `0.00000000000000000000000000005`, which a client reads as 5e-29)."""
    mock.create_deribit_account("dust", balances={"BTC": "1"})
    key = mock.create_deribit_key("dust")
    for direction, price in (("buy", "50000"), ("buy", "40000"), ("sell", "50000"), ("sell", "40000")):
        mock.deribit_fill("dust", "BTC-PERPETUAL", direction, "10000", price)
    with mock.exchange.reading():
        assert mock.exchange.valuation.position("dust", "BTC-PERPETUAL").realized_profit_loss != 0  # the dust is there
    position = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_position", params={"instrument_name": "BTC-PERPETUAL"},
        headers=auth(key), timeout=10,
    ).text  # fmt: skip
    assert '"realized_profit_loss":0,' in position and '"total_profit_loss":0,' in position
    summary = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_account_summary", params={"currency": "BTC"}, headers=auth(key),
        timeout=10,
    ).text  # fmt: skip
    assert '"total_pl":0,' in summary and '"futures_pl":0,' in summary and '"balance":1,' in summary


# (USDC to start with, exit price, the realized P&L a position writes to 9 places, the balance a summary writes to 8)
# for 0.001 BTC_USDC-PERPETUAL bought at 60000 and sold at the exit price: each figure exactly on a tie after an even
# digit, where half even and half away from zero part.
TIES = {
    "position gain": ("1000", "60000.0000005", "0.000000001", "1000"),  # P&L 0.0000000005
    "position loss": ("1000", "59999.9999995", "-0.000000001", "1000"),  # P&L -0.0000000005
    "balance gain": ("1000", "60000.000005", "0.000000005", "1000.00000001"),  # 1000.000000005
    "balance loss": ("1000.00000001", "59999.999995", "-0.000000005", "1000.00000001"),  # 1000.000000005
}


@pytest.mark.parametrize("tie", TIES.values(), ids=TIES.keys())
def test_a_figure_on_a_tie_is_rounded_away_from_zero(mock: MockServer, tie: tuple[str, str, str, str]) -> None:
    """Deribit's places are kept half away from zero (docs/deribit.md, "Decimal places"): a P&L of exactly
    0.0000000005 is written 0.000000001, never 0 (half even)."""
    start, exit_price, realized, balance = tie
    user = f"tie-{next(_users)}"
    mock.create_deribit_account(user, balances={"USDC": start})
    key = mock.create_deribit_key(user)
    mock.deribit_fill(user, "BTC_USDC-PERPETUAL", "buy", "0.001", "60000")
    mock.deribit_fill(user, "BTC_USDC-PERPETUAL", "sell", "0.001", exit_price)
    position = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_position", params={"instrument_name": "BTC_USDC-PERPETUAL"},
        headers=auth(key), timeout=10,
    )  # fmt: skip
    served = parse(position.text)["result"]
    assert (served["realized_profit_loss"], served["total_profit_loss"]) == (realized, realized)
    summary = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_account_summary", params={"currency": "USDC"}, headers=auth(key),
        timeout=10,
    )  # fmt: skip
    assert Decimal(parse(summary.text)["result"]["balance"]) == Decimal(balance)
