"""The portfolio the real-client checks read for the endpoints beside positions: balance, fills, settlements,
deposits, withdrawals and total resting order value.

Built on a mock whose exchange clock is a `ManualClock`, so fills, settlements and transfers have known, distinct
times (and some share an instant, so pages cut through ties). The same build on two mocks gives two equal ledgers:
the legacy-client test reads one in each wire profile.

Who is in it:
- `hist`: 69 fills, 66 of them in three phases 30 s apart (58 in the primary subaccount, 11 in subaccount 3; 7 on a
  market on exchange index 1; one order id shared by 4 fills), 6 settlements over 4 markets and both subaccounts,
  13 deposits and 9 withdrawals in every status, and resting orders.
- `saver`: a handful of operations whose balance is worked out by hand (see SAVER_* below).
- `fcmh`, an FCM member with subtraders `fcmh-a` and `fcmh-b`, all with resting orders (total worked out by hand).
- `other`: holds some of `hist`'s markets, so settlements and fills of another user exist beside `hist`'s.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.portfolio import Key, OnMock
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SEED = 31

HIST = "hist"
SAVER = "saver"
FCMH = "fcmh"
FCMH_A = "fcmh-a"
FCMH_B = "fcmh-b"
OTHER = "other"

EV_A, EV_B, EV_C, EV_D = (f"KXHIST{letter}-26NOV30" for letter in "ABCD")
PRIMARY_TICKERS = (f"{EV_A}-M1", f"{EV_A}-M2", f"{EV_A}-M3", f"{EV_B}-M1", f"{EV_B}-M2")
SETTLING_TICKERS = (f"{EV_C}-M1", f"{EV_C}-M2", f"{EV_D}-M1", f"{EV_D}-M2")
SUB3_TICKERS = (f"{EV_A}-M1", f"{EV_C}-M1", f"{EV_D}-M2")
INDEX_1_TICKER = f"{EV_B}-M1"
SHARED_ORDER = "0f6b8f0e-0000-4000-8000-00000000a11c"
PHASES = (25, 20, 21)  # fills per phase; 30 s of quiet between phases
SUB3_EVERY = 7  # every 7th fill goes to subaccount 3

# -- worked out by hand (7% taker fee, rounded up to the centi-cent; makers pay none) ---------------------------------
# saver starts with 100.00 in the primary subaccount, then:
#   buy YES 10 @0.56 on KXCASH-A (taker):      -5.60 - fee 0.1725 (0.17248 up)   index 0
#   buy NO 4 @0.25 on KXCASH-B (maker):         -1.00                              index 1
#   deposit 50.00, fee 0.25, applied:          +49.75                              index 0
#   deposit 20.00 pending, then failed:          0
#   deposit 30.00 applied, then returned:        0 (in, then out again)
#   withdrawal 12.34 applied:                  -12.34
#   withdrawal 5.00 pending:                     0
#   withdrawal 7.00 pending, then applied:      -7.00
#   subaccount 5: buy YES 2 @0.40 on KXCASH-S (maker) -0.80, settled yes: +2.00
SAVER_INDEX_0 = Decimal("124.6375")  # 100 - 5.60 - 0.1725 + 49.75 - 12.34 - 7.00
SAVER_INDEX_1 = Decimal("-1.0000")  # each exchange shard holds its own cash; nothing funded index 1
SAVER_BALANCE = Decimal("123.6375")
SAVER_BALANCE_CENTS = 12363  # Kalshi truncates the integer cents (98.0186 -> 9801)
# Open positions marked at the market's last price: YES 10 at 0.56 (5.60, index 0) + NO 4 at 1 - 0.75 (1.00, index 1)
SAVER_PORTFOLIO_VALUE_CENTS = {None: 660, 0: 560, 1: 100}
SAVER_SUB5_BALANCE = Decimal("1.20")  # -0.80 + 2.00; its position settled, so its portfolio value is 0
SAVER_DEPOSIT_STATUSES = {"applied": 1, "failed": 1, "returned": 1}
SAVER_WITHDRAWAL_STATUSES = {"applied": 2, "pending": 1}

# fcmh's resting orders and its subtraders' count; hist's own order does not (hist is no FCM member).
#   fcmh buy YES 10 @0.40: 4.00 | fcmh-a sell YES 5 @0.70 = buys NO at 0.30: 1.50 | fcmh-b buy NO 3 @0.25: 0.75, index 1
#   fcmh-a's order of 9 @0.15 is cancelled before the read.
FCM_RESTING_CENTS = 625
FCM_RESTING_BREAKDOWN = {0: Decimal("5.50"), 1: Decimal("0.75")}


@dataclass
class HistorySeed:
    """The mock and what the tests need to know about how its state was made."""

    mock: MockServer
    clock: ManualClock
    keys: dict[str, Key]  # "trader" (hist, the default for run_plan), "saver", "fcm", "fcm_sub", "other"
    phase_windows: list[tuple[int, int]] = field(default_factory=list)  # (first, last) fill second of each phase
    settle_times: dict[str, int] = field(default_factory=dict)  # ticker -> Unix seconds
    deposit_ids: list[str] = field(default_factory=list)
    withdrawal_ids: list[str] = field(default_factory=list)


def _pick_fill(rng: random.Random) -> tuple[str, str, str, str, bool]:
    side = rng.choice(("yes", "no"))
    action = rng.choice(("buy", "buy", "sell"))
    count = rng.choice(("1", "2.50", "7", "12", "0.25", "30", "3"))
    price = rng.choice(("0.05", "0.33", "0.4375", "0.56", "0.81", "0.97", "0.50"))
    return side, action, count, price, rng.random() < 0.7


def build_history(mock: MockServer, clock: ManualClock, key_dir: Path) -> HistorySeed:
    def key(name: str, user: str, **binding: Any) -> Key:
        return Key.create(mock, key_dir, name, user, **binding)

    for user, cents in ((HIST, 50_000_00), (SAVER, 100_00), (OTHER, 1_000_00)):
        mock.create_account(user, balance_cents=cents)
    mock.create_account(FCMH, fcm_member=True)
    mock.create_account(FCMH_A, subtrader_of=FCMH)
    mock.create_account(FCMH_B, subtrader_of=FCMH)
    history = HistorySeed(
        mock,
        clock,
        {
            "trader": key("hist", HIST),
            "saver": key("saver", SAVER),
            "fcm": key("fcm", FCMH),
            "fcm_sub": key("fcm-sub", FCMH_A),
            "other": key("other", OTHER),
        },
    )
    mock.create_market(INDEX_1_TICKER, EV_B, exchange_index=1)
    rng = random.Random(SEED)  # (one generator through every part, in this order: the history is the same each time)
    _fill_phases(history, rng)
    _resting_orders(mock, clock)
    _settlements(history)
    _transfers(history, rng)
    _saver_history(mock, clock)
    return history


def _fill_phases(history: HistorySeed, rng: random.Random) -> None:
    """hist's fills, in three phases (and the fills of subaccount 3 and of `OTHER` after them)."""
    mock, clock = history.mock, history.clock
    number = 0
    order_uses = {3, 4, 30, 50}  # these fills share one order id
    for phase, size in enumerate(PHASES):
        if phase:
            clock.advance(30)
        first: int | None = None
        for _ in range(size):
            clock.advance(rng.choice((0, 0, 1, 2)))  # ties included: several fills in one instant
            side, action, count, price, taker = _pick_fill(rng)
            if number < len(PRIMARY_TICKERS + SETTLING_TICKERS):  # every market gets a primary position first
                ticker, subaccount = (PRIMARY_TICKERS + SETTLING_TICKERS)[number], 0
            elif number % SUB3_EVERY == 0:
                ticker, subaccount = rng.choice(SUB3_TICKERS), 3
            else:
                ticker, subaccount = rng.choice(PRIMARY_TICKERS + SETTLING_TICKERS), 0
            mock.fill(
                HIST,
                ticker,
                side,
                action,
                count,
                price,
                subaccount=subaccount,
                is_taker=taker,
                order_id=SHARED_ORDER if number in order_uses else None,
            )
            number += 1
            first = first or int(clock.now().timestamp())
        assert first is not None  # every phase has fills
        history.phase_windows.append((first, int(clock.now().timestamp())))
    # Subaccount 3 holds every market it settles in (its settlement rows differ from the primary's in size).
    for ticker in SUB3_TICKERS:
        mock.fill(HIST, ticker, "no", "buy", "4", "0.62", subaccount=3)
    mock.fill(OTHER, f"{EV_C}-M1", "yes", "buy", "6", "0.41")
    mock.fill(OTHER, f"{EV_A}-M2", "no", "buy", "2", "0.58")


