"""`mockexchange contract clients`: the client matrix. Every real client, unmodified from PyPI in its own cached venv,
runs a suite of reads per capability against fresh mocks in this process; the matrix says, client by capability,
whether what the client parsed equals the ledger, and why.

Cells: PASS and FAIL (the client's reads against the mock: equal to the ledger, or not, or the client could not run:
a missing interpreter or a venv that cannot be built is a FAIL, never a skip); `n/a` (the client has no such thing,
e.g. no websocket client, or a Kalshi-only capability in ccxt's Deribit row); `not yet` (what the mock's Deribit
venue does not serve yet for ccxt, or a column a client's own play does not judge yet: pmxt's generated column);
`note` (a 3.34-era client read against the legacy profile, which is not theirs: what it does is shown, it does not
fail the matrix). The `generated` column runs the generated-responses mode against
each client (generated.py): what breaks a client is a finding about that client, reported but never a failure.
Exit status: 0 when no cell is FAIL, 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from mockexchange.contract.clients.ccxt_checks import NA_REASONS as CCXT_NA
from mockexchange.contract.clients.ccxt_checks import NOT_YET_REASONS as CCXT_NOT_YET
from mockexchange.contract.clients.ccxt_checks import ccxt_verdicts
from mockexchange.contract.clients.ccxt_coinbase import NA_REASONS as COINBASE_NA
from mockexchange.contract.clients.ccxt_coinbase import NOT_YET_REASONS as COINBASE_NOT_YET
from mockexchange.contract.clients.ccxt_coinbase import matrix_verdicts as coinbase_verdicts
from mockexchange.contract.clients.ccxt_market_ws import market_ws_verdict
from mockexchange.contract.clients.ccxt_trading import COLUMNS as TRADING_COLUMNS
from mockexchange.contract.clients.ccxt_trading import trading_verdicts
from mockexchange.contract.clients.checks import (
    READS,
    Mocks,
    ReadCheck,
    profile_reads,
    read_call,
    start_mock,
    starting,
    usable,
    verdict,
    websocket_verdict,
)
from mockexchange.contract.clients.cryptofeed_feeds import NA as CRYPTOFEED_NA
from mockexchange.contract.clients.cryptofeed_feeds import cryptofeed_verdicts
from mockexchange.contract.clients.dialects import OFFICIAL, OFFICIAL_3_2, SDK, Dialect
from mockexchange.contract.clients.generated import Findings, run_generated
from mockexchange.contract.clients.history import make_history
from mockexchange.contract.clients.kalshi_py_dialect import KALSHI_PY
from mockexchange.contract.clients.libraries import (
    CCXT,
    CRYPTOFEED,
    KALSHI_SDK,
    OFFICIAL_ASYNC,
    OFFICIAL_SYNC,
    OFFICIAL_SYNC_LEGACY,
    PMXT,
    ClientEnvError,
    ClientSpec,
    ensure_venv,
)
from mockexchange.contract.clients.libraries import KALSHI_PY as KALSHI_PY_SPEC
from mockexchange.contract.clients.libraries import PYKALSHI as PYKALSHI_SPEC
from mockexchange.contract.clients.orderbook_ws import orderbook_ws_verdict
from mockexchange.contract.clients.perps_client import perps_verdict
from mockexchange.contract.clients.perps_ws import perps_ws_verdict
from mockexchange.contract.clients.plans import ClientRunError, run_plan
from mockexchange.contract.clients.pmxt_play import NA as PMXT_NA
from mockexchange.contract.clients.pmxt_play import NOT_YET as PMXT_NOT_YET
from mockexchange.contract.clients.pmxt_play import pmxt_verdicts
from mockexchange.contract.clients.portfolio import build_portfolio
from mockexchange.contract.clients.pykalshi_dialect import PYKALSHI
from mockexchange.contract.clients.pykalshi_feed import book_verdict, feed_verdict, market_verdict
from mockexchange.contract.clients.scenes import SCENES, scene_for
from mockexchange.contract.clients.scenes.scene import judge, scene_verdict
from mockexchange.contract.clients.scenes.scene import plan as scene_plan
from mockexchange.contract.clients.sdk_market_ws import market_ws_verdict as sdk_market_ws_verdict
from mockexchange.contract.clients.user_orders_ws import user_orders_verdict
from mockexchange.server import MockServer

PASS, FAIL, NA, NOT_YET, NOTE = "PASS", "FAIL", "n/a", "not yet", "note"
# ccxt.pro's watch_trades, watch_ohlcv and watch_ticker (ccxt_market_ws.py); kalshi-sdk's subscribe_ticker and
# subscribe_trade (sdk_market_ws.py)
MARKET_WS = "market-ws"
FINDINGS, CLEAN = "findings", "clean"
DEFAULT_SEEDS = 10


@dataclass(frozen=True)
class Capability:
    name: str  # as --capability takes it
    header: str  # the table's column
    what: str


CAPABILITIES = (
    Capability("positions-pages", "pages", "GetPositions page by page (limit 7: 36 pages) and the client's iterator"),
    Capability("filters", "filters", "ticker, event_ticker, count_filter, settlement_status, subaccount, "
               "exchange_index on positions; ticker list, order_id, min_ts/max_ts, subaccount on fills; settlements"),
    Capability("fcm", "fcm", "GetFCMPositions through a bound key and the member's key; a non-member's 403"),
    Capability("balance", "balance", "GetBalance by exchange index and subaccount, with breakdowns"),
    Capability("fills", "fills", "GetFills over 10 pages, newest first"),
    Capability("settlements", "settle", "GetSettlements over 3 pages"),
    Capability("transfers", "dep/wd", "GetDeposits and GetWithdrawals in every status"),
    Capability("resting-value", "resting", "GetPortfolioRestingOrderTotalValue of an FCM member; others' 403"),
    Capability("websocket", "ws", "fill and market_positions as typed messages, live"),
    Capability("legacy-profile", "legacy", "positions, balance, fills, settlements from --profile legacy"),
    Capability("account", "account", "AccountApi (limits, costs, volume progress, upgrade) and ApiKeysApi (generate, "
               "upload, delete, list)"),
    Capability("subaccounts", "subacct", "subaccounts, their transfers and netting, intra-exchange-instance transfers, "
               "the target balance allocation: reads, writes, idempotent retry, refusals"),
    Capability("historical", "hist", "GetHistoricalCutoff, GetHistoricalPositions, GetFillsHistorical, "
               "GetHistoricalOrders after a cutoff, walked by cursor, and the live reads beside them"),
    Capability("fcm-desk", "desk", "FcmApi's desk: subtraders, daily caps, blocked categories, fills, orders, "
               "position transfers"),
    Capability("markets", "markets", "the market data reads: markets by event (cursor pages), a market, its book, "
               "two books, its trades, a series' events, an event, a series, the series list, the exchange's status"),
    Capability("orders", "orders", "the v2 order writes (create crossing and resting, batch create, amend, decrease, "
               "cancel, batch cancel) and reads (GetOrders, GetOrder, queue positions), with the balance after; a "
               "client with a websocket client also follows user_orders, live"),
    Capability("rfqs", "rfqs", "the communications API on two keys: an RFQ asked, listed and read, a maker's quote, "
               "accepted, confirmed and executed (both sides' fills), the refusals; a block trade proposed and "
               "accepted"),
    Capability("exchange-data", "exch", "the exchange's schedule, user data timestamp and fee changes, an event's "
               "metadata, candlesticks and forecast, the historical markets, their candlesticks and trades, the search "
               "filters, the multivariate collections and a combo made in one"),
    Capability("live-data", "live", "what the exchange is told: milestones, their live data (typed, by milestone, "
               "a batch, an event's, a play-by-play), a city's weather index and calibrations, structured targets, "
               "incentive programs"),
    Capability("orderbook-ws", "book-ws", "orderbook_delta through the client's own book keeper while the house's "
               "levels move"),
    Capability("market-ws", "mkt-ws", "the public market data channels beyond the book (trades, candles, the "
               "ticker) through the client's websocket client while trades print"),
    Capability("perps", "perps", "Kalshi's perps exchange through the client's perps client: the exchange, markets "
               "and books, order writes and reads, positions, fills, trades, balance, risk, an instance transfer, "
               "an FCM member's subtrader, its caps and the member's own limit"),
    Capability("perps-ws", "perps-ws", "Kalshi's perps exchange's websocket through the client's perps websocket "
               "client: its book keeper, tickers, trades, fills and orders while the exchange trades"),
)  # fmt: skip
GENERATED = Capability("generated", "generated", "generated responses: runs that broke the client (findings)")
BY_NAME = {capability.name: capability for capability in CAPABILITIES}


@dataclass(frozen=True)
class ClientRow:
    name: str  # as --client takes it
    label: str
    spec: ClientSpec | None
    dialect: Dialect | None
    profile: str = "3.34"  # the wire profile the client is made for
    not_yet: str | None = None  # why the row cannot run yet
    venue: str = "kalshi"
    # a live column played by the client's own check (`(venv, work_dir) -> verdict`), not kalshi-sdk's
    live: Mapping[str, Callable[[Path, Path], Any]] = field(default_factory=dict)


CLIENTS = (
    ClientRow("kalshi-sdk", "kalshi-sdk 22.4.0", KALSHI_SDK, SDK),
    ClientRow("kalshi-python-sync", "kalshi_python_sync 3.34.0", OFFICIAL_SYNC, OFFICIAL),
    ClientRow("kalshi-python-async", "kalshi_python_async 3.34.0", OFFICIAL_ASYNC, OFFICIAL),
    ClientRow("kalshi-python-sync-3.2.0", "kalshi_python_sync 3.2.0", OFFICIAL_SYNC_LEGACY, OFFICIAL_3_2, "legacy"),
    ClientRow(
        "pykalshi",
        "pykalshi 2.0.0",
        PYKALSHI_SPEC,
        PYKALSHI,
        live={"websocket": feed_verdict, "orderbook-ws": book_verdict, MARKET_WS: market_verdict},
    ),
    ClientRow("ccxt", "ccxt 4.5.90 (Deribit)", CCXT, None, venue="deribit"),
    ClientRow("ccxt-coinbase", "ccxt 4.5.90 (Coinbase's Deribit)", CCXT, None, venue="coinbase"),
    ClientRow("cryptofeed", "cryptofeed 2.4.1 (Deribit)", CRYPTOFEED, None, venue="deribit"),
    ClientRow("pmxt", "pmxt 2.54.0 (Kalshi)", PMXT, None, "legacy"),
    ClientRow("kalshi-py", "kalshi-py 2.0.6.6", KALSHI_PY_SPEC, KALSHI_PY, "legacy"),
)
CLIENTS_BY_NAME = {row.name: row for row in CLIENTS}


@dataclass(frozen=True)
class Cell:
    status: str
    reason: str


@dataclass
class Matrix:
    clients: list[ClientRow]
    columns: list[Capability]
    cells: dict[str, dict[str, Cell]]  # client name -> capability name -> cell
    seeds: list[int] = field(default_factory=list)
    findings: dict[str, Findings] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(cell.status == FAIL for row in self.cells.values() for cell in row.values())

    def count(self, status: str) -> int:
        return sum(cell.status == status for row in self.cells.values() for cell in row.values())

    def short(self, client: str, column: str) -> str:
        cell = self.cells[client][column]
        if column == GENERATED.name and cell.status in (FINDINGS, CLEAN):
            return f"{len(self.findings[client].broken_seeds)}/{len(self.seeds)} broke"
        return cell.status

    def render(self) -> str:
        label_width = max(len(row.label) for row in self.clients) + 2
        widths = [
            max(len(column.header), *(len(self.short(row.name, column.name)) for row in self.clients)) + 2
            for column in self.columns
        ]
        lines = [
            "client".ljust(label_width) + "".join(c.header.ljust(w) for c, w in zip(self.columns, widths, strict=True))
        ]
        for row in self.clients:
            cells = [self.short(row.name, c.name).ljust(w) for c, w in zip(self.columns, widths, strict=True)]
            lines.append((row.label.ljust(label_width) + "".join(cells)).rstrip())
        lines += ["", "Why, cell by cell:"]
        for row in self.clients:
            lines.append(f"{row.label}:")
            if row.not_yet:
                lines.append(f"  every column: {row.not_yet} (shown so the gap is visible; not a failure)")
                continue
            for column in self.columns:
                cell = self.cells[row.name][column.name]
                lines.append(f"  {column.header:<9} {cell.status:<8} {cell.reason}")
        lines += ["", self.summary()]
        return "\n".join(lines)

    def summary(self) -> str:
        counts = ", ".join(
            f"{self.count(status)} {status}" for status in (PASS, FAIL, NA, NOTE, NOT_YET) if self.count(status)
        )
        broken = sum(len(f.broken_seeds) for f in self.findings.values())
        generated = (
            f"; generated responses: {broken} of {len(self.findings) * len(self.seeds)} client runs broke "
            f"(seeds {self.seeds[0]}..{self.seeds[-1]}; findings about the clients, never a failure)"
            if self.seeds and self.findings
            else ""
        )
        return f"{counts}{generated}. {'FAILED' if self.failed else 'OK'}"

    def as_junit(self) -> bytes:
        """JUnit XML: one test case per client (classname) and capability (name); FAIL fails it, n/a and not yet
        skip it, a note or a finding about the client passes with the reason as its output."""
        suite = ElementTree.Element("testsuite", name="mockexchange contract clients")
        for row in self.clients:
            for column in self.columns:
                cell = self.cells[row.name][column.name]
                case = ElementTree.SubElement(suite, "testcase", classname=row.name, name=column.name)
                if cell.status == FAIL:
                    ElementTree.SubElement(case, "failure", message=cell.reason[:500]).text = cell.reason
                elif cell.status in (NA, NOT_YET):
                    ElementTree.SubElement(case, "skipped", message=f"{cell.status}: {cell.reason}"[:500])
                else:
                    ElementTree.SubElement(case, "system-out").text = f"{cell.status}: {cell.reason}"
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(case.find("failure") is not None for case in cases)))
        suite.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))
        suite.set("errors", "0")
        return ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": [row.name for row in self.clients],
            "capabilities": [column.name for column in self.columns],
            "seeds": self.seeds,
            "cells": {
                client: {name: {"status": cell.status, "reason": cell.reason} for name, cell in row.items()}
                for client, row in self.cells.items()
            },
            "findings": {
                client: [vars(breakage) for breakage in found.broken] for client, found in self.findings.items()
            },
            "failed": self.failed,
        }


def _first_lines(said: object, count: int = 3) -> str:
    """The first lines of what was said (a message, or an error as it prints), on one line."""
    return " | ".join(line.strip() for line in str(said).strip().splitlines()[:count])


def _build_mocks(row: ClientRow, work_dir: Path) -> tuple[Mocks, list[MockServer]]:
    started: list[MockServer] = []
    try:
        positions_mock = start_mock(MockServer(profile=row.profile))
        started.append(positions_mock)
        (work_dir / "positions").mkdir()
        positions = build_portfolio(positions_mock, work_dir / "positions")
        history = {}
        for profile in ("3.34", "legacy"):
            (work_dir / profile).mkdir()
            with starting():
                history[profile] = make_history(work_dir / profile, profile)
            started.append(history[profile].mock)
    except BaseException:
        for mock in started:
            mock.stop()
        raise
    return Mocks(positions, history, row.profile), started


def _plan_cells(row: ClientRow, names: list[str], work_dir: Path) -> dict[str, Cell]:
    """The capabilities whose reads and scenes go into one run of the client's script, against fresh mocks (the
    portfolios when a read asks for them, each scene its own)."""
    assert row.spec is not None and row.dialect is not None
    dialect = row.dialect
    started: list[MockServer] = []
    try:
        mocks, reads, calls = None, {}, []
        if any(name in READS for name in names):
            mocks, built = _build_mocks(row, work_dir)
            started += built
            reads = _reads(row, names, mocks)
            calls = [
                read_call(dialect, read, mocks) | {"id": f"{name}/{read.id}"}
                for name, (kept, _) in reads.items()
                for read in kept
            ]
        staged = {}
        scenes = {name: scene_for(name, row.profile) for name in names if name in SCENES}
        for name, scene in scenes.items():
            (work_dir / name).mkdir()
            staged[name] = scene.seed(work_dir / name, row.profile)
            started.append(staged[name].mock)
            calls += scene_plan(scene, dialect, staged[name], prefix=f"{name}/")
        try:
            served = mocks.positions if mocks is not None else next(iter(staged.values()))
            outcomes = run_plan(row.spec, served, calls, work_dir)
        except ClientRunError as exc:
            return {name: Cell(FAIL, _first_lines(exc, 6)) for name in names}
        cells = {}
        for name, done in staged.items():
            judged = scene_verdict(scenes[name], dialect, judge(scenes[name], dialect, done, outcomes, f"{name}/"))
            cells[name] = Cell(PASS if judged.passed else FAIL, judged.reason)
        for name, (kept, lacked) in reads.items():
            mine = {read.id: outcomes[f"{name}/{read.id}"] for read in kept}
            if name == "on-3.34":
                continue
            assert mocks is not None
            judged = verdict(dialect, kept, mocks, mine)
            reason = judged.reason + (f" (the client cannot send {', '.join(lacked)})" if lacked else "")
            cells[name] = Cell(PASS if judged.passed else FAIL, reason)
        if "legacy-profile" in cells:
            cells["legacy-profile"] = _legacy_cell(row, cells["legacy-profile"], reads, outcomes)
        return cells
    finally:
        for mock in started:
            mock.stop()


def _reads(row: ClientRow, names: list[str], mocks: Mocks) -> dict[str, tuple[list[ReadCheck], list[str]]]:
    """Each read capability's reads the client can make, and the parameters it cannot send."""
    assert row.dialect is not None
    reads = {name: usable(row.dialect, READS[name](row.dialect, mocks)) for name in names if name in READS}
    if "legacy-profile" in names and row.profile == "legacy":
        # The old client's own profile is legacy; show what the 3.34 shapes do to it beside the verdict.
        reads["on-3.34"] = (profile_reads("3.34")(row.dialect, mocks), [])
    return reads


