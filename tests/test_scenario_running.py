"""Running scenarios: the Python API, the admin endpoints (and their bad input), the exchange clock, playing at a
speed, `serve --scenario` with `--step` and `--speed`, and the pytest plugin's scenario marker."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import plain_http
import pytest
from serve_process import run_serve, serving

from mockexchange.app import build_app
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.generator import generate
from mockexchange.scenario.library import library_dir
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

pytest_plugins = ["pytester"]
FED = library_dir() / "fed-decision.yaml"

TIMED = """\
scenario: timed
settings:
  start: "2026-01-05T10:00:00Z"
users:
  - {user_id: u, balance_cents: 10000}
steps:
  - fill: {user_id: u, ticker: EV-M1, side: yes, action: buy, count: "2", price: "0.25", fee: "0"}
  - wait: 100
  - fill: {user_id: ghost, ticker: EV-M1, side: yes, action: buy, count: "1", price: "0.25"}
"""

PLAYED = """\
scenario: played
settings:
  start: "2026-01-05T10:00:00Z"
users:
  - user_id: u
    balance_cents: 10000
    keys: [{key_id: u-key}]
steps:
  - wait: 100
  - fill: {user_id: u, ticker: EV-M1, side: yes, action: buy, count: "2", price: "0.25", fee: "0"}
  - wait: 150
  - burst: {ticker: EV-M1, users: [u], fills: 3, seed: 1, interval: 10, sides: [yes], actions: [buy]}
