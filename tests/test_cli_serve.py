"""`mockexchange serve` and the command line around it, run as a user runs them (child processes, real HTTP):
`--version`, help that shows every default, the port actually bound, refusals in one line before any banner, the
advertised URL and key folder, a long load's progress, and the client snippet of the banner and the README."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import plain_http
import pytest
from serve_process import Served, run_serve, serving

from mockexchange import __version__, cli
from mockexchange.app import build_app
from mockexchange.cli import banner
from mockexchange.cli.banner import counted
from mockexchange.cli.progress import LoadProgress
from mockexchange.contract.clients.libraries import CCXT, ensure_venv, venv_python
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_document, load_file
from mockexchange.server.addresses import http_url

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("mockexchange")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`serve` on the demo portfolio (seed 7), shared by the tests that only read it."""
    with serving(tmp_path_factory.mktemp("demo") / "keys") as served:
        yield served


# -- the version, the entry points, the help -----------------------------------------------------------------------


@pytest.mark.parametrize("command", [[str(SCRIPT)], [sys.executable, "-m", "mockexchange"]], ids=["script", "-m"])
def test_version_from_the_script_and_python_m(command):
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"mockexchange {__version__}\n"


def test_the_version_lives_in_one_place():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mockexchange.version.__version__"}
    assigned = [p for p in (ROOT / "mockexchange").rglob("*.py") if re.search(r"^__version__ =", p.read_text(), re.M)]
    assert assigned == [ROOT / "mockexchange" / "version.py"]


def option_entries(help_text: str) -> dict[str, str]:
    """The options section of argparse's help: option -> its help text, wrapped lines joined."""
    entries: dict[str, str] = {}
    current = None
    for line in help_text.splitlines():
        if line.startswith("  -"):
            current = line.split()[0].rstrip(",")
            entries[current] = line
        elif current is not None and line.startswith("      "):
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch):
    """The command line run in this process, `main(argv)`, as a child would run it (the environment serve_process
    gives, no terminal: argparse's width 80): its exit status and what it printed. For what refuses to start or
    prints and stops; the test of a port in use runs `serve` as a child, refusing in the same way."""

    def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        for name in os.environ:
            if name.startswith("MOCKEXCHANGE_ADVERTISE_"):
                monkeypatch.delenv(name)
        for name, value in {"COLUMNS": "80", **(env or {})}.items():
            monkeypatch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(list(argv))
            except SystemExit as exit:
                status = exit.code
        return subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())

    return run


def refused_serve(command, key_dir: Path, *options: str) -> subprocess.CompletedProcess:
    """`serve` expected to stop by itself, as run_serve runs it, in this process."""
    return command("serve", "--host", "127.0.0.1", "--port", "0", "--key-dir", str(key_dir), *options)


def test_serve_help_gives_every_option_a_help_text_with_its_default(command):
    done = command("serve", "--help")
    assert done.returncode == 0
    entries = option_entries(done.stdout)
    entries.pop("-h")
    assert {"--host", "--port", "--key-dir", "--scenario", "--advertise-url", "--advertise-key-dir"} <= set(entries)
    assert [option for option, text in entries.items() if "default: " not in " ".join(text.split())] == []
    text = " ".join(done.stdout.split())
    assert "(default: 127.0.0.1)" in text and "(default: 8000)" in text and "(default: .mockexchange)" in text


def test_serve_help_names_the_advertise_defaults_from_the_environment(command):
    done = command("serve", "--help", env={"MOCKEXCHANGE_ADVERTISE_URL": "http://localhost:8123"})
    assert "default: http://localhost:8123)" in " ".join(done.stdout.split())


# -- the port bound, and refusals before any banner -----------------------------------------------------------------


def test_port_0_prints_the_port_bound_in_the_banner_and_the_snippet(demo):
    assert demo.port > 0
    url = f"http://127.0.0.1:{demo.port}/trade-api/v2"
    assert f"mockexchange: Kalshi API {url} (profile 3.34, seed 7)" in demo.banner
    assert f'base_url="{url}"' in demo.banner
    assert f"websocket: ws://127.0.0.1:{demo.port}/trade-api/ws/v2 (channels market_positions, fill" in demo.banner
    assert f"mockexchange: Deribit API http://127.0.0.1:{demo.port}/api/v2" in demo.banner
    assert ":0/" not in demo.banner
    assert plain_http.get(f"{demo.base_url}/_admin/health").json() == {"status": "ok", "version": __version__}