def _legacy_cell(
    row: ClientRow, cell: Cell, reads: dict[str, tuple[list[ReadCheck], list[str]]], outcomes: dict[str, dict]
) -> Cell:
    """The legacy profile is the old client's: its verdict counts. For a 3.34-era client it is shown, as a note."""
    if row.profile != "legacy":
        return (
            cell if cell.status == PASS else Cell(NOTE, f"not this client's profile, so not a failure: {cell.reason}")
        )
    seen = []
    for read in reads["on-3.34"][0]:
        outcome = outcomes[f"on-3.34/{read.id}"]
        seen.append(f"{read.endpoint} {'parses' if outcome['ok'] else 'raises ' + outcome['error']['type']}")
    return Cell(cell.status, f"{cell.reason}. Against --profile 3.34 (expected to break it): {', '.join(seen)}")


class Progress:
    """Says each cell as it is decided and each row as it ends (stderr, by default): a matrix takes minutes."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self._lock = threading.Lock()

    def cells(self, row: ClientRow, cells: dict[str, Cell], already: set[str], started: float) -> None:
        """Say the cells of `cells` not in `already`, and add them to it."""
        for name, cell in cells.items():
            if name not in already:
                already.add(name)
                self._say(f"contract clients: {row.name}: {name} {cell.status} ({time.monotonic() - started:.1f} s)")

    def row_done(self, row: ClientRow, cells: dict[str, Cell], started: float) -> None:
        counts = Counter(cell.status for cell in cells.values())
        shown = ", ".join(f"{n} {status}" for status, n in counts.items())
        self._say(f"contract clients: {row.name} done in {time.monotonic() - started:.1f} s: {shown}")

    def _say(self, line: str) -> None:
        with self._lock:  # rows run in threads side by side
            self.say(line)


def client_cells(
    row: ClientRow, names: list[str], seeds: list[int], work_dir: Path, progress: Progress | None = None
) -> tuple[dict[str, Cell], Findings | None]:
    """Every asked-for cell of one client's row (and its generated-mode findings), each said as it is decided."""
    started, said = time.monotonic(), set[str]()

    def decided(cells: dict[str, Cell]) -> None:
        if progress is not None:
            progress.cells(row, cells, said, started)

    cells, findings = _row_cells(row, names, seeds, work_dir, decided)
    if progress is not None:
        progress.cells(row, cells, said, started)
        progress.row_done(row, cells, started)
    return cells, findings


