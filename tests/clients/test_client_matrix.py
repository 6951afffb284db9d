"""`mockexchange contract clients`: the whole matrix runs in CI, every client against fresh mocks, and no cell may fail;
a client that cannot run (no interpreter) is a FAIL and exit status 1, never a skip."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import ccxt_played
import pytest

from mockexchange.cli import main
from mockexchange.contract.clients.matrix import (
    BY_NAME,
    CAPABILITIES,
    CLEAN,
    CLIENTS,
    FAIL,
    FINDINGS,
    GENERATED,
    NA,
    NOT_YET,
    NOTE,
    PASS,
    Cell,
    ClientRow,
    Matrix,
    run_matrix,
)
from mockexchange.contract.clients.pmxt_play import COLUMNS as PMXT_COLUMNS
from mockexchange.contract.clients.scenes.account import ACCOUNT
from mockexchange.contract.clients.scenes.exchange_data import EXCHANGE_DATA
from mockexchange.contract.clients.scenes.fcm_desk import FCM_DESK
from mockexchange.contract.clients.scenes.historical import HISTORICAL
from mockexchange.contract.clients.scenes.legacy_orders import LEGACY_ORDERS
from mockexchange.contract.clients.scenes.live_data import LIVE_DATA
from mockexchange.contract.clients.scenes.markets import MARKETS_SCENE
from mockexchange.contract.clients.scenes.orders import ORDERS
from mockexchange.contract.clients.scenes.subaccounts import SUBACCOUNTS
from mockexchange.contract.clients.user_orders_ws import CHANGES

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

SEEDS = 3  # the generated column: a few seeds keep the run short (10, the command's default, cover every profile)

# What each row must show. Anything else, FAIL above all, fails the test with the matrix printed.
EVERY = {capability.name: PASS for capability in CAPABILITIES}
NO_WEBSOCKET = {"websocket": NA, "orderbook-ws": NA, "market-ws": NA}  # the official packages have no websocket client
NO_PERPS = {"perps": NA, "perps-ws": NA}  # nor a perps client: kalshi-sdk's PerpsClient is the published one
# What kalshi-sdk's perps cell calls, each named in its verdict (contract/clients/perps_client.py's plan)
PERPS_CALLS = (
    "create", "amend", "decrease", "cancel", "transfer", "markets", "books", "positions", "risk", "subaccount_transfer",
    "group_create", "group_limit", "group_trigger", "group_delete", "groups", "fee_tier_rates", "notional_limit",
    "corporate_actions", "candles", "trigger_set", "trigger_update", "trigger_cancel", "isolated_trailing",
    "isolated_cancel", "triggers_eth", "triggers_isolated", "funding_history", "funding_rates", "funding_estimate",
    "premium_index", "fcm_subtrader", "fcm_cap_market", "fcm_cap_delete", "fcm_limit", "fcm_limit_delete",
    "fcm_risk_controls", "fcm_risk_controls_held", "fcm_notional_limit",
)  # fmt: skip
EXPECTED = {
    # the legacy profile is not kalshi-sdk's: its models keep the integer twins, shown as a note (docs/contract-kit.md)
    "kalshi-sdk": EVERY | {"legacy-profile": NOTE},
    "kalshi-python-sync": EVERY | NO_WEBSOCKET | NO_PERPS,
    "kalshi-python-async": EVERY | NO_WEBSOCKET | NO_PERPS,
    # 3.2.0 has none of the subaccount or historical operations (tests/clients/test_client_dialects.py); its orders are
    # the first order routes' (scenes/legacy_orders.py); its rfqs cell passes with a finding (it cannot accept a quote:
    # the rfqs cell names the finding, below)
    "kalshi-python-sync-3.2.0": EVERY
    | NO_WEBSOCKET
    | NO_PERPS
    | dict.fromkeys(("transfers", "subaccounts", "historical"), NA),
    # pykalshi: its portfolio reads (walking the pages itself), the market data, its orders, keys, RFQs and feed; what
    # it has no operation for n/a; its resting value a finding its dialect names, shown again (its refusals judged)
    "pykalshi": dict.fromkeys(EVERY, NOT_YET)
    | dict.fromkeys(
        (
            "positions-pages",
            "resting-value",
            "filters",
            "balance",
            "fills",
            "settlements",
            "legacy-profile",
            "markets",
            "websocket",
            "historical",
            "orders",
            "subaccounts",
            "orderbook-ws",
            "market-ws",
            "account",
            "exchange-data",
            "rfqs",
        ),
        PASS,
    )
    | dict.fromkeys(("fcm", "transfers", "fcm-desk", "perps", "perps-ws", "live-data"), NA),
    # Deribit through ccxt: Kalshi-only capabilities are n/a
    "ccxt": {
        "positions-pages": PASS,
        "filters": PASS,
        "fcm": NA,
        "balance": PASS,
        "fills": PASS,
        "settlements": NA,
        "transfers": PASS,
        "resting-value": NA,
        "websocket": PASS,
        "legacy-profile": NA,
        "account": NA,
        "subaccounts": NA,
        "historical": NA,
        "fcm-desk": NA,
        "rfqs": NA,
        "exchange-data": NA,
        "live-data": NA,
        # Deribit's books and orders (mockexchange/contract/clients/ccxt_trading.py)
        "markets": PASS,
        "orderbook-ws": PASS,
        "orders": PASS,
        # its public channels (mockexchange/contract/clients/ccxt_market_ws.py)
        "market-ws": PASS,
        "perps": NA,
        "perps-ws": NA,
    },
    # Deribit's feeds through cryptofeed over TLS (cryptofeed_feeds.py): its book, trades, fills and balance, one run
    "cryptofeed": {name: NA for name in EVERY} | dict.fromkeys(("websocket", "orderbook-ws", "market-ws"), PASS),
    # Coinbase's Deribit-powered API through ccxt's coinbaseinternational (ccxt_coinbase.py): its balance and orders
    "ccxt-coinbase": {name: NA for name in EVERY}
    | dict.fromkeys(("balance", "orders", "fills", "markets", "orderbook-ws", "market-ws", "websocket"), PASS),
    # pmxt's unified API over the legacy profile (pmxt_play.py): its markets, balance, positions, fills and orders
    "pmxt": {name: NA for name in EVERY} | dict.fromkeys(PMXT_COLUMNS, PASS),
    # kalshi-py, generated from an older spec, on the legacy profile: what it has no operation for n/a
    "kalshi-py": EVERY
    | NO_WEBSOCKET
    | NO_PERPS
    | dict.fromkeys(("fcm", "fcm-desk", "transfers", "subaccounts", "historical"), NA),
}


DERIBIT_ROWS = ("ccxt", "ccxt-coinbase", "cryptofeed")


def run_rows(rows: list[ClientRow]) -> Matrix:
    """The matrix of `rows`, each cell as expected (`EXPECTED`); the generated column's findings reported, tagged with
    the answer that broke the client, and never failing the matrix."""
    matrix = run_matrix(rows, generated_seeds=SEEDS)
    shown = matrix.render()
    print(shown)
    assert not matrix.failed, f"cells failed:\n{shown}"
    statuses = {
        client: {name: cell.status for name, cell in row.items() if name != "generated"}
        for client, row in matrix.cells.items()
    }
    assert statuses == {row.name: EXPECTED[row.name] for row in rows}, shown
    for client, row in matrix.cells.items():
        expected = NA if client in DERIBIT_ROWS else NOT_YET if client == "pmxt" else (FINDINGS, CLEAN)
        assert row["generated"].status in expected, (client, row["generated"])
    for client, findings in matrix.findings.items():
        assert findings.seeds == [1, 2, 3]
        for breakage in findings.broken:
            assert breakage.tag.startswith(f"seed={breakage.seed} n="), (client, breakage)
            assert matrix.cells[client]["generated"].status == FINDINGS
    return matrix


def test_the_deribit_rows_pass_and_ccxt_plays_hold_the_values_worked_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """ccxt's two rows (Deribit's, Coinbase's dialect), each play recorded as its cell makes it: the values worked by
    hand are checked on the same runs the cells judged (ccxt_played.py), so no play runs twice; and cryptofeed's."""
    made = ccxt_played.recorded(monkeypatch)
    matrix = run_rows([row for row in CLIENTS if row.name in DERIBIT_ROWS])
    assert "equal to the mock's records" in matrix.cells["ccxt"]["positions-pages"].reason, matrix.render()
    ccxt_played.check_every_play(made)
    said = matrix.cells["cryptofeed"]["orderbook-ws"].reason
    assert "its book after the snapshot and each of 3 changes: equal to the mock's records" in said, matrix.render()


