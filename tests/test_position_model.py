"""Kalshi positions against a model of their own: random fills (both sides, buying and selling, takers and makers,
some with a stated fee) over markets of two events, some markets then settled, made fill by fill or in one batch, then
read over real HTTP. Every market row, every event roll-up and the balance must carry the model's values exactly.

The model is written here from the rules in docs/kalshi.md ("Position arithmetic"), in `Fraction`s, without the
package's arithmetic: a position is a signed count (YES positive) with a cost basis; a reducing fill releases the
basis of the contracts it closes, `basis x closed / held` held to the micro-dollar half even (all of it when the
position closes); fees are `0.07 x count x p x (1 - p)` for takers, rounded up to the centi-cent. An event's roll-up
is the sum of its markets' figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

MICRO = Fraction(1, 10**6)
CENTI_CENT = Fraction(1, 10**4)
TAKER_RATE = Fraction(7, 100)
START = Fraction(100_000)  # dollars, so that no fill is refused for cash
MARKETS = {"EVA-M1": "EVA", "EVA-M2": "EVA", "EVA-M3": "EVA", "EVB-M1": "EVB", "EVB-M2": "EVB"}


def half_even(value: Fraction, unit: Fraction) -> Fraction:
    whole, rest = divmod(value, unit)
    if rest * 2 > unit or (rest * 2 == unit and whole % 2):
        whole += 1
    return whole * unit


def round_up(value: Fraction, unit: Fraction) -> Fraction:
    return -((-value) // unit) * unit


@dataclass
class Market:
    """One market's position in the model: `count` contracts, + YES and - NO, bought for `basis`."""

    count: Fraction = Fraction(0)
    basis: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)
    fees: Fraction = Fraction(0)
    traded: Fraction = Fraction(0)  # what the sides bought cost
    volume: Fraction = Fraction(0)  # contracts traded

    def fill(self, side: str, action: str, count: Fraction, price: Fraction, fee: Fraction) -> Fraction:
        """The fill's cash (paid out negative), fee included."""
        yes_price = price if side == "yes" else 1 - price
        buys_yes = (side == "yes") == (action == "buy")
        self.traded += count * (price if action == "buy" else 1 - price)  # selling one side buys the other
        self.volume += count
        self.fees += fee
        cash, left = -fee, count
        if self.count and (self.count > 0) != buys_yes:  # it closes held contracts first
            held = abs(self.count)
            closing = min(held, count)
            proceeds = closing * (yes_price if self.count > 0 else 1 - yes_price)
            released = self.basis if closing == held else half_even(self.basis * closing / held, MICRO)
            self.realized += proceeds - released
            self.basis -= released
            self.count += closing if self.count < 0 else -closing
            cash += proceeds
            left -= closing
        if left:
            cost = left * (yes_price if buys_yes else 1 - yes_price)
            self.basis += cost
            self.count += left if buys_yes else -left
            cash -= cost
        return cash

    def settle(self, result: str) -> Fraction:
        """The payout: a dollar a winning contract."""
        wins = (self.count > 0 and result == "yes") or (self.count < 0 and result == "no")
        payout = abs(self.count) if wins else Fraction(0)
        self.realized += payout - self.basis
        self.basis = Fraction(0)
        return payout


def taker_fee(count: Fraction, price: Fraction) -> Fraction:
    return round_up(TAKER_RATE * count * price * (1 - price), CENTI_CENT)


FILL = st.fixed_dictionaries({
    "ticker": st.sampled_from(sorted(MARKETS)),
    "side": st.sampled_from(["yes", "no"]),
    "action": st.sampled_from(["buy", "sell"]),
    "count": st.integers(1, 50_000).map(lambda n: Fraction(n, 100)),  # 0.01 to 500 contracts
    "price": st.integers(1, 9999).map(lambda n: Fraction(n, 10**4)),  # 0.0001 to 0.9999
    "is_taker": st.booleans(),
    "fee_cents": st.one_of(st.none(), st.none(), st.integers(0, 100)),  # a stated fee, in cents a contract
})  # fmt: skip


def decimal(value: Fraction) -> str:
    return f"{Decimal(value.numerator) / Decimal(value.denominator):f}"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


def read(mock: MockServer, client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(mock.kalshi_url + path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(
    fills=st.lists(FILL, min_size=1, max_size=25),
    settled=st.dictionaries(st.sampled_from(sorted(MARKETS)), st.sampled_from(["yes", "no"]), max_size=3),
    batch=st.booleans(),
)
def test_positions_and_event_roll_ups_carry_the_models_values(mock, fills, settled, batch):
    mock.reset()
    mock.create_account("u", balance_cents=int(START * 100))
    key = mock.create_key("u")
    model = {ticker: Market() for ticker in MARKETS}
    cash = START
    made = []
    for fill in fills:
        count, price, stated = fill["count"], fill["price"], fill["fee_cents"]
        fee = taker_fee(count, price) if fill["is_taker"] else Fraction(0)
        fee = count * stated / 100 if stated is not None else fee
        cash += model[fill["ticker"]].fill(fill["side"], fill["action"], count, price, fee)
        made.append({
            "user_id": "u", "ticker": fill["ticker"], "event_ticker": MARKETS[fill["ticker"]], "side": fill["side"],
            "action": fill["action"], "count": decimal(count), "price": decimal(price), "is_taker": fill["is_taker"],
            **({"fee": decimal(fee)} if stated is not None else {}),
        })  # fmt: skip
    if batch:
        mock.fills(made)
    else:
        for fill in made:
            mock.fill(**fill)
    for ticker, result in settled.items():
        if model[ticker].volume:
            mock.settle(ticker, result)
            cash += model[ticker].settle(result)

    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(auth=KalshiAuth(signer), timeout=10) as client:
        page = read(mock, client, "/portfolio/positions", limit=1000, settlement_status="all")
        balance = read(mock, client, "/portfolio/balance")
    traded = {ticker: held for ticker, held in model.items() if held.volume}
    assert {row["ticker"]: served(row) for row in page["market_positions"]} == {
        ticker: expected(held) for ticker, held in traded.items()
    }
    events = {event: [model[t] for t in traded if MARKETS[t] == event] for event in set(MARKETS.values())}
    assert {row["event_ticker"]: served_event(row) for row in page["event_positions"]} == {
        event: expected_event(markets) for event, markets in events.items() if markets
    }
    assert Decimal(balance["balance_dollars"]) == Decimal(decimal(cash)).quantize(Decimal("0.0001"), ROUND_DOWN)


def served(row: dict[str, Any]) -> tuple[Fraction, ...]:
    names = ("position_fp", "market_exposure_dollars", "realized_pnl_dollars", "fees_paid_dollars",
             "total_traded_dollars")  # fmt: skip
    return tuple(Fraction(row[name]) for name in names)


def expected(held: Market) -> tuple[Fraction, ...]:
    return held.count, held.basis, held.realized, held.fees, held.traded


def served_event(row: dict[str, Any]) -> tuple[Fraction, ...]:
    names = ("event_exposure_dollars", "realized_pnl_dollars", "fees_paid_dollars", "total_cost_dollars",
             "total_cost_shares_fp")  # fmt: skip
    return tuple(Fraction(row[name]) for name in names)


def expected_event(markets: list[Market]) -> tuple[Fraction, ...]:
    return tuple(
        sum((getattr(held, name) for held in markets), Fraction(0))
        for name in ("basis", "realized", "fees", "traded", "volume")
    )