def _row_cells(
    row: ClientRow, names: list[str], seeds: list[int], work_dir: Path, decided: Callable[[dict[str, Cell]], Any]
) -> tuple[dict[str, Cell], Findings | None]:
    columns = [*names, *([GENERATED.name] if seeds else [])]
    if row.not_yet is not None:
        return {name: Cell(NOT_YET, row.not_yet) for name in columns}, None
    if row.spec is CRYPTOFEED:  # its Deribit feeds over TLS (cryptofeed_feeds.py): a feed handler reads nothing else
        return _one_play_cells(row, columns, work_dir, cryptofeed_verdicts, CRYPTOFEED_NA), None
    if row.venue == "deribit":
        return _ccxt_cells(row, columns, work_dir), None
    if row.venue == "coinbase":  # ccxt's coinbaseinternational (ccxt_coinbase.py), the Kalshi-only columns n/a
        errors = (ClientEnvError, ClientRunError, AssertionError)
        cells = _one_play_cells(
            row, columns, work_dir, coinbase_verdicts, CCXT_NA | COINBASE_NA, COINBASE_NOT_YET, errors
        )
        return cells, None
    if row.spec is PMXT:  # its unified API over the legacy profile (pmxt_play.py)
        return _one_play_cells(row, columns, work_dir, pmxt_verdicts, PMXT_NA, PMXT_NOT_YET), None
    assert row.spec is not None and row.dialect is not None
    cells = {name: Cell(NA, row.dialect.lacks[name]) for name in columns if name in row.dialect.lacks}
    decided(cells)
    todo = [name for name in columns if name not in cells]
    try:
        venv = ensure_venv(row.spec)
    except ClientEnvError as exc:
        return cells | {name: Cell(FAIL, _first_lines(exc, 8)) for name in todo}, None
    planned = [name for name in todo if name in READS or name in SCENES]
    if planned:
        (work_dir / "plan").mkdir()
        cells.update(_plan_cells(row, planned, work_dir / "plan"))
        # a row that plays kalshi-sdk's websocket client (not lacked, not played apart, nor by a check of its own)
        # follows its orders on user_orders too
        apart = row.dialect.lacks.keys() | row.live.keys()
        if "orders" in planned and "websocket" not in apart:
            followed = _live_cell(user_orders_verdict, venv, work_dir / "user_orders")
            cells["orders"] = _both(cells["orders"], followed, "user_orders")
        decided(cells)
    for name, live in (
        ("websocket", websocket_verdict),
        ("orderbook-ws", orderbook_ws_verdict),
        (MARKET_WS, sdk_market_ws_verdict),
        ("perps", perps_verdict),
        ("perps-ws", perps_ws_verdict),
    ):
        if name in todo:
            cells[name] = _live_cell(row.live.get(name, live), venv, work_dir / name)
            decided(cells)
    findings = None
    if GENERATED.name in todo:
        (work_dir / "generated").mkdir()
        try:
            findings = run_generated(row.spec, row.dialect, row.profile, seeds, work_dir / "generated")
            cells[GENERATED.name] = Cell(FINDINGS if findings.broken else CLEAN, findings.summary())
        except ClientRunError as exc:  # the harness itself broke: ours, not the client's
            cells[GENERATED.name] = Cell(FAIL, _first_lines(exc, 6))
    return cells, findings