def test_the_banner_says_both_venues_trade_and_names_every_channel_they_serve(demo):
    lines = demo.banner.splitlines()
    kalshi = lines.index(next(line for line in lines if line.startswith("mockexchange: Kalshi API")))
    deribit = lines.index(next(line for line in lines if line.startswith("mockexchange: Deribit API")))
    assert lines[kalshi + 1].startswith("  trading: orders rest on the markets' books and match (place, amend")
    assert lines[deribit + 1].startswith("  trading: orders rest on the instruments' books and match (buy, sell")
    served = (
        "market_positions, fill, user_orders, order_group_updates, orderbook_delta, ticker, trade, "
        "market_lifecycle_v2, multivariate_market_lifecycle, communications, cfbenchmarks_value, "
        "cfbenchmarks_value_5hz, pyth_value"
    )
    assert f"  websocket: ws://127.0.0.1:{demo.port}/trade-api/ws/v2 (channels {served})" in lines[kalshi:deribit]
    served = (
        "user.orders.*, user.trades.*, user.changes.*, user.portfolio.*, user.mmp_trigger.*, book.*, ticker.*, "
        "quote.*, incremental_ticker.*, trades.*, chart.trades.*, instrument.state.*, deribit_price_index.*, "
        "markprice.options.*, perpetual.*, platform_state, announcements"
    )
    assert f"  websocket channels: {served}" in lines[deribit:]


def assert_refused_in_one_line(done: subprocess.CompletedProcess, says: str) -> None:
    assert done.returncode == 2, done
    assert done.stdout == "", "nothing is printed before the refusal"
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("mockexchange: ") and says in done.stderr, done
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve(tmp_path / "keys", "--port", str(port))
    assert_refused_in_one_line(done, f"cannot listen on 127.0.0.1:{port}: Address already in use")


@pytest.mark.slow
def test_a_key_folder_under_a_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "file").write_text("")
    assert_refused_in_one_line(run_serve(tmp_path / "file" / "keys"), "the keys cannot be written to")
    assert_refused_in_one_line(run_serve(tmp_path / "file"), "it is a file, not a folder")


def test_a_key_folder_that_refuses_writes_is_one_line_and_exit_2(tmp_path, command):
    # Permission bits do not stop root (CI runs as root); a folder of procfs refuses every new file, root's too.
    if os.geteuid() == 0:
        done = refused_serve(command, Path("/proc/self"))
        assert_refused_in_one_line(done, "the keys cannot be written to /proc/self")
    else:
        keys = tmp_path / "keys"
        keys.mkdir(mode=0o500)
        assert_refused_in_one_line(refused_serve(command, keys), "Permission denied")


@pytest.mark.slow
def test_a_scenario_with_public_keys_only_needs_no_writable_key_folder(tmp_path):
    (tmp_path / "file").write_text("")
    scenario = tmp_path / "plain.yaml"
    scenario.write_text("users:\n  - {user_id: alice, balance_cents: 100}\n")
    with serving(tmp_path / "file" / "keys", "--scenario", str(scenario)) as served:
        assert "  1 account, 0 markets, 0 opening fills" in served.banner


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--scenario", "no-such-scenario"], "the scenario cannot be loaded: no-such-scenario: cannot read"),
        (["--scenario", "{bad}"], "steps[0].settle.result: required"),
        (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:0: Cannot assign requested address"),  # TEST-NET-1
        (["--tls-cert", "{bad}", "--tls-key", "{bad}"], "TLS: {bad} and {bad} are not a certificate and its key"),
        (["--tls-cert", "no-such.pem", "--tls-key", "{bad}"], "TLS: no such file: no-such.pem"),
        (["--tls-self-signed", "{bad}"], "the certificate cannot be made in {bad}"),  # (a file, not a folder)
    ],
    ids=["missing scenario", "bad scenario", "host not of this machine", "not a pair", "no such file", "no folder"],
)
def test_user_mistakes_are_one_line_without_a_traceback(tmp_path, command, options, says):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - settle: {ticker: M}\n")
    done = refused_serve(command, tmp_path / "keys", *(o.format(bad=bad) for o in options))
    assert_refused_in_one_line(done, says.format(bad=bad))


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-self-signed", "d", "--tls-key", "k.pem"], "--tls-self-signed makes its own certificate"),
    ],
)
def test_tls_options_that_do_not_go_together_are_refused_by_the_parser(tmp_path, command, options, says):
    done = refused_serve(command, tmp_path / "keys", *options)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("port", ["70000", "-1", "eighty"])
