"""`mockexchange serve` and the command line around it, run as a user runs them (child processes, real HTTP):
`--version`, help that shows every default, the port actually bound, refusals in one line before any banner, the
advertised URL and key folder, a long load's progress, and the client snippet of the banner and the README."""

from __future__ import annotations

import ast
import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
from serve_process import environment, run_serve, serving

from mockexchange import __version__
from mockexchange.cli.progress import LoadProgress
from mockexchange.server import http_url

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("mockexchange")


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


def test_serve_help_gives_every_option_a_help_text_with_its_default():
    done = subprocess.run([str(SCRIPT), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    entries = option_entries(done.stdout)
    entries.pop("-h")
    assert {"--host", "--port", "--key-dir", "--scenario", "--advertise-url", "--advertise-key-dir"} <= set(entries)
    assert [option for option, text in entries.items() if "default: " not in " ".join(text.split())] == []
    text = " ".join(done.stdout.split())
    assert "(default: 127.0.0.1)" in text and "(default: 8000)" in text and "(default: .mockexchange)" in text


def test_serve_help_names_the_advertise_defaults_from_the_environment():
    env = environment({"MOCKEXCHANGE_ADVERTISE_URL": "http://localhost:8123"})
    done = subprocess.run([str(SCRIPT), "serve", "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert "default: http://localhost:8123)" in " ".join(done.stdout.split())


# -- the port bound, and refusals before any banner -----------------------------------------------------------------


def test_port_0_prints_the_port_bound_in_the_banner_and_the_snippet(tmp_path):
    with serving(tmp_path / "keys") as served:
        assert served.port > 0
        url = f"http://127.0.0.1:{served.port}/trade-api/v2"
        assert f"mockexchange: Kalshi API {url} (profile 3.34, seed 7)" in served.banner
        assert f'base_url="{url}"' in served.banner
        assert f"websocket: ws://127.0.0.1:{served.port}/trade-api/ws/v2" in served.banner
        assert ":0/" not in served.banner
        assert httpx.get(f"{served.base_url}/_admin/health").json() == {"status": "ok", "version": __version__}


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


def test_a_key_folder_under_a_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "file").write_text("")
    assert_refused_in_one_line(run_serve(tmp_path / "file" / "keys"), "the keys cannot be written to")
    assert_refused_in_one_line(run_serve(tmp_path / "file"), "it is a file, not a folder")


def test_a_key_folder_that_refuses_writes_is_one_line_and_exit_2(tmp_path):
    # Permission bits do not stop root (CI runs as root); a folder of procfs refuses every new file, root's too.
    if os.geteuid() == 0:
        assert_refused_in_one_line(run_serve(Path("/proc/self")), "the keys cannot be written to /proc/self")
    else:
        keys = tmp_path / "keys"
        keys.mkdir(mode=0o500)
        assert_refused_in_one_line(run_serve(keys), "Permission denied")


def test_a_scenario_with_public_keys_only_needs_no_writable_key_folder(tmp_path):
    (tmp_path / "file").write_text("")
    scenario = tmp_path / "plain.yaml"
    scenario.write_text("users:\n  - {user_id: alice, balance_cents: 100}\n")
    with serving(tmp_path / "file" / "keys", "--scenario", str(scenario)) as served:
        assert "1 accounts" in served.banner


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--scenario", "no-such-scenario"], "the scenario cannot be loaded: no-such-scenario: cannot read"),
        (["--scenario", "{bad}"], "steps[0].settle.result: required"),
        (["--host", "192.0.2.1"], "cannot listen on 192.0.2.1:0: Cannot assign requested address"),  # TEST-NET-1
    ],
    ids=["missing scenario", "bad scenario", "host not of this machine"],
)
def test_user_mistakes_are_one_line_without_a_traceback(tmp_path, options, says):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - settle: {ticker: M}\n")
    done = run_serve(tmp_path / "keys", *(o.format(bad=bad) for o in options))
    assert_refused_in_one_line(done, says)


@pytest.mark.parametrize("port", ["70000", "-1", "eighty"])
def test_a_bad_port_is_refused_by_the_parser(tmp_path, port):
    done = run_serve(tmp_path / "keys", "--port", port)
    assert done.returncode == 2 and "argument --port" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


# -- what the banner advertises ---------------------------------------------------------------------------------------


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
        assert str(tmp_path) not in banner.split("mockexchange: ready")[0]
        # the keys are where they were written; the ready line says where the mock really listens
        assert (tmp_path / "keys" / "demo-key.pem").is_file()
        assert banner.splitlines()[-1].endswith(f"listening on 127.0.0.1:{served.port}")
    # the option wins over the environment
    with serving(tmp_path / "keys", "--advertise-url", "https://mock.example:9443", env=env) as served:
        assert "Kalshi API https://mock.example:9443/trade-api/v2" in served.banner
        assert "wss://mock.example:9443/trade-api/ws/v2" in served.banner


def test_the_advertised_key_folder_maps_a_scenarios_keys(tmp_path):
    with serving(tmp_path / "keys", "--scenario", "fed-decision", "--advertise-key-dir", "/host/keys") as served:
        assert "user 'alice': key id alice-key, private key /host/keys/alice-alice-key.pem" in served.banner
        assert (tmp_path / "keys" / "alice-alice-key.pem").is_file()


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


# -- a long load's progress -------------------------------------------------------------------------------------------

PROGRESS = re.compile(r"^mockexchange: loading scenario 'busy-market': ([\d,]+)/([\d,]+) operations \((\d+)%\)")


def test_a_large_scenario_reports_its_load_on_stderr_and_a_small_one_is_quiet(tmp_path):
    with serving(tmp_path / "keys", "--scenario", "busy-market") as served:
        lines = [line for line in served.err if line.startswith("mockexchange:")]
        # 8 set-up entries, 2 bursts of 5,000 and 2,000 fills, a wait, a settlement
        assert lines[0] == "mockexchange: loading scenario 'busy-market': 7,010 operations"
        counts = [PROGRESS.match(line) for line in lines[1:]]
        assert all(counts), lines
        done = [int(m.group(1).replace(",", "")) for m in counts]
        assert len(done) >= 10 and done == sorted(set(done)) and done[-1] == 7010
        assert re.search(r"7,010/7,010 operations \(100%\) in \d+\.\d\ds$", lines[-1])
        assert "timeline: 4 steps, ran at load" in served.banner
        assert httpx.get(f"{served.base_url}/_admin/scenario").json()["steps_left"] == 0
    with serving(tmp_path / "keys", "--scenario", "fed-decision") as served:
        assert [line for line in served.err if line.startswith("mockexchange:")] == []


def test_load_progress_says_a_line_a_tenth_or_a_second_whichever_first():
    import io

    now = [0.0]
    stream = io.StringIO()
    progress = LoadProgress("scenario 'x'", stream, clock=lambda: now[0])
    for done in range(1, 2001):
        now[0] += 0.0001 if done != 50 else 5.0  # one slow operation: a line after it, before the tenth
        progress(done, 2000)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "mockexchange: loading scenario 'x': 2,000 operations"
    assert lines[1] == "mockexchange: loading scenario 'x': 50/2,000 operations (2%)"
    assert lines[2] == "mockexchange: loading scenario 'x': 200/2,000 operations (10%)"
    assert len(lines) == 12 and lines[-1].startswith(
        "mockexchange: loading scenario 'x': 2,000/2,000 operations (100%)"
    )
    quiet = io.StringIO()
    small = LoadProgress("scenario 'y'", quiet)
    for done in range(1, 11):
        small(done, 10)
    assert quiet.getvalue() == ""


# -- the client snippet, from the banner and from the README --------------------------------------------------------


def banner_snippet(banner: str) -> str:
    lines = banner.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Python 3.11+"))
    end = next(i for i, line in enumerate(lines) if line.startswith("mockexchange: ready"))
    return "\n".join(lines[start:end]).rstrip("\n") + "\n"


def readme_snippet() -> str:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", quick_start, re.S)
    [snippet] = [block for block in blocks if block.startswith("# Python 3.11+")]
    return snippet


def run_snippet(snippet: str) -> str:
    ast.parse(snippet, feature_version=(3, 11))  # the syntax of the Python the README promises
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_banners_snippet_and_the_readmes_run_and_print_positions(tmp_path):
    assert sys.version_info[:2] >= (3, 11)
    key_dir = tmp_path / "keys"
    with serving(key_dir, "--seed", "7") as served:
        printed = banner_snippet(served.banner)
        # The README shows the seed-7 banner of a mock on port 8000 keeping its keys in ~/.mockexchange.
        readme = readme_snippet().replace("http://127.0.0.1:8000", served.base_url)
        readme = readme.replace("/home/you/.mockexchange", str(key_dir.resolve()))
        assert readme == printed, "README.md's quick start shows the snippet the banner prints"
        for snippet in (printed, readme):
            out = run_snippet(snippet)
            assert "'market_positions': [{" in out and "'position_fp'" in out, out
        assert "kalshi_python_sync" not in served.banner