def _resting_orders(mock: MockServer, clock: ManualClock) -> None:
    """The resting orders (one cancelled)."""
    clock.advance(5)
    mock.create_order(HIST, f"{EV_A}-M1", "yes", "buy", "100", "0.50")  # hist is no FCM member: not in fcmh's total
    mock.create_order(HIST, f"{EV_A}-M9", "no", "buy", "3", "0.20")  # a market held only through a resting order
    mock.create_order(FCMH, "KXFCMR-26DEC31-A", "yes", "buy", "10", "0.40")
    mock.create_order(FCMH_A, "KXFCMR-26DEC31-A", "yes", "sell", "5", "0.70")
    mock.create_market("KXFCMR-26DEC31-B", exchange_index=1)
    mock.create_order(FCMH_B, "KXFCMR-26DEC31-B", "no", "buy", "3", "0.25")
    cancelled = mock.create_order(FCMH_A, "KXFCMR-26DEC31-A", "no", "buy", "9", "0.15")
    mock.cancel_order(cancelled["order_id"])


def _settlements(history: HistorySeed) -> None:
    """The settlements: two in one instant, others apart."""
    for ticker, result, pause in (
        (f"{EV_C}-M1", "yes", 40),
        (f"{EV_C}-M2", "no", 5),
        (f"{EV_D}-M1", "yes", 0),
        (f"{EV_D}-M2", "no", 60),
    ):
        history.clock.advance(pause)
        history.mock.settle(ticker, result)
        history.settle_times[ticker] = int(history.clock.now().timestamp())