def test_a_bad_port_is_refused_by_the_parser(tmp_path, command, port):
    done = refused_serve(command, tmp_path / "keys", "--port", port)
    assert done.returncode == 2 and "argument --port" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


# -- what the banner advertises ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_banner_prints_the_advertised_url_and_key_folder(tmp_path):
    env = {"MOCKEXCHANGE_ADVERTISE_URL": "http://localhost:18000/", "MOCKEXCHANGE_ADVERTISE_KEY_DIR": "./keys"}
    with serving(tmp_path / "keys", env=env) as served:
        banner = served.banner
        assert "mockexchange: Kalshi API http://localhost:18000/trade-api/v2 (profile" in banner
        assert "private key ./keys/demo-key.pem" in banner and "private key ./keys/fcm-key.pem" in banner
        assert "websocket: ws://localhost:18000/trade-api/ws/v2" in banner
        assert (
            'pem = Path("./keys/demo-key.pem")' in banner and 'base_url="http://localhost:18000/trade-api/v2"' in banner
        )
        assert "mockexchange: Deribit API http://localhost:18000/api/v2 (websocket ws://localhost:18000/ws/api/v2)" in (
            banner
        )
        assert ", kept in ./keys/deribit-key.json\n" in banner and "POST http://localhost:18000/api " in banner
        assert str(tmp_path) not in banner.split("mockexchange: ready")[0]
        # the keys are where they were written; the ready line says where the mock really listens
        assert (tmp_path / "keys" / "demo-key.pem").is_file()
        assert banner.splitlines()[-1].endswith(f"listening on 127.0.0.1:{served.port}")
    # the option wins over the environment
    with serving(tmp_path / "keys", "--advertise-url", "https://mock.example:9443", env=env) as served:
        assert "Kalshi API https://mock.example:9443/trade-api/v2" in served.banner
        assert "wss://mock.example:9443/trade-api/ws/v2" in served.banner
        assert "Deribit API https://mock.example:9443/api/v2 (websocket wss://mock.example:9443/ws/api/v2)" in (
            served.banner
        )


def test_the_advertised_key_folder_maps_a_scenarios_keys(tmp_path):
    with serving(tmp_path / "keys", "--scenario", "fed-decision", "--advertise-key-dir", "/host/keys") as served:
        assert "user 'alice': key id alice-key, private key /host/keys/alice-alice-key.pem" in served.banner
        assert not [line for line in served.err if "loading" in line], "a load within a second says nothing"
        assert (tmp_path / "keys" / "alice-alice-key.pem").is_file()


def test_a_scenarios_deribit_lines_follow_the_advertised_url_and_key_folder(tmp_path):
    scenario = load_file("deribit-btc-book", grammar=GRAMMAR)
    mock = build_app(clock=ManualClock(scenario.start))
    loaded = mock.scenarios.load(scenario, run=False, key_dir=tmp_path)
    where = banner.Advertised("https://mock.example:9443", tmp_path, "/host/keys")
    lines = "\n".join(banner.scenario(where, "3.34", "scenario 'x'", loaded, scenario, "stepped"))
    assert "Deribit API https://mock.example:9443/api/v2 (websocket wss://mock.example:9443/ws/api/v2)" in lines
    assert "(subaccount 1002): client id " in lines and ", kept in /host/keys/trader-deribit-1.json" in lines
    assert "SignalPlus gateway: POST https://mock.example:9443/api (the same credentials)" in lines
    assert str(tmp_path) not in lines


@pytest.mark.slow
def test_a_bad_advertise_url_is_refused_by_the_parser(tmp_path):
    for url in ("localhost:8000", "http://mock/trade-api/v2"):
        done = run_serve(tmp_path / "keys", "--advertise-url", url)
        assert done.returncode == 2 and "argument --advertise-url" in done.stderr and done.stdout == ""


