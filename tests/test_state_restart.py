"""A state file (`Settings.state`, `serve --state`): a restarted mock answers the same signed requests with the same
bytes; the clock, Deribit's tokens and (when asked) the journal come back; a file that is not ours, of another format,
damaged or in use is refused with a clear error; a snapshot is only a cache and cannot run code."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import plain_http
import pytest
from state_sql import sql

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.state import StateError
from mockexchange.state.file import FORMAT
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytest_plugins = ["pytester"]

KALSHI_READS = [
    "/portfolio/positions",
    "/portfolio/positions?count_filter=position&limit=1",
    "/portfolio/balance",
    "/portfolio/fills",
    "/portfolio/settlements",
    "/portfolio/deposits",
    "/portfolio/withdrawals",
    "/historical/cutoff",
    "/historical/positions",
    "/historical/orders",
    "/historical/fills",
    "/portfolio/orders",
    "/portfolio/orders?status=resting&limit=1",
    "/portfolio/orders/queue_positions",
    "/markets/KXORD-26DEC-A/orderbook",
    "/markets/trades?ticker=KXORD-26DEC-A",
    "/markets/KXORD-26DEC-A",
]
# Read after the file test_state_written_before.py replays was written: the exchange's schedule, the users' data
# freshness, fee changes, an event's metadata.
LATER_READS = [
    "/exchange/schedule",
    "/exchange/user_data_timestamp",
    "/series/fee_changes?show_historical=true",
    "/events/fee_changes",
    "/events/KXFED-26DEC/metadata",
    "/events/KXCPI-26DEC",
]
ORD = "KXORD-26DEC-A"


def _trade(mock: MockServer) -> None:
    """Orders of alice's on a market with the house's levels: crossing and resting, a batch (one of it refused in its
    place), an amend, a decrease, a self-trade, a cancel, and one refused whole (kept as refused)."""
    mock.create_market(ORD)
    mock.set_book(ORD, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    gtc = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}
    first = mock.place_order("alice", ORD, "bid", "7", "0.46", client_order_id="kept-1", **gtc)
    bid = {"ticker": ORD, "side": "bid", **gtc}
    batch = mock.place_orders("alice", [{**bid, "count": "3", "price": "0.3"}, {**bid, "count": "1", "price": "0.305"}])
    assert "error" in batch["orders"][1]
    mock.amend_order("alice", first["order_id"], ORD, "bid", "0.47", "8")
    mock.decrease_order("alice", batch["orders"][0]["order_id"], reduce_by="1")
    mock.place_order("alice", ORD, "ask", "4", "0.40", "immediate_or_cancel", "maker")  # its own bid goes, then trades
    last = mock.place_order("alice", ORD, "bid", "1", "0.20", **gtc)
    mock.cancel_user_order("alice", last["order_id"])
    with pytest.raises(ControlError):
        mock.place_order("alice", ORD, "bid", "100000", "0.30", **gtc)


def _rpc(mock: MockServer, method: str, params: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    return plain_http.post(f"{mock.deribit_url}/api/v2/{method}", json=body, headers=headers).json()


def _populate(mock: MockServer) -> dict:
    mock.create_account("alice", balance_cents=100_000)
    mock.create_account("fcm", fcm_member=True, balance_cents=5_000)
    mock.create_account("sub", subtrader_of="fcm")
    key = mock.create_key("alice")
    mock.create_market("KXFED-26DEC-T4.00", exchange_index=0)
    mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
    mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "sell", "3", "0.60", fee="0.01")
    mock.fill("alice", "KXCPI-26DEC-T3.0", "no", "buy", "2.50", "0.31", subaccount=2)
    mock.create_order("alice", "KXCPI-26DEC-T3.0", "yes", "buy", "4", "0.20", order_id="resting-1")
    mock.create_order("alice", "KXCPI-26DEC-T3.0", "yes", "buy", "1", "0.21", order_id="gone")
    mock.cancel_order("gone")
    _trade(mock)
    mock.deposit("alice", 2_500, fee_cents=10)
    pending = mock.withdrawal("alice", 1_000, status="pending")
    mock.withdrawal("alice", 1_000, status="applied", id=pending["id"])
    mock.settle("KXFED-26DEC-T4.00", "yes")
    mock.set_historical_cutoff(
        orders_updated_ts="2100-01-01T00:00:00Z", market_positions_last_updated_ts="2100-01-01T00:00:00Z"
    )
    with pytest.raises(ControlError):  # refused, and kept as refused
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
    mock.create_deribit_account("bob", balances={"BTC": "10", "USDC": "5000"})
    mock.create_deribit_subaccount("bob", balances={"ETH": "3"})
    deribit_key = mock.create_deribit_key("bob")
    mock.set_index_price("btc_usd", "61000")
    mock.deribit_fill("bob", "BTC-PERPETUAL", "buy", "1000", "60000")
    mock.deribit_fill("bob", "BTC-PERPETUAL", "sell", "400", "61000")
    mock.set_volatility("0.6", currency="BTC")
    window = {"start_datetime": "2100-01-01T00:00:00Z", "end_datetime": "2100-01-01T01:00:00Z"}
    mock.set_exchange_schedule(maintenance_windows=[window])  # (its timer kept: due in 2100)
    detail = {"market_ticker": "KXFED-26DEC-T4.00", "image_url": "/t.png", "color_code": "#123456"}
    mock.set_event("KXFED-26DEC", image_url="/fed.png", competition="Fed", market_details=[detail])
    mock.schedule_fee_change("2100-01-02T00:00:00Z", series_ticker="KXFED", fee_type="flat")  # pending
    mock.schedule_fee_change("2020-01-01T00:00:00Z", event_ticker="KXCPI-26DEC", fee_type="flat")  # in force at once
    return {"key": key, "deribit_key": deribit_key}


def _granted(mock: MockServer, made: dict) -> dict:
    credentials = {k: made["deribit_key"][k] for k in ("client_id", "client_secret")}
    return _rpc(mock, "public/auth", {"grant_type": "client_credentials", **credentials})["result"]


def _kalshi_auth(made: dict) -> KalshiAuth:
    return KalshiAuth(KalshiSigner.from_pem(made["key"]["key_id"], made["key"]["private_key_pem"]))


def _answers(mock: MockServer, auth: KalshiAuth, token: str, reads: list[str] | None = None) -> dict[str, bytes]:
    reads = KALSHI_READS + LATER_READS if reads is None else reads
    answers = {path: plain_http.get(mock.kalshi_url + path, auth=auth).content for path in reads}
    for method, params in [
        ("private/get_positions", {"currency": "BTC"}),
        ("private/get_account_summary", {"currency": "BTC"}),
        ("private/get_account_summaries", {}),
        ("private/get_position", {"instrument_name": "BTC-PERPETUAL"}),
        ("public/get_instruments", {"currency": "BTC"}),
    ]:
        reply = _rpc(mock, method, params, token)
        assert "result" in reply, reply
        # Deribit stamps every reply with the server's time; the rest is the state's.
        answers[method] = {k: v for k, v in reply.items() if k not in ("usIn", "usOut", "usDiff")}
    return answers


@pytest.mark.slow
def test_a_restarted_mock_answers_the_same_requests_with_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        made = _populate(mock)
        auth, grant = _kalshi_auth(made), _granted(mock, made)
        before = _answers(mock, auth, grant["access_token"])
    assert b'"market_positions":[{' in before["/portfolio/positions"]  # there is something to compare
    assert (
        b'"orders":[{' in before["/historical/orders"] and b'"market_positions":[{' in before["/historical/positions"]
    )
    assert (
        b'"status":"resting"' in before["/portfolio/orders"]
        and b'"trade_id"' in before[f"/markets/trades?ticker={ORD}"]
    )

    with MockServer(state=str(path)) as again:
        assert again.app.persistence is not None and not again.app.persistence.created
        assert _answers(again, auth, grant["access_token"]) == before
        # The refresh token kept works once, as before the restart.
        refreshed = _rpc(again, "public/auth", {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]})
        assert refreshed["result"]["access_token"]
        assert "error" in _rpc(
            again, "public/auth", {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}
        )
        # New ids go on from where the kept ones stopped: no fill id is handed out twice.
        new = again.fill("alice", "KXCPI-26DEC-T3.0", "yes", "buy", "1", "0.40")
        fills = plain_http.get(again.kalshi_url + "/portfolio/fills", auth=auth).json()["fills"]
        assert [f["fill_id"] for f in fills].count(new["fill_id"]) == 1


@pytest.mark.slow
def test_the_same_after_a_restart_that_runs_every_command_again(tmp_path: Path) -> None:
    """Without the snapshot a clean stop keeps (as after kill -9), the commands alone give the same answers."""
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        made = _populate(mock)
        auth, token = _kalshi_auth(made), _granted(mock, made)["access_token"]
        before = _answers(mock, auth, token)
    sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        status = again.app.persistence.status()  # type: ignore[union-attr]
        assert status["restored_commands"] == status["commands"] > 20
        assert _answers(again, auth, token) == before


def test_a_manual_clock_comes_back_where_the_commands_left_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(datetime(2026, 3, 1, tzinfo=UTC))) as mock:
        mock.create_account("alice")
        mock.advance_clock(seconds=3600)
        mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.5")
        mock.advance_clock(to="2026-03-02T00:00:00+00:00")
        mock.create_market("KXLATER-1")
    sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:  # no clock given: the file's was manual
        assert again.clock() == {"exchange_time": "2026-03-02T00:00:00+00:00", "clock": "manual"}
        assert again.app.ledger.state.fills[0].created == datetime(2026, 3, 1, 1, tzinfo=UTC)


def test_the_journal_is_kept_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), state_journal=True) as mock:
        plain_http.get(mock.kalshi_url + "/portfolio/positions?limit=2")
        plain_http.get(mock.kalshi_url + "/portfolio/balance")
        before = mock.requests()
    with MockServer(state=str(path), state_journal=True) as again:
        assert again.requests() == before
        plain_http.get(again.kalshi_url + "/portfolio/fills")
        assert [r["seq"] for r in again.requests()] == [1, 2, 3]
    with MockServer(state=str(path)) as unasked:
        assert unasked.requests() == []


def test_without_a_state_file_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with MockServer() as mock:
        mock.create_account("alice")
        assert mock.app.persistence is None and mock.recorder is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a database, just text\n" * 10, "not a mockexchange state file (not an SQLite database)"),
        ("other", "is an SQLite database but not a mockexchange state file"),
        ("format", f"is a mockexchange state file of format 99; this mockexchange reads formats 1, 2, {FORMAT}"),
        ("damaged", "damaged"),
    ],
)
def test_a_file_that_is_not_a_usable_state_is_refused_clearly(tmp_path: Path, content, says: str) -> None:
    path = tmp_path / "state.db"
    if content == "other":
        sql(path, "CREATE TABLE notes (text TEXT)")
    elif content in ("format", "damaged"):
        with MockServer(state=str(path)) as mock:
            for n in range(300):
                mock.create_account(f"user-{n}", balance_cents=n)
        if content == "format":
            sql(path, "PRAGMA user_version = 99")
        else:
            data = bytearray(path.read_bytes())
            data[4096:] = bytes(len(data) - 4096)  # every page after the first zeroed
            path.write_bytes(bytes(data))
    else:
        path.write_bytes(content)
    with pytest.raises(StateError) as refused:
        MockServer(state=str(path))
    assert says in str(refused.value)


@pytest.mark.slow
def test_one_file_serves_one_mock_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)), pytest.raises(StateError, match="in use by another mock"):
        MockServer(state=str(path))
    with MockServer(state=str(path)):  # closed by the first one's stop: free again
        pass


def test_arguments_a_file_cannot_hold_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with MockServer(state=str(tmp_path / "state.db")) as mock:
        mock.create_account("alice", balance_cents=100)
        # Every kept operation is a typed command: its kinds refuse a value no file could hold (NaN) before anything
        # runs, and what they read is kept plain (a Decimal count is taken as "1").
        with pytest.raises(ControlError, match="seconds must be a number from 0"):
            mock.advance_clock(seconds=float("nan"))
        mock.fill("alice", "KX-1", "yes", "buy", Decimal("1"), "0.5")
    with MockServer(state=str(tmp_path / "state.db")) as again:
        assert [(f.count, f.price) for f in again.app.ledger.state.fills] == [(Decimal("1.00"), Decimal("0.5000"))]


def test_a_snapshot_that_names_anything_but_state_is_not_run(tmp_path: Path) -> None:
    """A crafted snapshot (a pickle that would call a function) is ignored: the commands are run again instead."""
    path = tmp_path / "state.db"
    marker = tmp_path / "pwned"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice", balance_cents=123)

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    sql(path, "UPDATE snapshots SET state = ?", pickle.dumps(Exploit()))
    with MockServer(state=str(path)) as again:
        assert not marker.exists()
        assert again.app.persistence.status()["restored_commands"] == 2  # type: ignore[union-attr]
        assert again.app.ledger.state.account("alice").balance() == Decimal("1.23")


@pytest.mark.slow
def test_the_pytest_marker_takes_a_state_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mockexchange(state="kept.db")
        def test_first(mockexchange):
            mockexchange.create_account("alice", balance_cents=500)

        @pytest.mark.mockexchange(state="kept.db")
        def test_second(mockexchange):
            assert mockexchange.app.ledger.state.account("alice").balance() * 100 == 500
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert (pytester.path / "kept.db").exists()


# What is not a command, and why: reads, settings of a run (not state: given again at a restart, docs/persistence.md),
# and the two partials of `transfer` (kept as `transfer`).
NOT_COMMANDS = {
    "clock": "a read",
    "rate_limits": "a read",
    "rest_lag": "a read",
    "faults": "a read",
    "historical_cutoff": "a read",
    "set_rate_limit_tier": "a setting of the run",
    "set_rest_lag": "a setting of the run",
    "add_fault": "a setting of the run",
    "clear_faults": "a setting of the run",
    "remove_fault": "a setting of the run",
    "close_websockets": "acts on connections, which a restart does not keep",
    "deposit": "transfer('deposit', ...)",
    "withdrawal": "transfer('withdrawal', ...)",
    "api_usage_level": "a read",
    "block_trade_proposals": "a read",
    "exchange_status": "a read",
    "rfqs": "a read",
    "quotes": "a read",
    # a read; a user's id drawn at its first need is drawn from a seeded mock's seed and the user, whichever need
    # came first, and a snapshot keeps it
    "communications_id": "a read",
    "rfq_makers": "a read",
    "rfq_batches": "a read",
    "rfq_batch_best_quotes": "a read",
    "batch_quotes": "a read",
    "list_deribit_keys": "a read",
    "perps_account": "a read",
    "perps_liquidations": "a read",
}


def test_every_operation_is_a_command_or_said_not_to_change_state() -> None:
    """A new operation that changes state must be marked @command, or a restart would lose what it did."""
    from mockexchange.control.commands import commands
    from mockexchange.registry import control_plane

    control = control_plane()
    operations = set(control.operations())
    kept = set(commands(control))
    assert operations - kept == set(NOT_COMMANDS), "mark it @command, or add it to NOT_COMMANDS with the reason"
    assert {"fill", "deribit_fill", "create_key", "reset", "advance_clock", "transfer"} <= kept


def test_every_kept_operation_is_a_typed_command_kept_under_its_name() -> None:
    """Every operation a state file keeps is a typed command declared in a core (core/*/..._commands.py), its method
    generated from the declaration and kept under the command's name: none is kept by a name of its own."""
    from mockexchange.control.commands import ANSWERS, commands
    from mockexchange.core.commands import Command
    from mockexchange.registry import control_plane

    def declared(cls: type[Command]) -> set[type[Command]]:
        return {cls, *(found for sub in cls.__subclasses__() for found in declared(sub))}

    typed = {cls.name for cls in declared(Command) if hasattr(cls, "name") and cls.kept}
    kept = commands(control_plane())
    assert {name for name, method in kept.items() if method.command == name} == set(kept) <= typed
    # (the package's: a test may declare a venue of its own, tests/test_venue_registration.py)
    assert {cls.name for cls in ANSWERS if cls.kept and cls.__module__.startswith("mockexchange.")} <= set(kept)
    for name in ("create_account", "create_key", "fills", "transfer", "reset", "advance_clock", "reset_deribit",
                 "deribit_fill", "create_deribit_key", "place_order"):  # fmt: skip
        assert name in kept


FORMAT_1 = Path(__file__).parent / "data" / "state-format-1.db"  # written by mockexchange 0.1.0 (main at 7478333)


def test_a_file_of_format_1_is_upgraded_and_its_commands_run_again(tmp_path: Path) -> None:
    """Ten commands (one refused) and a snapshot, as the mockexchange before write-ahead wrote them: the commands run
    again to the same ids and balances, the snapshot (without a checksum) is set aside once."""
    path = tmp_path / "state.db"
    path.write_bytes(FORMAT_1.read_bytes())
    with MockServer(state=str(path)) as mock:
        assert mock.app.persistence.status()["restored_commands"] == 10  # type: ignore[union-attr]
        kept = ["9530fcd9-d6fd-4d9b-a203-2801b65c1c28", "ae80b07a-abbf-4b84-ab5c-138b31b03dd5"]
        assert [f.fill_id for f in mock.app.ledger.state.fills] == kept
        assert mock.app.ledger.state.account("alice").balance() == Decimal("996.0175")
        assert [key.key_id for key in mock.keys.all()] == ["b8f7ac1f-e32b-49b1-b442-37f084d65928"]
        credentials = {"client_id": "21Eznv1u", "client_secret": "kw0_ckb8uIOM164LWdwkfuT02TBG5cAyib0Bo4pOLBs"}
        granted = _rpc(mock, "public/auth", {"grant_type": "client_credentials", **credentials})["result"]
        position = _rpc(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"}, granted["access_token"])
        assert position["result"]["size"] == 1000
        new = mock.fill("alice", "KXFED-26DEC-T4.00", "no", "buy", "1", "0.40")
        assert new["fill_id"] not in kept
    assert sql(path, "PRAGMA user_version") == [(FORMAT,)]
    with MockServer(state=str(path)) as again:  # from the snapshot the upgraded file kept
        assert again.app.persistence.status()["restored_commands"] == 0  # type: ignore[union-attr]
        assert len(again.app.ledger.state.fills) == 3


MAIN = Path(__file__).parent / "data" / "state-main-e056015.db"  # written by mockexchange 0.1.0 (main at e056015)


def _since_written(answers: dict) -> dict:
    """The answers kept beside the file (the reads that mock had), as the mock answers them since: an account's
    `interuser_transfers_enabled` was false whatever the account (hard-coded), and is now the wallet's setting, true
    unless turned off (layout 15); the file's commands never turn it off. Its `self_trading_reject_mode` was
    `cancel_maker` (Deribit's example), and is now `reject_taker`, what the mock's matching does."""
    answers = json.loads(json.dumps(answers))
    for method in ("private/get_account_summary", "private/get_account_summaries"):
        if method in answers:
            assert answers[method]["result"]["interuser_transfers_enabled"] is False
            answers[method]["result"]["interuser_transfers_enabled"] = True
            assert answers[method]["result"]["self_trading_reject_mode"] == "cancel_maker"
            answers[method]["result"]["self_trading_reject_mode"] = "reject_taker"
    return answers


@pytest.mark.slow
def test_a_file_written_before_core_was_split_by_venue_restores_to_the_same_answers(tmp_path: Path) -> None:
    """`_populate`'s commands and the snapshot a clean stop keeps, as main at e056015 wrote them (`MockServer(state=...,
    seed=25)`); beside the file, the answers `_answers` read from that mock then, with the keys that read them. Its
    snapshot names core's classes where they lived then (layout 4): it is set aside as another layout's, without a
    warning, and every command runs again."""
    kept = json.loads(MAIN.with_suffix(".json").read_text())
    path = tmp_path / "state.db"
    path.write_bytes(MAIN.read_bytes())
    with MockServer(state=str(path), seed=25) as mock:
        persistence = mock.app.persistence
        assert persistence is not None and persistence.warnings() == []
        assert persistence.status()["restored_commands"] == persistence.status()["commands"] > 20
        auth = KalshiAuth(KalshiSigner.from_pem(kept["kalshi_key"]["key_id"], kept["kalshi_key"]["private_key_pem"]))
        granted = _rpc(mock, "public/auth", {"grant_type": "client_credentials", **kept["deribit_key"]})["result"]
        answers = _answers(mock, auth, granted["access_token"])
    read = {k: v.decode() if isinstance(v, bytes) else v for k, v in answers.items()}
    assert {k: v for k, v in read.items() if k in kept["answers"]} == _since_written(kept["answers"])