def _live_cell(live: Callable[[Path, Path], Any], venv: Path, work_dir: Path) -> Cell:
    """A check that runs the client live against a mock of its own (`live(venv, work_dir)`: a Verdict)."""
    work_dir.mkdir()
    try:
        judged = live(venv, work_dir)
    except ClientRunError as exc:
        return Cell(FAIL, _first_lines(exc, 6))
    return Cell(PASS if judged.passed else FAIL, judged.reason)


def _both(cell: Cell, more: Cell, what: str) -> Cell:
    """A cell and a further check of it (`what`): it passes when both do."""
    status = PASS if (cell.status, more.status) == (PASS, PASS) else FAIL
    return Cell(status, f"{cell.reason}; {what}: {more.status} {more.reason}")


def _preset_cells(
    columns: list[str], not_yet: Mapping[str, str], na: Mapping[str, str] = CCXT_NA
) -> tuple[dict[str, Cell], list[str]]:
    """A row's cells known before its play runs (those `na` names n/a, ccxt's Kalshi-only columns by default; those
    `not_yet` names not yet), and the rest."""
    cells = {name: Cell(NA, na[name]) for name in columns if name in na}
    cells |= {name: Cell(NOT_YET, not_yet[name]) for name in columns if name in not_yet}
    return cells, [name for name in columns if name not in cells]