def test_a_wildcard_host_is_advertised_as_loopback():
    # What the banner prints for --host 0.0.0.0 / :: (a test server binds 127.0.0.1 only, so checked here).
    assert http_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert http_url("::", 8000) == "http://[::1]:8000"
    assert http_url("::1", 8000) == "http://[::1]:8000"
    assert http_url("localhost", 8000) == "http://localhost:8000"


# -- Deribit: the demo's account and key, a scenario's generated keys, kept across restarts ----------------------------

DERIBIT_KEY = re.compile(
    r"^  user '([^']+)'(?: \(subaccount (\d+)\))?: client id (\S+), client secret (\S+?)(?:, kept in (\S+))?$", re.M
)


def deribit_positions(base_url: str, client_id: str, client_secret: str) -> list[dict]:
    """public/auth with client_credentials over HTTP, then private/get_positions with the token it granted."""
    grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    auth = plain_http.get(f"{base_url}/api/v2/public/auth", params=grant)
    assert auth.status_code == 200, auth.text
    token = auth.json()["result"]["access_token"]
    answer = plain_http.get(
        f"{base_url}/api/v2/private/get_positions",
        params={"currency": "any"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


@pytest.mark.slow
def test_the_demo_has_a_deribit_account_whose_key_the_banner_names_and_a_restart_keeps(demo):
    base = demo.base_url
    assert f"mockexchange: Deribit API {base}/api/v2 (websocket ws://127.0.0.1:{demo.port}/ws/api/v2)" in demo.banner
    assert f"  SignalPlus gateway: POST {base}/api (the same credentials)" in demo.banner
    assert "  1 account, 5 positions (BTC and ETH futures and options)" in demo.banner
    [(user, subaccount, client_id, secret, path)] = DERIBIT_KEY.findall(demo.banner)
    kept = Path(path)
    assert (user, subaccount, kept.name) == ("stacie60", "", "deribit-key.json")
    assert json.loads(kept.read_text()) == {"client_id": client_id, "client_secret": secret}
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    held = deribit_positions(base, client_id, secret)
    assert {row["kind"] for row in held} == {"future", "option"}
    assert {row["instrument_name"].split("-")[0] for row in held} == {"BTC", "ETH"} and len(held) == 5
    with serving(kept.parent) as again:  # another start on the same key folder: the same client id and secret
        assert DERIBIT_KEY.findall(again.banner) == [(user, "", client_id, secret, path)]
        assert len(deribit_positions(again.base_url, client_id, secret)) == 5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("deribit-key.json", '{"client_id": "only-an-id"}', "deribit-key.json does not hold Deribit credentials"),
        ("demo-key.pem", "not a key", "demo-key.pem is not an unencrypted RSA or Ed25519 private key in PEM"),
    ],
)
def test_a_broken_demo_key_file_is_refused_in_one_line(tmp_path, name, text, says):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / name).write_text(text)
    done = run_serve(keys)
    assert_refused_in_one_line(done, f"the demo keys cannot be used: {keys / says}")
    assert re.search(r"; remove it to have (a new one|new ones) made$", done.stderr.rstrip("\n")), done.stderr


@pytest.mark.slow
def test_a_scenarios_generated_deribit_key_is_kept_across_restarts(tmp_path):
    keys = tmp_path / "keys"
    with serving(keys, "--scenario", "deribit-btc-book") as served:
        assert f"mockexchange: Deribit API {served.base_url}/api/v2" in served.banner
        assert "  1 account, 1 subaccount, 4 opening trades" in served.banner
        fixed, generated = DERIBIT_KEY.findall(served.banner)
        assert fixed == ("trader", "", "trader-desk", "trader-desk-secret", ""), "a fixed secret: nothing to keep"
        user, subaccount, client_id, secret, path = generated
        assert (user, subaccount, path) == ("trader", "1002", str((keys / "trader-deribit-1.json").resolve()))
        assert json.loads(Path(path).read_text()) == {"client_id": client_id, "client_secret": secret}
        assert deribit_positions(served.base_url, client_id, secret) == [], "the subaccount trades nothing"
        assert len(deribit_positions(served.base_url, "trader-desk", "trader-desk-secret")) == 4
    assert [p.name for p in keys.iterdir()] == ["trader-deribit-1.json"]
    with serving(keys, "--scenario", "deribit-btc-book") as again:
        assert DERIBIT_KEY.findall(again.banner) == [fixed, generated]
        assert deribit_positions(again.base_url, client_id, secret) == []


