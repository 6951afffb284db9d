"""The positions portfolio the real-client checks read (the suites in tests/clients/ and `contract clients`).

One mock holds: a trader with exactly 250 unsettled market positions in the primary subaccount over many events (YES
and NO, added to, reduced, flipped, closed to zero, fractional counts, some on exchange index 1), 12 more in
subaccount 2 and four settled ones; an FCM member with two subtraders holding positions, and keys for the trader, the
member (unbound) and the member bound to subtrader sub-1. `ledger_rows` is what the ledger says those rows are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mockexchange.core.kalshi.rows import MarketPosition
from mockexchange.server import MockServer

TRADER = "trader"
FCM = "fcm"
SUB_1 = "sub-1"
SUB_2 = "sub-2"
UNSETTLED_ROWS = 250  # the trader's primary subaccount, unsettled
HAND_EVENT = "KXHAND-26DEC31"
SETTLED_EVENT = "KXSETL-26NOV01"


@dataclass(frozen=True)
class Key:
    key_id: str
    pem_path: str

    @classmethod
    def create(cls, mock: MockServer, key_dir: Path, name: str, user: str, **binding: Any) -> Key:
        """A new key of `user` on the mock, its private key written to `key_dir/<name>.pem`."""
        made = mock.create_key(user, **binding)
        path = key_dir / f"{name}.pem"
        path.write_text(made["private_key_pem"])
        return cls(made["key_id"], str(path))

    @property
    def plan_fields(self) -> dict[str, str]:
        """What a call of a plan names to be signed with this key instead of the plan's default."""
        return {"key_id": self.key_id, "pem_path": self.pem_path}


@dataclass
class PortfolioSeed:
    """The mock and what the tests need to know about how its state was made."""

    mock: MockServer
    keys: dict[str, Key]
    closed: list[str] = field(default_factory=list)  # unsettled, primary subaccount, position 0
    exchange_1: list[str] = field(default_factory=list)
    fractional: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    mixed_event: str = ""  # an event with both unsettled and settled markets
    big_event: str = ""  # the unsettled event with the most markets


def _fill(
    mock: MockServer, user: str, ticker: str, event: str | None, side: str, action: str, count: str, price: str, **kw
):
    mock.fill(user, ticker, side, action, count, price, event_ticker=event, **kw)


def _random_market(mock: MockServer, rng: random.Random, ticker: str, event: str, kind: str, **kw) -> None:
    """One market position of the given kind, at random prices and sizes."""
    side = rng.choice(("yes", "no"))
    price = lambda: rng.choice(("0.05", "0.12", "0.25", "0.33", "0.4375", "0.50", "0.56", "0.71", "0.8125", "0.97"))  # noqa: E731
    taker = rng.random() < 0.7
    if kind == "open":
        _fill(mock, TRADER, ticker, event, side, "buy", str(rng.randint(1, 40)), price(), is_taker=taker, **kw)
    elif kind == "fractional":
        _fill(mock, TRADER, ticker, event, side, "buy", rng.choice(("2.50", "0.75", "10.25", "0.01")), price(), **kw)
    elif kind == "added":
        for _ in range(rng.randint(2, 4)):
            _fill(mock, TRADER, ticker, event, side, "buy", str(rng.randint(1, 9)), price(), is_taker=taker, **kw)
    elif kind == "reduced":
        count = rng.randint(6, 30)
        _fill(mock, TRADER, ticker, event, side, "buy", str(count), price(), **kw)
        _fill(mock, TRADER, ticker, event, side, "sell", str(rng.randint(1, count - 1)), price(), **kw)
    elif kind == "flipped":
        _fill(mock, TRADER, ticker, event, side, "buy", "5", price(), **kw)
        _fill(mock, TRADER, ticker, event, side, "sell", "8.50", price(), **kw)
    elif kind == "closed":
        _fill(mock, TRADER, ticker, event, side, "buy", "7", price(), **kw)
        _fill(mock, TRADER, ticker, event, side, "sell", "7", price(), **kw)
    else:
        raise ValueError(kind)