def _ccxt_cells(row: ClientRow, columns: list[str], work_dir: Path) -> dict[str, Cell]:
    """ccxt's row: Deribit's reads (mockexchange/contract/clients/ccxt_checks.py), its books and orders
    (ccxt_trading.py) and its public channels (ccxt_market_ws.py) against the Deribit exchange."""
    assert row.spec is not None
    cells, todo = _preset_cells(columns, CCXT_NOT_YET)
    try:
        ensure_venv(row.spec)
        reads = [name for name in todo if name not in TRADING_COLUMNS and name != MARKET_WS]
        judged = ccxt_verdicts(reads, work_dir) | trading_verdicts([n for n in todo if n in TRADING_COLUMNS], work_dir)
        if MARKET_WS in todo:
            (work_dir / MARKET_WS).mkdir()
            judged[MARKET_WS] = market_ws_verdict(work_dir / MARKET_WS)
    except (ClientEnvError, ClientRunError) as exc:
        return cells | {name: Cell(FAIL, _first_lines(exc, 8)) for name in todo}
    return cells | {name: Cell(PASS if v.passed else FAIL, v.reason) for name, v in judged.items()}


def _one_play_cells(
    row: ClientRow,
    columns: list[str],
    work_dir: Path,
    verdicts: Callable[[list[str], Path], dict[str, Any]],
    na: Mapping[str, str],
    not_yet: Mapping[str, str] | None = None,
    errors: tuple[type[Exception], ...] = (ClientEnvError,),
) -> dict[str, Cell]:
    """A row whose columns one play of its own judges (cryptofeed's feeds, ccxt's coinbaseinternational, pmxt): the
    columns `na` names n/a, those `not_yet` names not yet, the rest the play's verdicts (each FAIL, saying why, when the
    venv cannot be built or the play cannot run)."""
    assert row.spec is not None
    cells, todo = _preset_cells(columns, not_yet or {}, na)
    try:
        ensure_venv(row.spec)
        judged = verdicts(todo, work_dir)
    except errors as exc:
        return cells | {name: Cell(FAIL, _first_lines(exc, 8)) for name in todo}
    return cells | {name: Cell(PASS if v.passed else FAIL, v.reason) for name, v in judged.items()}


