"""A built wheel, installed into a fresh virtual environment and used from a directory outside the checkout, has the
whole product. The plain install: the request journal checks against the slices, generated responses, a shipped
scenario served by name, the pytest fixtures in a user's pytest run (which loads neither the contract kit's plugins
nor the server until a fixture asks), `contract drift`, `contract check-deribit`, the client matrix and the
inspector's page (their data is package data, not the checkout's); `contract check` says it needs the kit's extra.
Then the `contract` extra, installed into a venv of its own: its pytest plugins registered, `contract check` runs. Each
venv is made once in the session, whichever worker asks first."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import plain_http
import pytest

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    # Nothing of the checkout leaks in: no PYTHONPATH, no MOCKEXCHANGE_CONTRACTS pointing back at it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MOCKEXCHANGE_CONTRACTS", "VIRTUAL_ENV")}
    return env | extra


class Install(NamedTuple):
    bin_dir: Path  # the venv's
    work: Path  # a working directory outside the checkout
    wheel: Path


def pip_install(install: Install, *requirements: str) -> None:
    """Installs into the venv with the suite's own pip (`--python`): the venv is made without one, which spares
    ensurepip's install of pip, and pip compiles no bytecode (the venv's runs compile what they import, once)."""
    command = [sys.executable, "-m", "pip", "--python", str(install.bin_dir / "python"), "install", "-q"]
    command += ["--disable-pip-version-check", "--no-compile"]
    subprocess.run([*command, *requirements], check=True, cwd=install.work, env=_env(), timeout=900)


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temporary root: under xdist the folder every worker's own root is in, which they share."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `name`, made by `make` once in the session, by whichever worker asks first; the others wait for it
    and use it. (A module fixture is made again in every xdist worker its tests are spread over: a wheel and a venv
    each, some 15 CPU-seconds a time.)"""
    root = session_root(tmp_path_factory)
    folder = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(folder: Path) -> None:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w"]
        subprocess.run([*command, str(folder), str(ROOT)], check=True, cwd=folder, env=_env(), timeout=600)

    (wheel,) = made_once(tmp_path_factory, "wheel", build).glob("mockexchange-*.whl")
    return wheel


