"""A built wheel, installed into a fresh virtual environment and used from a directory outside the checkout, has the
whole product: the request journal checks against the slices, generated responses, a shipped scenario served by
name, `contract check`, `contract check-deribit`, `contract drift`, the client matrix and the inspector's page (their
data is package data, not the checkout's)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    # Nothing of the checkout leaks in: no PYTHONPATH, no MOCKEXCHANGE_CONTRACTS pointing back at it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MOCKEXCHANGE_CONTRACTS", "VIRTUAL_ENV")}
    return env | extra


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(the venv's bin folder, a working directory outside the checkout)."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(dist)]
    subprocess.run([*build, str(ROOT)], check=True, cwd=root, env=_env(), timeout=600)
    (wheel,) = dist.glob("mockexchange-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300)
    bin_dir = root / "venv" / "bin"
    install = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)]
    subprocess.run(install, check=True, cwd=root, env=_env(), timeout=900)
    work = root / "elsewhere"
    work.mkdir()
    yield bin_dir, work


def run(installed: tuple[Path, Path], *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    bin_dir, work = installed
    command = [str(bin_dir / argv[0]), *argv[1:]]
    return subprocess.run(command, cwd=work, env=_env(), capture_output=True, text=True, timeout=timeout)


def test_the_installed_package_is_not_the_checkout(installed: tuple[Path, Path]) -> None:
    done = run(installed, "python", "-c", "import mockexchange; print(mockexchange.__file__)")
    assert done.returncode == 0, done.stderr
    assert "site-packages" in done.stdout and str(ROOT) not in done.stdout
    version = run(installed, "mockexchange", "--version")
    assert version.returncode == 0 and re.fullmatch(r"mockexchange \d+\.\d+\.\d+\S*\n", version.stdout), version


def test_journal_generated_responses_and_a_shipped_scenario_work_from_the_wheel(installed: tuple[Path, Path]) -> None:
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


def test_the_inspector_and_its_assets_are_served_from_the_wheel(installed: tuple[Path, Path]) -> None:
    script = textwrap.dedent(
        """
        import json, httpx
        from importlib import resources
        from mockexchange import MockServer
        from mockexchange.admin.inspector import ASSETS

        out = {"static": str(resources.files("mockexchange.admin").joinpath("static"))}
        with MockServer() as mock:
            page = httpx.get(mock.base_url + "/_inspector")
            out["page"] = [page.status_code, page.headers.get("content-security-policy"), len(page.text)]
            out["assets"] = {}
            for name in ASSETS:
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
    assert set(out["assets"]) == {"inspector.js", "inspector.css", "favicon.svg"}, out
    for name, (status, media_type, size) in out["assets"].items():
        assert status == 200 and size > 100 and media_type.split("/")[0] in ("text", "image"), (name, out)
    assert out["events"] == 406, "the feed is there (it wants Accept: text/event-stream)"


def test_serve_a_shipped_scenario_by_name(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
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
            scenario = httpx.get(url.group(1) + "/_admin/scenario", timeout=10).json()
            assert scenario["steps_total"] > 0, scenario
        finally:
            p.terminate()
            p.wait(timeout=30)


def test_contract_check_and_drift_run_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    # A mock of the installed package, seeded with the kit's account, in its own process.
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from mockexchange import MockServer
        from mockexchange.contract.account import private_key_pem_text, seed
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
            key_id = run(installed, "python", "-c", "from mockexchange.contract.account import KEY_ID; print(KEY_ID)")
            check = run(
                installed, "mockexchange", "contract", "check", "--base-url", url, "--key-id", key_id.stdout.strip(),
                "--private-key", "contract.pem", "--operation", "GetBalance", "--operation", "GetFills",
                "--max-examples", "3", "--phases", "examples,coverage",
            )  # fmt: skip
            assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-2000:]
            assert "No issues found" in check.stdout
        finally:
            assert mock.stdin is not None
            mock.stdin.close()
            mock.wait(timeout=30)
    where = "from mockexchange.schema.specs import kalshi_slice_path as p; print(p('openapi.yaml'))"
    slice_path = run(installed, "python", "-c", where).stdout.strip()
    assert "site-packages" in slice_path
    drift = run(installed, "mockexchange", "contract", "drift", "--spec", slice_path)
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_contract_check_deribit_runs_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
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
    where = "from mockexchange.schema.deribit_rpc import slice_path; print(slice_path())"
    assert "site-packages" in run(installed, "python", "-c", where).stdout


@pytest.mark.clients
def test_the_client_matrix_runs_from_the_wheel(installed: tuple[Path, Path]) -> None:
    # The client scripts come from the installed package; the client's venv from the shared cache.
    done = run(
        installed, "mockexchange", "contract", "clients", "--client", "kalshi-python-sync",
        "--capability", "balance", "--generated-seeds", "0", timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"kalshi_python_sync 3\.34\.0\s+PASS", done.stdout), done.stdout
    assert "contract clients: kalshi-python-sync: balance PASS" in done.stderr
