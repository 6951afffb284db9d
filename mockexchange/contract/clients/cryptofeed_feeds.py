"""cryptofeed following the mock's Deribit over TLS (scripts/deribit/cryptofeed_client.py): the client matrix's
`orderbook-ws`, `market-ws` and `websocket` cells of its row, from one run of the client on a fresh mock of their own.

Seeded: bob's two asks and a bid on BTC-PERPETUAL. Once cryptofeed has its book and alice's balance, three steps: bob
adds an ask, bob cancels one, alice buys part of the best ask. After each step the book cryptofeed keeps (from
`book.BTC-PERPETUAL.raw`, its snapshot then a change each step) must equal `public/get_order_book`'s; the trade it
parsed (`TRADES`) `public/get_last_trades_by_instrument`'s; alice's fill (`FILLS`) her side of it in
`private/get_user_trades_by_instrument`; and every balance that came after the fill (`BALANCES`: Deribit's
`user.portfolio`) `private/get_account_summary`'s `balance`, and as its `reserved` the balance less
`available_withdrawal_funds`. Each value is compared as a Decimal with the mock's, read over HTTPS with JSON numbers
as Decimals, as cryptofeed parses them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.ccxt_checks import AGREES, NA_REASONS
from mockexchange.contract.clients.ccxt_trading import KEY, PERP, rpc
from mockexchange.contract.clients.checks import ClientVerdict, one_run_verdicts
from mockexchange.contract.clients.libraries import CRYPTOFEED, ensure_venv, venv_python
from mockexchange.contract.clients.live_script import LiveScript
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.core.clock import ManualClock
from mockexchange.schema.specs import package_path
from mockexchange.server import MockServer
from mockexchange.server.tls import self_signed

COLUMNS = ("orderbook-ws", "market-ws", "websocket")
SYMBOL, CURRENCY = "BTC-USD-PERP", "BTC"  # cryptofeed's names of BTC-PERPETUAL and of the BTC wallet
READY_TIMEOUT_S = 60.0  # interpreter start, importing cryptofeed, the instruments, two connections and subscriptions
EVENT_TIMEOUT_S = 10.0  # for a step's notification
FEED_NA = "cryptofeed is a feed handler: its Deribit reads nothing over REST but the instruments, and places no order"
# The row's other columns: what cryptofeed has no such thing for, or a Kalshi-only column (ccxt's row's reasons).
NA = {
    **NA_REASONS,
    "account": "Kalshi's AccountApi and ApiKeysApi: cryptofeed reads no keys or limits",
    "rfqs": "Kalshi's RFQs, quotes and block trades: cryptofeed follows no RFQs",
    "perps": "Kalshi's perps exchange: cryptofeed's Deribit is not a client of it",
    "perps-ws": "Kalshi's perps exchange's websocket: cryptofeed's Deribit is not a client of it",
    "settlements": FEED_NA,
    **dict.fromkeys(("positions-pages", "filters", "balance", "fills", "transfers", "markets", "orders"), FEED_NA),
}


def _levels(side: dict[str, str]) -> dict[Decimal, Decimal]:
    return {Decimal(price): Decimal(amount) for price, amount in side.items()}


class Judged:
    """What one run found wrong, by column."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {column: [] for column in COLUMNS}

    def same(self, column: str, what: str, got: Any, want: Any) -> None:
        if got != want:
            self.problems[column].append(f"{what}: cryptofeed {got!r}, the mock {want!r}")


class Told:
    """The script's events of each kind in the order it printed them, each taken once: a step's events come on two
    connections and three channels, so one kind's may be read while waiting for another's."""

    def __init__(self, run: LiveScript, judged: Judged) -> None:
        self.run, self.judged = run, judged
        self.taken: dict[str, int] = {}  # kind -> how far into run.events its events are taken

    def next(self, kind: str, column: str, what: str) -> dict[str, Any] | None:
        """The next event of `kind` not taken yet; None, noted against `column`, if none comes in time."""
        events = self.run.events
        for at in range(self.taken.get(kind, 0), len(events)):
            if events[at]["event"] == kind:
                self.taken[kind] = at + 1
                return events[at]
        try:
            event = self.run.wait_for(kind, EVENT_TIMEOUT_S)
        except ClientRunError:
            self.judged.problems[column].append(f"no {kind} {what} within {EVENT_TIMEOUT_S:.0f} s")
            return None
        self.taken[kind] = len(events)
        return event


def _book_step(told: Told, mock: MockServer, step: str) -> None:
    """The next book cryptofeed told equals the mock's book (every level)."""
    book = told.next("book", "orderbook-ws", step)
    if book is None:
        return
    wire = rpc(mock, "public/get_order_book", instrument_name=PERP, depth=50)
    for side, wire_side in (("bid", "bids"), ("ask", "asks")):
        want = {Decimal(price): Decimal(amount) for price, amount in wire[wire_side]}
        told.judged.same("orderbook-ws", f"{step}: the {side}s", _levels(book["book"][side]), want)


def _trade(told: dict[str, Any], mock: MockServer, judged: Judged) -> None:
    [wire] = rpc(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, count=1)["trades"]
    got = (told["id"], told["side"], Decimal(told["amount"]), Decimal(told["price"]), round(told["timestamp"] * 1000))
    want = (wire["trade_id"], wire["direction"], wire["amount"], wire["price"], wire["timestamp"])
    judged.same("market-ws", "the trade (id, side, amount, price, ms)", got, want)