def venv_with(tmp_path_factory: pytest.TempPathFactory, name: str, wanted: str) -> Install:
    """A fresh venv, made once in the session, with the wheel (`wanted`: as pip names it, an extra too) and pytest;
    and a working directory of this worker's own, outside the checkout."""
    wheel = built_wheel(tmp_path_factory)

    def make(folder: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=300)
        pip_install(Install(folder / "bin", folder, wheel), wanted.format(wheel=wheel), "pytest")

    venv = made_once(tmp_path_factory, name, make)
    return Install(venv / "bin", tmp_path_factory.mktemp("elsewhere"), wheel)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The plain install (and pytest, for a user's test run)."""
    return venv_with(tmp_path_factory, "venv-plain", "{wheel}")


@pytest.fixture(scope="module")
def with_kit(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The install with the contract extra, a venv of its own."""
    return venv_with(tmp_path_factory, "venv-kit", "{wheel}[contract]")


def run(installed: Install, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [str(installed.bin_dir / argv[0]), *argv[1:]]
    return subprocess.run(command, cwd=installed.work, env=_env(), capture_output=True, text=True, timeout=timeout)


def registered_plugins(installed: Install) -> set[str]:
    """The pytest11 entry points the venv registers: every pytest run there loads them."""
    names = "from importlib.metadata import entry_points as e; print(' '.join(p.name for p in e(group='pytest11')))"
    return set(run(installed, "python", "-c", names).stdout.split())


KIT_PLUGINS = {"schemathesis", "hypothesispytest"}
# What a user's pytest run has imported once it has collected (before any test ran): the kit, the server.
WATCHED = ("schemathesis", "hypothesis", "mockexchange.server", "uvicorn", "starlette", "cryptography", "httpx")
USER_TESTS = f"""
import sys


def test_start_up():
    print("LOADED", sorted(m for m in {WATCHED!r} if m in sys.modules))


def test_fixtures(kalshi_user):
    balance = kalshi_user.client.get("/portfolio/balance")
    assert balance.status_code == 200 and balance.json()["balance"] == 1_000_000, balance.text
"""


def test_the_installed_package_is_not_the_checkout(installed: Install) -> None:
    done = run(installed, "python", "-c", "import mockexchange; print(mockexchange.__file__)")
    assert done.returncode == 0, done.stderr
    assert "site-packages" in done.stdout and str(ROOT) not in done.stdout
    version = run(installed, "mockexchange", "--version")
    assert version.returncode == 0 and re.fullmatch(r"mockexchange \d+\.\d+\.\d+\S*\n", version.stdout), version


def test_a_plain_install_has_no_contract_kit(installed: Install) -> None:
    probe = "from importlib.util import find_spec as f; print([m for m in ('schemathesis', 'hypothesis') if f(m)])"
    assert run(installed, "python", "-c", probe).stdout == "[]\n"
    plugins = registered_plugins(installed)
    assert "mockexchange" in plugins and not plugins & KIT_PLUGINS, plugins
    check = run(
        installed, "mockexchange", "contract", "check", "--base-url", "http://127.0.0.1:9/trade-api/v2",
        "--key-id", "k", "--private-key", "contract.pem",
    )  # fmt: skip
    needs = "the contract kit needs `pip install 'mockexchange[contract]'` (schemathesis is not installed)"
    assert (check.returncode, check.stdout, check.stderr) == (2, "", f"contract check: {needs}\n")


def test_a_users_pytest_run_has_the_fixtures_and_loads_neither_the_kit_nor_the_server(installed: Install) -> None:
    project = installed.work / "project"
    project.mkdir()
    (project / "test_user.py").write_text(USER_TESTS)
    done = run(installed, "python", "-m", "pytest", "-p", "no:cacheprovider", "-s", "-q", str(project))
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert "LOADED []" in done.stdout.splitlines(), done.stdout[-3000:]


def test_journal_generated_responses_and_a_shipped_scenario_work_from_the_wheel(installed: Install) -> None:
    script = textwrap.dedent(
        """
        import json, httpx
        from mockexchange import MockServer
        from mockexchange.core.clock import ManualClock
        from mockexchange.testing.signing import KalshiAuth, KalshiSigner

        out = {}
        with MockServer(generated_responses=7) as mock:
            mock.create_account("alice", balance_cents=1000)
            key = mock.create_key("alice")
            auth = KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
            generated = httpx.get(mock.kalshi_url + "/portfolio/positions", auth=auth)
            out["generated"] = [generated.status_code, generated.headers.get("x-mockexchange-generated")]
            httpx.get(mock.kalshi_url + "/portfolio/positions?limit=5000")  # unsigned, and limit out of range
            out["problems"] = [p["rule"] for r in mock.requests() for p in r["problems"]]
        with MockServer(clock=ManualClock()) as mock:
            loaded = mock.load_scenario(path="fed-decision", key_dir="keys")
            out["scenario"] = [loaded["accounts"], loaded["steps_total"], [k["user_id"] for k in loaded["keys"]]]
        print(json.dumps(out))
        """
    )
    done = run(installed, "python", "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    status, tag = out["generated"]
    assert status == 200 and tag.startswith("seed=7 "), out
    assert "schema.unavailable" not in out["problems"]
    assert "parameter.maximum" in out["problems"] and "auth.signature" in out["problems"], out
    accounts, steps, users = out["scenario"]
    assert accounts >= 2 and steps > 0 and "bob" in users, out


def test_the_inspector_and_its_assets_are_served_from_the_wheel(installed: Install) -> None:
    script = textwrap.dedent(
        """
        import json, httpx
        from importlib import resources
        from mockexchange import MockServer
        from mockexchange.admin.inspector import ASSETS
        from mockexchange.registry import PANELS

        out = {"static": str(resources.files("mockexchange.admin").joinpath("static"))}
        with MockServer() as mock:
            page = httpx.get(mock.base_url + "/_inspector")
            out["page"] = [page.status_code, page.headers.get("content-security-policy"), len(page.text)]
            out["assets"] = {}
            for name in {**ASSETS, **{n: m for panel in PANELS for n, m in panel.assets.items()}}:
                asset = httpx.get(mock.base_url + "/_inspector/" + name)
                out["assets"][name] = [asset.status_code, asset.headers["content-type"], len(asset.content)]
            events = httpx.get(mock.base_url + "/_admin/events")
            out["events"] = events.status_code
        print(json.dumps(out))
        """
    )
    done = run(installed, "python", "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert "site-packages" in out["static"] and str(ROOT) not in out["static"], out
    status, policy, size = out["page"]
    assert status == 200 and policy.startswith("default-src 'self'") and size > 1000, out
    assets = {
        "inspector.js",
        "inspector-kalshi.js",
        "inspector-deribit.js",
        "inspector-markets.js",
        "inspector-kalshi.css",
        "inspector-deribit.css",
        "inspector-perps.js",
        "inspector-perps.css",
        "inspector.css",
        "favicon.svg",
    }
    assert set(out["assets"]) == assets, out
    for name, (status, media_type, size) in out["assets"].items():
        assert status == 200 and size > 100 and media_type.split("/")[0] in ("text", "image"), (name, out)
    assert out["events"] == 406, "the feed is there (it wants Accept: text/event-stream)"


def test_serve_a_shipped_scenario_by_name(installed: Install) -> None:
    bin_dir, work = installed.bin_dir, installed.work
    serve = [str(bin_dir / "mockexchange"), "serve", "--scenario", "fed-decision", "--port", "0", "--key-dir", "keys"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    with subprocess.Popen(serve, cwd=work, env=_env(), **pipes) as p:
        try:
            assert p.stdout is not None
            banner = []
            for line in p.stdout:
                banner.append(line)
                if "ready in" in line:
                    break
            text = "".join(banner)
            url = re.search(r"Kalshi API (http://127\.0\.0\.1:\d+)/trade-api/v2", text)
            assert url and "scenario 'fed-decision'" in text, text
            scenario = plain_http.get(url.group(1) + "/_admin/scenario", timeout=10).json()
            assert scenario["steps_total"] > 0, scenario
        finally:
            p.terminate()
            p.wait(timeout=30)


def test_contract_drift_runs_from_the_wheel(installed: Install) -> None:
    where = "from mockexchange.schema.specs import kalshi_slice_path as p; print(p('openapi.yaml'))"
    slice_path = run(installed, "python", "-c", where).stdout.strip()
    assert "site-packages" in slice_path
    drift = run(installed, "mockexchange", "contract", "drift", "--spec", slice_path)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_contract_check_deribit_runs_from_the_wheel(installed: Install) -> None:
    bin_dir, work = installed.bin_dir, installed.work
    script = textwrap.dedent(
        """
        import sys
        from mockexchange import MockServer
        with MockServer() as mock:
            mock.create_deribit_account("alice", balances={"BTC": "10"})
            mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
            mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")
            print(mock.deribit_url, flush=True)
            sys.stdin.read()
        """
    )
    with subprocess.Popen(
        [str(bin_dir / "python"), "-c", script], cwd=work, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    ) as mock:  # fmt: skip
        try:
            assert mock.stdout is not None
            url = mock.stdout.readline().strip()
            command = [str(bin_dir / "mockexchange"), "contract", "check-deribit", "--base-url", url]
            command += ["--client-id", "AliceKey", "--method", "private/get_positions", "--listen", "0.2"]
            env = _env(MOCKEXCHANGE_DERIBIT_CLIENT_SECRET="alice-secret")
            check = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=120)
            assert check.returncode == 0, check.stdout + check.stderr
            assert "PASS       private/get_positions" in check.stdout
        finally:
            assert mock.stdin is not None
            mock.stdin.close()
            mock.wait(timeout=30)
    where = "from mockexchange.schema.deribit.rpc import slice_path; print(slice_path())"
    assert "site-packages" in run(installed, "python", "-c", where).stdout


@pytest.mark.clients
def test_the_client_matrix_runs_from_the_wheel(installed: Install) -> None:
    # The client scripts come from the installed package; the client's venv from the shared cache.
    done = run(
        installed, "mockexchange", "contract", "clients", "--client", "kalshi-python-sync",
        "--capability", "balance", "--generated-seeds", "0", timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"kalshi_python_sync 3\.34\.0\s+PASS", done.stdout), done.stdout
    assert "contract clients: kalshi-python-sync: balance PASS" in done.stderr


# -- the contract extra, added to the same venv --------------------------------------------------------------------


def test_with_the_extra_pytest_loads_the_kits_plugins(with_kit: Install) -> None:
    # What the plain install spares every pytest run of a user's project (bench/README.md: what they cost).
    plugins = registered_plugins(with_kit)
    assert plugins >= KIT_PLUGINS and "mockexchange" in plugins, plugins


def test_with_the_extra_contract_check_runs(with_kit: Install) -> None:
    bin_dir, work = with_kit.bin_dir, with_kit.work
    # A mock of the installed package, seeded with the kit's account, in its own process.
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from mockexchange import MockServer
        from mockexchange.contract.kalshi.account import private_key_pem_text, seed
        Path("contract.pem").write_text(private_key_pem_text())
        with MockServer() as mock:
            seed(mock)
            print(mock.kalshi_url, flush=True)
            sys.stdin.read()
        """
    )
    python = str(bin_dir / "python")
    with subprocess.Popen(
        [python, "-c", script], cwd=work, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as mock:
        try:
            assert mock.stdout is not None
            url = mock.stdout.readline().strip()
            key_id = run(
                with_kit, "python", "-c", "from mockexchange.contract.kalshi.account import KEY_ID; print(KEY_ID)"
            )
            check = run(
                with_kit, "mockexchange", "contract", "check", "--base-url", url, "--key-id", key_id.stdout.strip(),
                "--private-key", "contract.pem", "--operation", "GetBalance", "--operation", "GetFills",
                "--max-examples", "3", "--phases", "examples,coverage",
            )  # fmt: skip
            assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
            assert "No issues found" in check.stdout
        finally:
            assert mock.stdin is not None
            mock.stdin.close()
            mock.wait(timeout=30)