"""


def admin(mock: MockServer, op: str, body: dict | None = None, **kwargs) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{op}", json=body if body is not None else {}, timeout=10, **kwargs)


def manual() -> MockServer:
    return MockServer(clock=ManualClock())


# -- the Python API ----------------------------------------------------------------------------------------------------


def test_load_step_and_the_clock_in_process():
    with manual() as mock:
        loaded = mock.load_scenario(document=TIMED)
        assert (loaded["steps_total"], loaded["next_step"], loaded["exchange_time"]) == (
            3,
            0,
            "2026-01-05T10:00:00+00:00",
        )
        assert loaded["next"] == "<document>:7: steps[0]: fill"
        ran = mock.step(2)
        assert [(r["step"], r["kind"], r["line"]) for r in ran["ran"]] == [(0, "fill", 7), (1, "wait", 8)]
        assert ran["exchange_time"] == "2026-01-05T10:01:40+00:00" and ran["steps_left"] == 1
        assert mock.ledger.state.fills[0].created.isoformat() == "2026-01-05T10:00:00+00:00"
        with pytest.raises(ControlError) as caught:  # a step the mock refuses names its line; it is not consumed
            mock.step()
        assert (str(caught.value), caught.value.status) == ("<document>:9: steps[2]: unknown user_id 'ghost'", 404)
        status = mock.scenario_status()
        assert status["next_step"] == 2 and status["error"] == str(caught.value)
        assert mock.advance_clock(seconds=20)["exchange_time"] == "2026-01-05T10:02:00+00:00"
        assert mock.advance_clock(to="2026-01-05T11:00:00Z")["exchange_time"] == "2026-01-05T11:00:00+00:00"
        with pytest.raises(ControlError, match="does not run backwards") as caught:
            mock.advance_clock(to="2026-01-05T10:00:00+00:00")
        assert caught.value.status == 409
        for bad in ({}, {"seconds": 1, "to": "2026-01-05T12:00:00Z"}, {"seconds": -1}, {"seconds": "5"},
                    {"to": "tomorrow"}, {"to": "2026-01-05T12:00:00"}):  # fmt: skip
            with pytest.raises(ControlError) as caught:
                mock.advance_clock(**bad)
            assert caught.value.status == 400, bad
        mock.reset()
        assert mock.scenario_status() == {
            "loaded": False,
            "exchange_time": "2026-01-05T11:00:00+00:00",
            "clock": "manual",
        }
        with pytest.raises(ControlError, match="no scenario is loaded"):
            mock.step()


def test_loading_on_top_keeps_the_state_and_reset_is_the_default():
    with manual() as mock:
        mock.create_account("already-here")
        mock.load_scenario(document="users: [{user_id: u}]", reset=False)
        assert set(mock.ledger.state.accounts) == {"already-here", "u"}
        mock.load_scenario(document="users: [{user_id: v}]")
        assert set(mock.ledger.state.accounts) == {"v"}
        with pytest.raises(ControlError, match="account 'v' already exists") as caught:
            mock.load_scenario(document="users: [{user_id: v}]", reset=False)
        assert caught.value.status == 409 and str(caught.value).startswith("<document>:1: users[0]: ")


def test_the_system_clock_moves_on_and_timed_scenarios_need_a_manual_clock():
    with MockServer() as mock:
        before = datetime.fromisoformat(mock.clock()["exchange_time"])
        moved = datetime.fromisoformat(mock.advance_clock(seconds=3600)["exchange_time"])
        assert timedelta(hours=1) <= moved - before < timedelta(hours=1, seconds=30)
        with pytest.raises(ControlError, match="does not run backwards") as caught:
            mock.advance_clock(to=before.isoformat())
        assert caught.value.status == 409
        with pytest.raises(ControlError, match="ManualClock") as caught:
            mock.load_scenario(document=TIMED)
        assert caught.value.status == 409
        # a scenario that does not move time runs on any clock
        mock.load_scenario(
            document="users: [{user_id: u}]\nsteps: [{deposit: {user_id: u, amount_cents: 5}}]", run=True
        )
        assert mock.scenario_status()["steps_left"] == 0 and mock.scenario_status()["clock"] == "system"


def test_play_paces_waits_by_the_speed():
    slept: list[float] = []
    with manual() as mock:
        mock.load_scenario(document=PLAYED)
        status = mock.play_scenario(50, sleep=slept.append, block=True)
        assert slept == [2.0, 3.0, 0.2, 0.2]  # waits of 100 and 150, then the burst's two 10 s intervals
        assert status["steps_left"] == 0 and status["speed"] == 50
        assert status["exchange_time"] == "2026-01-05T10:04:30+00:00"
        assert [f.created.isoformat()[11:19] for f in mock.ledger.state.fills] == ["10:01:40", "10:04:10", "10:04:20",
                                                                             "10:04:30"]  # fmt: skip
        with pytest.raises(ControlError, match="speed must be a positive number"):
            mock.play_scenario(0)


def test_play_in_the_background_then_stepping_is_refused_while_it_plays():
    with manual() as mock:
        mock.load_scenario(document=PLAYED)
        started = time.monotonic()
        mock.play_scenario(1000)  # 250 s of waits and 20 s of intervals: 0.27 s of wall time
        with pytest.raises(ControlError, match="playing") as caught:
            mock.step()
        assert caught.value.status == 409
        while mock.scenario_status()["playing"]:
            time.sleep(0.01)
            assert time.monotonic() - started < 10
        assert time.monotonic() - started >= 0.25
        assert mock.scenario_status()["steps_left"] == 0 and len(mock.ledger.state.fills) == 4
        mock.load_scenario(document=PLAYED)
        mock.play_scenario(0.001)  # would take days: loading again (or reset) stops it at once
        mock.reset()
        assert mock.scenario_status()["loaded"] is False


def test_the_demo_portfolio_is_a_scenario_too():
    mock = build_app(seed=7)
    portfolio = generate(mock.scenarios, 7)
    status = mock.scenarios.scenario_status()
    assert (status["scenario"], status["file"], status["steps_total"]) == ("demo", "generator(seed=7)", 0)
    assert status["accounts"] == len(portfolio.users) + 1 + len(portfolio.subtraders)
    assert status["positions"] == portfolio.fills == len(mock.ledger.state.fills)


# -- the admin API -----------------------------------------------------------------------------------------------------


def test_admin_scenario_endpoints():
    with manual() as mock:
        before = plain_http.get(f"{mock.base_url}/_admin/scenario").json()
        assert before["loaded"] is False and before["clock"] == "manual"
        r = admin(mock, "scenario", {"path": str(FED)})
        assert r.status_code == 200, r.text
        assert r.json()["file"] == str(FED) and {k["key_id"] for k in r.json()["keys"]} == {"alice-key", "bob-key"}
        r = admin(mock, "scenario/step", {"count": 2})
        assert [s["kind"] for s in r.json()["ran"]] == ["fill", "wait"] and r.json()["next_step"] == 2
        status = plain_http.get(f"{mock.base_url}/_admin/scenario").json()
        assert (status["next_step"], status["steps_left"], status["exchange_time"]) == (
            2, 9, "2026-12-09T18:10:00+00:00",
        )  # fmt: skip
        assert status["next"] == f"{FED}:32: steps[2]: fill"
        assert admin(mock, "clock", {"seconds": 50}).json()["exchange_time"] == "2026-12-09T18:10:50+00:00"
        assert plain_http.get(f"{mock.base_url}/_admin/clock").json() == {
            "exchange_time": "2026-12-09T18:10:50+00:00", "clock": "manual",
        }  # fmt: skip
        assert admin(mock, "clock", {"to": "2026-12-09T18:30:00Z"}).status_code == 200
        r = admin(mock, "scenario/step", {"count": 100})
        assert len(r.json()["ran"]) == 9 and r.json()["steps_left"] == 0
        assert admin(mock, "scenario/step").json()["ran"] == []  # nothing left: nothing runs
        # inline documents: YAML text, or a JSON object
        r = admin(mock, "scenario", {"document": TIMED, "run": False})
        assert r.status_code == 200 and r.json()["scenario"] == "timed"
        r = admin(mock, "scenario", {"document": {"users": [{"user_id": "j", "balance_cents": 5}]}})
        assert r.status_code == 200 and set(mock.ledger.state.accounts) == {"j"}
        r = admin(mock, "scenario/play", {"speed": 10_000})
        assert r.status_code == 200 and r.json()["speed"] == 10_000


def test_admin_scenario_bad_input_is_a_clear_4xx(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "steps:\n  - wait: 5\n  - fill: {user_id: a, ticker: M, side: yes, action: buy, count: 1, price: 0.5}\n"
    )
    # The admin API reads scenario files only from its scenario folders (docs/admin-api.md#access-rules).
    with MockServer(clock=ManualClock(), scenario_dirs=(str(tmp_path),)) as mock:
        r = admin(mock, "scenario/step")
        assert r.status_code == 409 and "no scenario is loaded" in r.json()["error"]
        cases = [
            ({"path": str(bad)}, 400, f"{bad}:3: steps[1].fill.price: must be a quoted decimal string"),
            ({"path": str(tmp_path / "nope.yaml")}, 404, "cannot read the scenario file"),
            ({}, 400, "give a scenario `path` or an inline `document`, not both"),
            ({"path": "a", "document": "b"}, 400, "not both"),
            ({"path": 3}, 400, "path must be a file path"),
            ({"document": 3}, 400, "a scenario document is YAML or JSON text, or a mapping"),
            ({"document": "users: ["}, 400, "<document>:1: not valid YAML"),
            ({"document": "users: []", "run": "yes"}, 400, "run must be true or false"),
            ({"document": "users: []", "speed": 3}, 400, "unknown field(s): speed"),
            ({"document": "users: []", "key_dir": ""}, 400, "key_dir must be a directory path"),
        ]
        for body, status, message in cases:
            r = admin(mock, "scenario", body)
            assert r.status_code == status and message in r.json()["error"], (body, r.text)
        r = admin(mock, "scenario", {"path": str(bad)})
        assert r.json()["errors"] == [f"{bad}:3: steps[1].fill.price: " + r.json()["errors"][0].split("price: ")[1]]
        admin(mock, "scenario", {"document": TIMED})
        for body, status in [({"count": 0}, 400), ({"count": "2"}, 400), ({"count": True}, 400), ({"n": 1}, 400)]:
            assert admin(mock, "scenario/step", body).status_code == status, body
        admin(mock, "scenario/step", {"count": 2})
        r = admin(mock, "scenario/step")
        assert r.status_code == 404 and r.json()["error"] == "<document>:9: steps[2]: unknown user_id 'ghost'"
        assert admin(mock, "clock", {"seconds": "5"}).status_code == 400
        assert admin(mock, "clock", {"to": "2020-01-01T00:00:00Z"}).status_code == 409
        assert admin(mock, "scenario/play", {"speed": -1}).status_code == 400
        assert plain_http.get(f"{mock.base_url}/_admin/scenario", params={"x": "1"}).status_code == 400
        assert plain_http.put(f"{mock.base_url}/_admin/scenario").status_code == 405
        assert plain_http.get(f"{mock.base_url}/_admin/scenario/step").status_code == 405
    with MockServer() as mock:
        r = admin(mock, "clock", {"seconds": 86400})
        assert r.status_code == 200 and r.json()["clock"] == "system"
        ahead = datetime.fromisoformat(plain_http.get(f"{mock.base_url}/_admin/clock").json()["exchange_time"])
        assert ahead - datetime.now(UTC) > timedelta(hours=23)


# -- the command line --------------------------------------------------------------------------------------------------


def test_serve_scenario_step_waits_for_the_admin_api(tmp_path):
    with serving(tmp_path / "keys", "--scenario", str(FED), "--step") as served:
        out = served.banner
        assert "scenario 'fed-decision'" in out and "timeline: 11 steps, waiting for POST /_admin/scenario/step" in out
        assert "exchange time 2026-12-09T18:00:00+00:00" in out
        key_path = tmp_path / "keys" / "alice-alice-key.pem"
        assert f"user 'alice': key id alice-key, private key {key_path.resolve()}" in out
        base = served.base_url
        assert plain_http.get(f"{base}/_admin/scenario").json()["next_step"] == 0
        assert plain_http.post(f"{base}/_admin/scenario/step", json={"count": 11}).json()["steps_left"] == 0
        signer = KalshiSigner.from_pem("alice-key", key_path.read_text())
        path = "/trade-api/v2/portfolio/balance"
        assert plain_http.get(base + path, headers=signer.headers("GET", path)).json()["balance"] == 97144


@pytest.mark.slow
def test_serve_scenario_speed_plays_the_timeline_in_scaled_real_time(tmp_path):
    scenario = tmp_path / "played.yaml"
    scenario.write_text(PLAYED)
    with serving(tmp_path / "keys", "--scenario", str(scenario), "--speed", "100") as served:
        started = time.monotonic()
        assert "timeline: 4 steps, playing at speed 100 once ready" in served.banner
        while (status := plain_http.get(f"{served.base_url}/_admin/scenario").json())["steps_left"]:
            time.sleep(0.05)
            assert time.monotonic() - started < 20, status
        # 270 s of exchange time at speed 100: 2.7 s of wall time, counted from when the server was ready
        assert 2.0 < time.monotonic() - started < 15
        assert status["exchange_time"] == "2026-01-05T10:04:30+00:00" and status["error"] is None


@pytest.mark.slow
def test_serve_scenario_runs_the_timeline_at_once_and_refuses_bad_files(tmp_path):
    with serving(tmp_path / "keys", "--scenario", str(FED)) as served:
        assert "timeline: 11 steps, ran at load" in served.banner
        assert plain_http.get(f"{served.base_url}/_admin/scenario").json()["steps_left"] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - settle: {ticker: M}\n")
    done = run_serve(tmp_path / "keys", "--scenario", str(bad))
    assert done.returncode == 2 and f"{bad}:2: steps[0].settle.result: required" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "mockexchange.cli", "serve", "--speed", "2"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "give --scenario FILE" in done.stderr


@pytest.mark.slow
def test_a_load_reports_its_progress_operation_by_operation():
    mock = build_app(clock=ManualClock())
    scenario = load_file("busy-market", grammar=GRAMMAR)
    told: list[tuple[int, int]] = []
    mock.scenarios.load(scenario, run=True, progress=lambda done, total: told.append((done, total)))
    # 8 set-up entries, then each of the 7,000 fills of the two bursts, the wait and the settlement
    assert len(scenario.setup) == 8 and scenario.timeline_operations == 7002
    assert told == [(done, 7010) for done in range(1, 7011)]
    told.clear()
    mock.scenarios.load(scenario, run=False, progress=lambda done, total: told.append((done, total)))
    assert told[-1] == (8, 8), "without the run, only the set-up is the load"
    told.clear()
    mock.scenarios.step(2)
    assert told == [], "stepping after the load is not part of it"


# -- the pytest plugin -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_scenario_marker_and_fixture_in_a_users_suite(pytester):
    pytester.makepyfile(
        f"""
        import pytest
        from mockexchange.core.clock import ManualClock
        from mockexchange.testing.signing import KalshiSigner

        @pytest.mark.mockexchange(scenario={str(FED)!r})
        def test_ran_to_the_end(mockexchange, mockexchange_scenario):
            assert mockexchange.scenario_status()["steps_left"] == 0
            assert mockexchange.app.settings.profile == "3.34"
            key = next(k for k in mockexchange_scenario["keys"] if k["key_id"] == "alice-key")
            signer = KalshiSigner.from_pem(key["key_id"], open(key["private_key_path"]).read())
            import httpx
            path = "/trade-api/v2/portfolio/balance"
            body = httpx.get(mockexchange.base_url + path, headers=signer.headers("GET", path)).json()
            assert body["balance"] == 97144

        @pytest.mark.mockexchange(scenario={str(FED)!r}, scenario_run=False, profile="legacy")
        def test_left_for_the_test(mockexchange):
            assert mockexchange.scenario_status()["next_step"] == 0
            assert mockexchange.app.settings.profile == "legacy"
            mockexchange.step(2)
            assert mockexchange.scenario_status()["exchange_time"] == "2026-12-09T18:10:00+00:00"

        def test_without_a_scenario(mockexchange_scenario):
            pass

        @pytest.mark.mockexchange(scenario={str(FED)!r}, clock=ManualClock())
        def test_a_clock_beside_a_scenario(mockexchange):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(["*mockexchange_scenario needs @pytest.mark.mockexchange(scenario=*"])
    result.stdout.fnmatch_lines(["*a scenario runs on its own clock (its settings.start): give scenario or clock*"])