def build_portfolio(mock: MockServer, key_dir: Path) -> PortfolioSeed:
    def key(name: str, user: str, **binding: Any) -> Key:
        return Key.create(mock, key_dir, name, user, **binding)

    mock.create_account(TRADER, balance_cents=100_000_000)
    mock.create_account(FCM, fcm_member=True)
    mock.create_account(SUB_1, subtrader_of=FCM)
    mock.create_account(SUB_2, subtrader_of=FCM)
    portfolio = PortfolioSeed(
        mock,
        {
            "trader": key("trader", TRADER),
            "fcm_bound": key("fcm-bound", FCM, subtrader_id=SUB_1),
            "fcm": key("fcm", FCM),
        },
    )
    rng = random.Random(20261031)

    # Hand-computed rows (see test module): one event, three markets, part of the 250.
    _fill(mock, TRADER, f"{HAND_EVENT}-A", HAND_EVENT, "yes", "buy", "10", "0.56")
    _fill(mock, TRADER, f"{HAND_EVENT}-A", HAND_EVENT, "yes", "sell", "4", "0.60")
    _fill(mock, TRADER, f"{HAND_EVENT}-B", HAND_EVENT, "no", "buy", "2.50", "0.35", is_taker=False)
    _fill(mock, TRADER, f"{HAND_EVENT}-C", HAND_EVENT, "yes", "buy", "5", "0.30")
    _fill(mock, TRADER, f"{HAND_EVENT}-C", HAND_EVENT, "yes", "sell", "8", "0.45")
    portfolio.fractional.append(f"{HAND_EVENT}-B")
    made = 3

    # The rest over many events of 1 to 14 markets, so pages cut through events.
    kinds = ["open"] * 6 + ["fractional"] * 2 + ["added", "reduced", "reduced", "flipped", "closed"]
    sizes: list[int] = []
    while made + sum(sizes) < UNSETTLED_ROWS:
        sizes.append(min(rng.randint(1, 14), UNSETTLED_ROWS - made - sum(sizes)))
    for number, size in enumerate(sizes):
        event = f"KXPOS{number:02d}-26DEC31"
        for index in range(size):
            ticker = f"{event}-M{index:02d}"
            kind = rng.choice(kinds)
            if made % 9 == 4:
                mock.create_market(ticker, event, exchange_index=1)
                portfolio.exchange_1.append(ticker)
            _random_market(mock, rng, ticker, event, kind)
            made += 1
            if kind == "closed":
                portfolio.closed.append(ticker)
            elif kind == "fractional":
                portfolio.fractional.append(ticker)
    assert made == UNSETTLED_ROWS
    portfolio.big_event = f"KXPOS{sizes.index(max(sizes)):02d}-26DEC31"

    # Subaccount 2: some markets the primary also holds, some of its own.
    for ticker in ("KXPOS00-26DEC31-M00", "KXPOS05-26DEC31-M01", f"{HAND_EVENT}-A"):
        _fill(mock, TRADER, ticker, None, "no", "buy", "3", "0.44", subaccount=2)
    for index in range(9):
        ticker = f"KXSUBTWO-26DEC31-M{index:02d}"
        _fill(mock, TRADER, ticker, "KXSUBTWO-26DEC31", rng.choice(("yes", "no")), "buy", "1.25", "0.61", subaccount=2)

    # Settled markets: a whole event, plus one market of an event whose other markets stay open.
    _fill(mock, TRADER, f"{SETTLED_EVENT}-Y", SETTLED_EVENT, "yes", "buy", "3", "0.40")
    _fill(mock, TRADER, f"{SETTLED_EVENT}-N", SETTLED_EVENT, "yes", "buy", "4", "0.25")
    _fill(mock, TRADER, f"{SETTLED_EVENT}-Z", SETTLED_EVENT, "no", "buy", "7", "0.13")
    portfolio.mixed_event = "KXPOS03-26DEC31"
    _fill(mock, TRADER, f"{portfolio.mixed_event}-SX", portfolio.mixed_event, "no", "buy", "6", "0.20")
    for ticker, result in (
        (f"{SETTLED_EVENT}-Y", "yes"),
        (f"{SETTLED_EVENT}-N", "no"),
        (f"{SETTLED_EVENT}-Z", "no"),
        (f"{portfolio.mixed_event}-SX", "yes"),
    ):
        mock.settle(ticker, result)
        portfolio.settled.append(ticker)

    # FCM subtraders: sub-1 over four events (several pages at limit 10), sub-2 a few rows.
    for index in range(23):
        event = f"KXFCM{index % 4}-26DEC31"
        _fill(mock, SUB_1, f"{event}-M{index:02d}", event, ("yes", "no")[index % 2], "buy", str(index + 1), "0.37")
    for index in range(5):
        _fill(mock, SUB_2, f"KXFCMB-26DEC31-M{index}", "KXFCMB-26DEC31", "yes", "buy", "2.50", "0.5125")
    return portfolio


class OnMock(Protocol):
    """A portfolio on a mock (`PortfolioSeed` here, `HistorySeed` in history.py)."""

    mock: MockServer


def ledger_rows(
    portfolio: OnMock, user: str, subaccount: int = 0, status: str = "unsettled"
) -> dict[str, MarketPosition]:
    """The ledger's market positions of one user and subaccount by ticker: `unsettled`, `settled` or `all`."""
    ledger = portfolio.mock.app.ledger
    with ledger.reading():
        return {
            row.ticker: row.snapshot()
            for row in ledger.state.positions.all_rows()
            if row.user_id == user
            and row.subaccount == subaccount
            and (status == "all" or row.settled == (status == "settled"))
        }