def run_matrix(
    clients: Sequence[ClientRow] = CLIENTS,
    capabilities: Sequence[str] | None = None,
    generated_seeds: int = DEFAULT_SEEDS,
    work_dir: Path | None = None,
    progress: Progress | None = None,
) -> Matrix:
    """Run the matrix (the clients side by side, each against its own fresh mocks) and answer it. `capabilities`
    names the columns (default: all, and `generated` when `generated_seeds` is above 0)."""
    asked = list(capabilities or [*BY_NAME, GENERATED.name])
    names = [name for name in asked if name != GENERATED.name]
    seeds = list(range(1, generated_seeds + 1)) if GENERATED.name in asked else []
    columns = [BY_NAME[name] for name in names] + ([GENERATED] if seeds else [])
    with tempfile.TemporaryDirectory(prefix="mockexchange-clients-", dir=work_dir) as tmp:
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            futures = {}
            for row in clients:
                (Path(tmp) / row.name).mkdir()
                futures[row.name] = pool.submit(client_cells, row, names, seeds, Path(tmp) / row.name, progress)
        results = {name: future.result() for name, future in futures.items()}
    matrix = Matrix(list(clients), columns, {name: cells for name, (cells, _) in results.items()}, seeds)
    matrix.findings = {name: found for name, (_, found) in results.items() if found is not None}
    # Cells in column order, whatever order they were filled in.
    matrix.cells = {name: {c.name: cells[c.name] for c in columns} for name, cells in matrix.cells.items()}
    return matrix