def test_the_matrix_has_no_failing_cell() -> None:
    """The Kalshi clients' rows (the Deribit clients' are the test above's)."""
    matrix = run_rows([row for row in CLIENTS if row.name not in DERIBIT_ROWS])
    shown = matrix.render()
    # kalshi-sdk's upgrade cannot parse the bodyless 201 the spec gives it: a finding the cell names (contract-kit.md)
    assert "upgrade raises JSONDecodeError" in matrix.cells["kalshi-sdk"]["account"].reason, shown
    # nor can its Market model parse a 3.34.0 market (it requires `liquidity_dollars`): another
    assert "markets raises ValidationError" in matrix.cells["kalshi-sdk"]["markets"].reason, shown
    # and its CreateOrderV2Request requires client_order_id, which the spec makes optional: a third
    assert "unnamed raises ValidationError" in matrix.cells["kalshi-sdk"]["orders"].reason, shown
    # kalshi-sdk follows its orders on user_orders too, each message equal to the ledger's order and book
    assert (
        "user_orders: PASS subscribe_user_orders(): 7 UserOrdersMessage" in matrix.cells["kalshi-sdk"]["orders"].reason
    )
    # and follows the public ticker and trade channels, each message equal to the market's REST reads
    assert "subscribe_ticker() and subscribe_trade()" in matrix.cells["kalshi-sdk"]["market-ws"].reason, shown
    # and the perps exchange's channels through its perps websocket client, each message equal to the exchange's state
    # (tests/test_perps_ws_client.py breaks it)
    perps_ws = matrix.cells["kalshi-sdk"]["perps-ws"].reason
    for said in ("subscribe_orderbook_delta", "the snapshot and 6 deltas",
                 "10 tickers, 4 trades, 4 fills and 5 user orders"):  # fmt: skip
        assert said in perps_ws, shown
    # and every resource of its perps client, each value equal to the exchange's (tests/test_perps_client.py breaks it)
    perps = matrix.cells["kalshi-sdk"]["perps"].reason
    for call in PERPS_CALLS:
        assert call in perps, (call, shown)
    # Each scene's cell ran every check the client has operations for, by name (the cell's reason names them)
    official = ("kalshi-sdk", "kalshi-python-sync", "kalshi-python-async")
    legacy_checks = {
        "account": ["keys made", "a key deleted", "keys listed"],  # 3.2.0 has no AccountApi
        "fcm-desk": ["orders"],  # nor any FcmApi operation but get_fcm_orders
        "markets": [c.name for c in MARKETS_SCENE.checks if c.name != "two books"],  # nor GetMarketOrderbooks
        # nor the historical API or the event fee changes, nor the live data by milestone, an event's, its
        # play-by-play or the weather index
        "exchange-data": [
            c.name
            for c in EXCHANGE_DATA.checks
            if not c.name.startswith("historical") and c.name != "event fee changes"
        ],
        "live-data": [
            c.name
            for c in LIVE_DATA.checks
            if c.name not in ("live data by milestone", "an event's live data", "the weather index")
        ],
    }
    for column, scene in (("account", ACCOUNT), ("fcm-desk", FCM_DESK), ("historical", HISTORICAL),
                          ("markets", MARKETS_SCENE), ("orders", ORDERS), ("subaccounts", SUBACCOUNTS),
                          ("exchange-data", EXCHANGE_DATA), ("live-data", LIVE_DATA)):  # fmt: skip
        every = [c.name for c in scene.checks if c.name != "announcements"]  # (3.34.0 has no announcements read)
        for client in official:
            assert _ran(every) in matrix.cells[client][column].reason, (client, column, shown)
        if column in legacy_checks:
            legacy_reason = matrix.cells["kalshi-python-sync-3.2.0"][column].reason
            assert _ran(legacy_checks[column]) in legacy_reason, (column, shown)
    # pykalshi walks every page itself (fetch_all): the pages are the requests it sent; it reads every market data
    # check but the two books (it has no GetMarketOrderbooks), a market's book through the Market it answered
    assert "walk_7: 250 rows in 36 pages; equal to the ledger" in matrix.cells["pykalshi"]["positions-pages"].reason
    pykalshi_markets = [c.name for c in MARKETS_SCENE.checks if c.name != "two books"]
    assert _ran(pykalshi_markets) in matrix.cells["pykalshi"]["markets"].reason, shown
    assert "3 PositionMessage through its Feed" in matrix.cells["pykalshi"]["websocket"].reason, shown
    pykalshi_history = [c.name for c in HISTORICAL.checks if "positions" not in c.name]  # no GetHistoricalPositions
    assert _ran(pykalshi_history) in matrix.cells["pykalshi"]["historical"].reason, shown
    # its orders: every check, but what its models do not keep of the answers (the cell names those)
    assert _ran([c.name for c in ORDERS.checks]) in matrix.cells["pykalshi"]["orders"].reason, shown
    assert "not compared, which its models do not keep: average_fee_paid" in matrix.cells["pykalshi"]["orders"].reason
    # the legacy profile's clients trade through the first order routes, every check (kalshi-py's batches raise in its
    # models after the exchange acted: findings the cell names)
    for client in ("kalshi-python-sync-3.2.0", "kalshi-py"):
        assert _ran([c.name for c in LEGACY_ORDERS.checks]) in matrix.cells[client]["orders"].reason, (client, shown)
    assert "batch raises TypeError: its batch answer model" in matrix.cells["kalshi-py"]["orders"].reason, shown
    # its keys, exchange data and RFQs through its own calls; what it asks other than the spec says named, shown again
    for column, checks in (("account", ["limits", "keys made", "a key deleted", "keys listed"]),
                           ("exchange-data", ["a combo made", "collections", "the schedule", "historical markets",
                                              "historical candlesticks", "historical trades"]),
                           ("rfqs", ["RFQs"])):  # fmt: skip
        assert _ran(checks) in matrix.cells["pykalshi"][column].reason, (column, shown)
    pykalshi_exchange = matrix.cells["pykalshi"]["exchange-data"].reason
    assert "; GetUserDataTimestamp: a finding about the client, shown again: its" in pykalshi_exchange, shown
    assert "GetUserDataTimestamp," not in pykalshi_exchange.split("(the client has no ")[1], shown
    assert "; GetSeriesList: a finding about the client, shown again: " in matrix.cells["kalshi-py"]["markets"].reason
    # kalshi-sdk's Market raises on both market reads; 3.2.0's Orderbook drops the integer levels: findings named
    liquidity = "raises ValidationError: its Market requires `liquidity_dollars`, which 3.34.0's Market does not have"
    for read in ("markets", "market"):
        assert f"; {read} {liquidity}" in matrix.cells["kalshi-sdk"]["markets"].reason, shown
    assert "; book: its Orderbook calls" in matrix.cells["kalshi-python-sync-3.2.0"]["markets"].reason, shown
    # the same Market raises on the historical markets; 3.2.0's TickerPair cannot send a leg's side ('true'/'false')
    for read in ("hist_markets", "hist_market"):
        assert f"; {read} {liquidity}" in matrix.cells["kalshi-sdk"]["exchange-data"].reason, shown
    legacy_exchange = matrix.cells["kalshi-python-sync-3.2.0"]["exchange-data"].reason
    assert "; combo raises ValidationError: its TickerPair" in legacy_exchange, shown
    # what raised inside a client while it traded is exactly the known finding (kalshi-sdk's unnamed order), no other
    for client, raised in (("kalshi-sdk", ["unnamed raises ValidationError"]), ("kalshi-python-sync", []),
                           ("kalshi-python-async", [])):  # fmt: skip
        said = matrix.cells[client]["orders"].reason.split("; ")
        assert [part.split(":")[0] for part in said if " raises " in part] == raised, (client, shown)
    assert f"subscribe_user_orders(): {len(CHANGES)} UserOrdersMessage (" in matrix.cells["kalshi-sdk"]["orders"].reason
    book_ws = matrix.cells["kalshi-sdk"]["orderbook-ws"].reason
    assert "from the snapshot and 8 deltas (seq 1..9, no gap)" in book_ws, shown
    # Each Kalshi client runs an RFQ with two keys through every check of the scene, each answer equal to the ledger's
    # RFQ, quote and fills (mockexchange/contract/clients/scenes/rfqs.py); 3.2.0, on the legacy profile by the quote's
    # id, has no block trades and cannot accept (its AcceptQuoteRequest takes accepted_side as 'true' or 'false'): a
    # finding the cell names
    every = "6 checks (communications id, RFQs, quotes, refusals, the trade, block trades)"
    for client in ("kalshi-sdk", "kalshi-python-sync", "kalshi-python-async"):
        assert every in matrix.cells[client]["rfqs"].reason, (client, shown)
    legacy = matrix.cells["kalshi-python-sync-3.2.0"]["rfqs"].reason
    assert "5 checks (communications id, RFQs, quotes, refusals, the trade)" in legacy, shown
    assert "accept raises ValidationError" in legacy, shown