def _transfers(history: HistorySeed, rng: random.Random) -> None:
    """hist's deposits and withdrawals, in every status."""
    mock, clock = history.mock, history.clock

    def transfer(kind: str, ids: list[str], amount: int, status: str = "applied", **kw: Any) -> str:
        clock.advance(rng.choice((0, 3, 3600)))
        made = (mock.deposit if kind == "deposit" else mock.withdrawal)(HIST, amount, status=status, **kw)
        ids.append(made["id"])
        return made["id"]

    deposits, withdrawals = history.deposit_ids, history.withdrawal_ids
    transfer("deposit", deposits, 100_000)
    transfer("deposit", deposits, 25_000, "pending", type="wire")
    failed = transfer("deposit", deposits, 5_000, "pending")
    later_applied = transfer("deposit", deposits, 12_345, "pending", type="crypto", fee_cents=150)
    returned = transfer("deposit", deposits, 7_700, type="debit")
    transfer("deposit", deposits, 999, type="apm", fee_cents=99)
    for amount in (1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000):
        transfer("deposit", deposits, amount)
    transfer("withdrawal", withdrawals, 5_000)
    transfer("withdrawal", withdrawals, 10_000, "pending", type="wire")
    w_failed = transfer("withdrawal", withdrawals, 2_500, "pending")
    w_applied = transfer("withdrawal", withdrawals, 4_200, "pending", fee_cents=25)
    w_returned = transfer("withdrawal", withdrawals, 3_300)
    for amount in (100, 200, 300, 400):
        transfer("withdrawal", withdrawals, amount)
    clock.advance(120)
    mock.deposit(HIST, 5_000, status="failed", id=failed)
    mock.deposit(HIST, 12_345, status="applied", id=later_applied)
    mock.deposit(HIST, 7_700, status="returned", id=returned)
    mock.withdrawal(HIST, 2_500, status="failed", id=w_failed)
    mock.withdrawal(HIST, 4_200, status="applied", id=w_applied)
    mock.withdrawal(HIST, 3_300, status="returned", id=w_returned)


def _saver_history(mock: MockServer, clock: ManualClock) -> None:
    """saver's history: the hand-computed balance (see SAVER_* above)."""
    clock.advance(10)
    mock.fill(SAVER, "KXCASH-26DEC31-A", "yes", "buy", "10", "0.56")
    mock.create_market("KXCASH-26DEC31-B", exchange_index=1)
    mock.fill(SAVER, "KXCASH-26DEC31-B", "no", "buy", "4", "0.25", is_taker=False)
    mock.deposit(SAVER, 5_000, fee_cents=25)
    to_fail = mock.deposit(SAVER, 2_000, status="pending")["id"]
    mock.deposit(SAVER, 2_000, status="failed", id=to_fail)
    to_return = mock.deposit(SAVER, 3_000)["id"]
    mock.deposit(SAVER, 3_000, status="returned", id=to_return)
    mock.withdrawal(SAVER, 1_234)
    mock.withdrawal(SAVER, 500, status="pending")
    to_apply = mock.withdrawal(SAVER, 700, status="pending")["id"]
    mock.withdrawal(SAVER, 700, status="applied", id=to_apply)
    clock.advance(7)
    mock.fill(SAVER, "KXCASH-26DEC31-S", "yes", "buy", "2", "0.40", subaccount=5, is_taker=False)
    mock.settle("KXCASH-26DEC31-S", "yes")


def make_history(tmp_dir: Path, profile: str = "3.34") -> HistorySeed:
    """The history portfolio on a started mock speaking `profile`; the caller stops `HistorySeed.mock`."""
    clock = ManualClock(T0)
    mock = MockServer(clock=clock, seed=SEED, profile=profile).start()
    try:
        return build_history(mock, clock, tmp_dir)
    except BaseException:
        mock.stop()
        raise


# -- what the ledger holds, read independently of the renderers (the oracle the client checks compare with) --------


def newest_first(history: OnMock, index_name: str, user: str, keep: Callable[[Any], bool] = lambda _: True) -> list:
    """A user's records of one ledger index (`fill_index`, `settlements`, `deposits`, `withdrawals`), newest first."""
    ledger = history.mock.app.ledger
    with ledger.reading():
        return [record for record in reversed(list(getattr(ledger.state, index_name).records(user))) if keep(record)]


def portfolio_value(ledger: Ledger, user: str, subaccount: int, exchange_index: int | None) -> Decimal:
    """Open (unsettled) positions marked at their market's last traded price for the side held, or at cost."""
    value = Decimal(0)
    for row in ledger.state.positions.all_rows():
        if row.user_id != user or row.subaccount != subaccount or row.settled:
            continue
        if exchange_index is not None and row.exchange_index != exchange_index:
            continue
        last = ledger.state.markets[row.ticker].last_yes_price
        if last is None or row.position == 0:
            value += row.market_exposure
        else:
            value += abs(row.position) * (last if row.position > 0 else 1 - last)
    return value