# -- counts in words ---------------------------------------------------------------------------------------------------


def test_counts_are_singular_for_one():
    assert [counted(n, "market") for n in (0, 1, 2, 7010)] == ["0 markets", "1 market", "2 markets", "7,010 markets"]
    document = {
        "users": [{"user_id": "alice", "balance_cents": 100}],
        "markets": [{"ticker": "M-1", "event_ticker": "M"}],
        "positions": [{"user_id": "alice", "ticker": "M-1", "side": "yes", "count": "1", "price": "0.50"}],
        "steps": [{"settle": {"ticker": "M-1", "result": "yes"}}],
    }
    scenario = load_document(document, grammar=GRAMMAR)
    loaded = build_app().scenarios.load(scenario, run=True)
    where = banner.Advertised("http://127.0.0.1:8000", Path("keys"))
    lines = banner.scenario(where, "3.34", "scenario 'one'", loaded, scenario, "ran at load")
    assert "  1 account, 1 market, 1 opening fill" in lines
    assert lines[-3].startswith("mockexchange: timeline: 1 step, ran at load; exchange time ")
    assert not any("Deribit" in line for line in lines), "a scenario without Deribit accounts"


# -- a long load's progress -------------------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that moves `step` seconds each time it is read (and `jumps[n]` more at its n-th read)."""

    def __init__(self, step: float, jumps: dict[int, float] | None = None) -> None:
        self.now, self.step, self.jumps, self.reads = 0.0, step, jumps or {}, 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step + self.jumps.get(self.reads, 0.0)
        return self.now


def progress_lines(total: int, clock: FakeClock) -> list[str]:
    stream = io.StringIO()
    progress = LoadProgress("scenario 'x'", stream, clock=clock)
    for done in range(1, total + 1):
        progress(done, total)
    return stream.getvalue().splitlines()


def test_load_progress_is_quiet_for_a_load_within_a_second_however_large():
    assert progress_lines(20_000, FakeClock(0.00004)) == [], "20,000 operations in 0.8 s"
    assert progress_lines(5, FakeClock(0.01, {6: 2.0})) == [], "over (its last operation slow) before it said a thing"


def test_load_progress_speaks_once_a_load_passes_a_second_however_small():
    lines = progress_lines(10, FakeClock(0.3))  # 10 operations of 0.3 s: past a second at the 4th (1.2 s in)
    assert lines[:2] == [
        "mockexchange: loading scenario 'x': 10 operations",
        "mockexchange: loading scenario 'x': 4/10 operations (40%)",
    ]
    assert lines[-1] == "mockexchange: loading scenario 'x': 10/10 operations (100%) in 3.00s" and len(lines) == 8


def test_load_progress_says_a_line_a_tenth_or_a_second_whichever_first():
    # 2,000 fast operations but the 50th, which takes 5 s: a line after it, then one a tenth
    lines = progress_lines(2000, FakeClock(0.0001, {51: 5.0}))
    assert lines[0] == "mockexchange: loading scenario 'x': 2,000 operations"
    assert lines[1] == "mockexchange: loading scenario 'x': 50/2,000 operations (2%)"
    assert lines[2] == "mockexchange: loading scenario 'x': 200/2,000 operations (10%)"
    assert (
        len(lines) == 12 and lines[-1] == "mockexchange: loading scenario 'x': 2,000/2,000 operations (100%) in 5.20s"
    )
    # a second without a line says one, between tenths
    slow = progress_lines(100, FakeClock(0.6))
    assert [line.split(": ")[-1] for line in slow[1:4]] == [
        "2/100 operations (2%)", "4/100 operations (4%)", "6/100 operations (6%)"
    ]  # fmt: skip