def test_a_missing_interpreter_fails_the_cells_and_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An empty venv cache, and Pythons 3.12 and 3.11 pointed at nothing: kalshi-sdk's and ccxt's venvs cannot be built.
    monkeypatch.setenv("MOCKEXCHANGE_CLIENT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MOCKEXCHANGE_PYTHON_3_12", str(tmp_path / "nowhere" / "python3.12"))
    monkeypatch.setenv("MOCKEXCHANGE_PYTHON_3_11", str(tmp_path / "nowhere" / "python3.11"))
    report = tmp_path / "matrix.json"
    junit = tmp_path / "matrix.xml"
    argv = ["contract", "clients", "--client", "kalshi-sdk", "--client", "ccxt", "--json", str(report)]
    argv += ["--junit-xml", str(junit)]
    argv += ["--capability", "balance", "--capability", "websocket", "--capability", "generated"]
    status = main([*argv, "--generated-seeds", "1"])
    captured = capsys.readouterr()
    out = captured.out
    assert status == 1, out
    cells = json.loads(report.read_text())["cells"]
    assert {name: cell["status"] for name, cell in cells["kalshi-sdk"].items()} == {
        "balance": FAIL,
        "websocket": FAIL,
        "generated": FAIL,
    }
    # ccxt's reads fail; its cell that needs no run keeps its status
    assert {name: cell["status"] for name, cell in cells["ccxt"].items()} == {
        "balance": FAIL,
        "websocket": FAIL,
        "generated": NA,
    }
    assert "needs Python 3.11" in cells["ccxt"]["balance"]["reason"], cells["ccxt"]
    reason = cells["kalshi-sdk"]["balance"]["reason"]
    assert "needs Python 3.12" in reason and "MOCKEXCHANGE_PYTHON_3_12" in reason, reason
    assert "FAILED" in out and "no usable Python 3.12" in out
    # progress on stderr: each cell as it is decided, each client when its row ends
    progress = captured.err.splitlines()
    for client in ("kalshi-sdk", "ccxt"):
        assert any(line.startswith(f"contract clients: {client}: balance FAIL (") for line in progress), progress
        assert any(line.startswith(f"contract clients: {client} done in ") for line in progress), progress
    assert any(line.startswith("contract clients: ccxt: generated n/a") for line in progress), progress
    # the JUnit report: a case per client and capability, FAIL a failure, n/a skipped
    suite = ElementTree.parse(junit).getroot()
    cases = {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}
    assert len(cases) == 6 and suite.get("failures") == "5" and suite.get("skipped") == "1"
    assert "needs Python 3.12" in cases[("kalshi-sdk", "balance")].find("failure").get("message")
    assert cases[("ccxt", "generated")].find("skipped") is not None
    assert not list((tmp_path / "cache").glob("*/mockexchange-complete.json"))


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["contract", "clients", "--client", "no-such-client"])
    assert raised.value.code == 2
    assert main(["contract", "clients", "--generated-seeds", "-1"]) == 2
    assert "--generated-seeds" in capsys.readouterr().err