def _fill(told: dict[str, Any], mock: MockServer, judged: Judged) -> None:
    [wire] = rpc(mock, "private/get_user_trades_by_instrument", instrument_name=PERP, count=1)["trades"]
    got = (told["id"], told["order_id"], told["side"], Decimal(told["amount"]), Decimal(told["price"]),
           Decimal(told["fee"]), told["liquidity"], told["type"], round(told["timestamp"] * 1000))  # fmt: skip
    want = (wire["trade_id"], wire["order_id"], wire["direction"], wire["amount"], wire["price"], wire["fee"],
            "taker" if wire["liquidity"] == "T" else "maker", wire["order_type"], wire["timestamp"])  # fmt: skip
    judged.same("websocket", "alice's fill (id, order, side, amount, price, fee, liquidity, type, ms)", got, want)


def _balances(told: list[dict[str, Any]], mock: MockServer, judged: Judged) -> None:
    summary = rpc(mock, "private/get_account_summary", currency=CURRENCY)
    want = (CURRENCY, summary["balance"], summary["balance"] - summary["available_withdrawal_funds"])
    for n, balance in enumerate(told, 1):
        got = (balance["currency"], Decimal(balance["balance"]), Decimal(balance["reserved"]))
        judged.same("websocket", f"balance {n} after the fill (currency, balance, reserved)", got, want)


def _seeded(work_dir: Path) -> tuple[MockServer, str, Path]:
    """A started TLS mock (its certificate in `work_dir`) with alice (her key) and bob, 10 BTC each, and bob's asks
    and bid; the id of the ask he cancels, and the certificate."""
    cert, key = self_signed(work_dir / "tls")
    mock = MockServer(clock=ManualClock(), tls_certfile=str(cert), tls_keyfile=str(key)).start()
    try:
        for user in ("alice", "bob"):
            mock.create_deribit_account(user, balances={"BTC": "10"})
        mock.create_deribit_key("alice", **KEY)
        mock.deribit_order("bob", PERP, "sell", "40", "60010")
        cancelled = mock.deribit_order("bob", PERP, "sell", "20", "60020")["order_id"]
        mock.deribit_order("bob", PERP, "buy", "50", "59990")
    except BaseException:
        mock.stop()
        raise
    return mock, cancelled, cert


def play(work_dir: Path, after: Callable[[MockServer, str], None] | None = None) -> Judged:
    """One run of cryptofeed against a fresh TLS mock, judged column by column. `after` (a test's) runs after each
    step, named."""
    mock, cancelled, cert = _seeded(work_dir)
    judged = Judged()
    steps: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("bob's new ask", lambda: mock.deribit_order("bob", PERP, "sell", "10", "60030")),
        ("bob's ask cancelled", lambda: mock.deribit_cancel_order(cancelled)),
        ("alice's buy", lambda: mock.deribit_place_order("alice", PERP, "buy", "30", "60010")),
    )
    env = {"MOCKEXCHANGE_BASE_URL": mock.deribit_url, "MOCKEXCHANGE_KEY_ID": KEY["client_id"],
           "MOCKEXCHANGE_KEY_SECRET": KEY["client_secret"], "SSL_CERT_FILE": str(cert),
           "REQUESTS_CA_BUNDLE": str(cert)}  # fmt: skip
    plan = {"symbol": SYMBOL, "currency": CURRENCY, "timeout_s": READY_TIMEOUT_S + 60}
    script = package_path("mockexchange.contract.clients", "scripts", "deribit", "cryptofeed_client.py")
    try:
        with LiveScript(venv_python(ensure_venv(CRYPTOFEED)), script, plan, work_dir, "cryptofeed", env) as run:
            run.wait_for("ready", READY_TIMEOUT_S)
            told = Told(run, judged)
            _book_step(told, mock, "the snapshot")
            for name, act in steps:
                bought = len(run.events)  # (the last step's: alice's buy)
                act()
                if after is not None:
                    after(mock, name)
                _book_step(told, mock, f"after {name}")
            trade = told.next("trade", "market-ws", "after alice's buy")
            if trade is not None:
                _trade(trade, mock, judged)
            fill = told.next("fill", "websocket", "after alice's buy")
            if fill is not None:
                _fill(fill, mock, judged)
            told.taken["balance"] = bought  # (the balances before alice's buy are not hers after it)
            if told.next("balance", "websocket", "after alice's buy") is not None:
                _balances([event for event in run.events[bought:] if event["event"] == "balance"], mock, judged)
    finally:
        mock.stop()
    return judged


SAID = {
    "orderbook-ws": "L2_BOOK (book.BTC-PERPETUAL.raw): its book after the snapshot and each of 3 changes",
    "market-ws": "TRADES (trades.BTC-PERPETUAL.raw): the trade alice's buy printed",
    "websocket": "FILLS (user.trades) and BALANCES (user.portfolio.btc): alice's fill and her balance after it",
}


def cryptofeed_verdicts(names: list[str], work_dir: Path) -> dict[str, ClientVerdict]:
    """The columns of cryptofeed's row it plays (`COLUMNS`), from one run."""
    return one_run_verdicts(names, COLUMNS, lambda: play(work_dir).problems, SAID, AGREES)