def test_a_scenario_load_tells_its_progress_operation_by_operation():
    # The runner counts each set-up entry and each fill of a burst; a clock of 1 ms an operation makes this 1.5 s.
    document = {
        "users": [{"user_id": "alice"}, {"user_id": "bob"}],
        "markets": [{"ticker": "M-1", "event_ticker": "M"}],
        "steps": [{"burst": {"ticker": "M-1", "users": ["alice", "bob"], "fills": 1500}}],
    }
    stream = io.StringIO()
    progress = LoadProgress("scenario 'burst'", stream, clock=FakeClock(0.001))
    build_app().scenarios.load(load_document(document, grammar=GRAMMAR), run=True, progress=progress)
    done = [re.search(r": ([\d,]+)/1,503 operations", line) for line in stream.getvalue().splitlines()[1:]]
    assert stream.getvalue().startswith("mockexchange: loading scenario 'burst': 1,503 operations\n")
    assert [int(m.group(1).replace(",", "")) for m in done if m] == [1000, 1053, 1203, 1353, 1503]  # 70%, 80%, ...
    assert stream.getvalue().endswith("1,503/1,503 operations (100%) in 1.50s\n")


# -- the client snippet, from the banner and from the README --------------------------------------------------------


def banner_snippet(banner: str) -> str:
    lines = banner.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Python 3.11+"))
    end = next(i for i, line in enumerate(lines) if line.startswith("mockexchange: ready"))
    return "\n".join(lines[start:end]).rstrip("\n") + "\n"


def quick_start() -> str:
    return (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]


def readme_snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", quick_start(), re.S)
    [snippet] = [block for block in blocks if block.startswith("# Python 3.11+")]
    return snippet


def run_snippet(snippet: str) -> str:
    ast.parse(snippet, feature_version=(3, 11))  # the syntax of the Python the README promises
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_banners_snippet_and_the_readmes_run_and_print_positions(demo):
    assert sys.version_info[:2] >= (3, 11)
    printed = banner_snippet(demo.banner)
    readme = as_served(readme_snippet(), demo)
    assert readme == printed, "README.md's quick start shows the snippet the banner prints"
    out = run_snippet(printed)  # the README's too, the same text
    assert "'market_positions': [{" in out and "'position_fp'" in out, out
    assert "kalshi_python_sync" not in demo.banner


def as_served(readme: str, served: Served) -> str:
    """README.md's text for a seed-7 mock on port 8000 keeping its keys in ~/.mockexchange, as `served` prints it:
    its port, its key folder, the Deribit client id and secret it made."""
    key_dir = Path(DERIBIT_KEY.findall(served.banner)[0][4]).parent
    readme = readme.replace("127.0.0.1:8000", f"127.0.0.1:{served.port}")
    readme = readme.replace("/home/you/.mockexchange", str(key_dir))
    for (*_, shown_id, shown_secret, _), (*_, client_id, secret, _) in zip(
        DERIBIT_KEY.findall(readme),
        DERIBIT_KEY.findall(served.banner),
        strict=False,  # a snippet shows none
    ):
        readme = readme.replace(shown_id, client_id).replace(shown_secret, secret)
    for shown, made in zip(COINBASE_KEY.findall(readme), COINBASE_KEY.findall(served.banner), strict=False):
        readme = readme.replace(shown, made)  # the demo's Coinbase key: its name and private key (drawn)
    return readme


COINBASE_KEY = re.compile(r"Coinbase API key name \S+|-----BEGIN EC PRIVATE KEY-----\n[^-]*-----END EC [A-Z ]+-----")


def readme_banner() -> str:
    [block] = [b for b in re.findall(r"```text\n(.*?)```", quick_start(), re.S) if b.startswith("mockexchange: ")]
    return block


def test_the_readmes_banner_is_what_serve_prints(demo):
    lines = demo.banner.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("mockexchange: admin API"))
    assert as_served(readme_banner(), demo) == "\n".join(lines[: end + 1]) + "\n"


@pytest.mark.slow
@pytest.mark.clients
def test_the_readmes_ccxt_snippet_prints_the_demos_deribit_positions(demo):
    blocks = re.findall(r"```python\n(.*?)```", quick_start(), re.S)
    [snippet] = [block for block in blocks if "import ccxt" in block]
    python = venv_python(ensure_venv(CCXT))  # ccxt is no dependency of mockexchange: its own venv, as a user's
    done = subprocess.run([str(python), "-c", as_served(snippet, demo)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    held = ast.literal_eval(done.stdout)
    assert len(held) == 5 and {symbol.split("/")[0] for symbol, _, _ in held} == {"BTC", "ETH"}, held
    assert all((side, contracts > 0) in (("long", True), ("short", False)) for _, side, contracts in held), held