def test_the_junit_report_passes_notes_and_findings_and_skips_what_a_client_lacks() -> None:
    rows = [row for row in CLIENTS if row.name in ("kalshi-sdk", "kalshi-python-sync")]
    columns = [BY_NAME["balance"], BY_NAME["websocket"], GENERATED]
    cells = {
        "kalshi-sdk": {
            "balance": Cell(PASS, "equal"), "websocket": Cell(NOTE, "shown"), "generated": Cell(FINDINGS, "2 broke"),
        },
        "kalshi-python-sync": {
            "balance": Cell(FAIL, "row 3 differs"), "websocket": Cell(NA, "no client"),
            "generated": Cell(CLEAN, "0 broke"),
        },
    }  # fmt: skip
    suite = ElementTree.fromstring(Matrix(rows, columns, cells).as_junit())
    cases = {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "1", "1")
    assert cases[("kalshi-python-sync", "balance")].find("failure").text == "row 3 differs"
    assert cases[("kalshi-python-sync", "websocket")].find("skipped").get("message") == "n/a: no client"
    for passed in (("kalshi-sdk", "balance"), ("kalshi-sdk", "websocket"), ("kalshi-sdk", "generated")):
        assert cases[passed].find("failure") is None and cases[passed].find("skipped") is None
    assert cases[("kalshi-sdk", "generated")].find("system-out").text == "findings: 2 broke"


def _ran(checks: list[str]) -> str:
    """How a scene's cell names the checks it ran (scenes/scene.py's `scene_verdict`)."""
    return f"{len(checks)} check{'' if len(checks) == 1 else 's'} ({', '.join(checks)})"