# -- the command -----------------------------------------------------------------------------------------------------


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "clients",
        help="run the real clients against fresh mocks: a client x capability matrix",
        description="Build (once, cached) a venv per real client, run each client's reads per capability against "
        "fresh mocks and print the matrix. Exit 0 when no cell fails, 1 otherwise, 2 on usage errors.",
    )
    p.add_argument(
        "--client", action="append", choices=list(CLIENTS_BY_NAME), metavar="NAME",
        help=f"only these clients (repeatable; default all: {', '.join(CLIENTS_BY_NAME)})",
    )  # fmt: skip
    p.add_argument(
        "--capability", action="append", choices=[*BY_NAME, GENERATED.name], metavar="NAME",
        help=f"only these columns (repeatable; default all: {', '.join([*BY_NAME, GENERATED.name])})",
    )  # fmt: skip
    p.add_argument(
        "--generated-seeds", type=int, default=DEFAULT_SEEDS, metavar="N",
        help="generated-responses runs per client, seeds 1..N (default %(default)s; 0 leaves the column out)",
    )  # fmt: skip
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the matrix as JSON")
    p.add_argument(
        "--junit-xml", type=Path, metavar="FILE",
        help="also write a JUnit XML report: a test case per client and capability (n/a and not yet: skipped)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.generated_seeds < 0:
        print("contract clients: --generated-seeds must be 0 or more", file=sys.stderr)
        return 2
    clients = [CLIENTS_BY_NAME[name] for name in dict.fromkeys(args.client or CLIENTS_BY_NAME)]
    capabilities = list(dict.fromkeys(args.capability)) if args.capability else None
    matrix = run_matrix(clients, capabilities, args.generated_seeds, progress=Progress())
    print(matrix.render())
    if args.json:
        args.json.write_text(json.dumps(matrix.as_json(), indent=2) + "\n")
    if args.junit_xml:
        args.junit_xml.write_bytes(matrix.as_junit())
    return 1 if matrix.failed else 0
