"""The pytest plugin (registered through the `pytest11` entry point when mockexchange is installed).

Fixtures:
- `mockexchange`: a running `MockServer` on a free 127.0.0.1 port, fresh for each test, stopped after it.
  Settings come from `@pytest.mark.mockexchange(profile="legacy", ...)` (any `Settings` field) or the command line
  option `--mockexchange-profile`. `@pytest.mark.mockexchange(scenario="fed-decision")` serves that scenario (a
  shipped one by name, or a file path relative to the rootdir) on a ManualClock, its timeline run to the end unless
  `scenario_run=False`. `@pytest.mark.mockexchange(state="state.db")` keeps the mock's state in that file (relative
  to the rootdir; docs/persistence.md): the next test marked with the same file starts from it (a scenario is loaded
  only into a new file).
  `@pytest.mark.mockexchange(faults=[{"path": "/trade-api/v2/portfolio/positions", "status": 503, "times": 2}])` adds
  those fault rules (each a dict of `add_fault`'s arguments; docs/misbehaving.md) once the server runs (and after the
  scenario is loaded), so the test's client meets them from its first request.
  With `--mockexchange-strict-requests` (or the ini option `mockexchange_strict_requests = true`, or
  `@pytest.mark.mockexchange(strict_requests=True)`; the marker wins), the fixture's teardown fails the test when the
  request journal holds a request the schema does not allow (Deribit: a request the venue refused as malformed, of
  an unknown method, with bad params or credentials), naming each request and each rule it breaks.
  In the generated-responses mode (`@pytest.mark.mockexchange(generated_responses=SEED)`, or per request with the
  `X-Mockexchange-Generate` header) a failing test's report gets a section with the seed and the answers served.
- `mockexchange_scenario`: the marked scenario's load result: its status and `keys` (each generated key's
  `private_key_pem` and `private_key_path`).
- `kalshi_user`: an account with a balance and an RSA key on that mock; `.client` is an httpx client whose requests are
  signed, `.pem_path` a file holding the private key for clients that want a path.
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from mockexchange.server import MockServer
    from mockexchange.testing.signing import KalshiSigner

# Every pytest run of a project that installed mockexchange imports this module, fixtures used or not: the server,
# the signer and httpx (uvicorn, Starlette, cryptography) are imported by the fixtures that use them; the contract kit
# never (tests/test_wheel_install.py holds a plain install's pytest to that).


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockexchange")
    group.addoption("--mockexchange-profile", default=None, help="Kalshi wire profile of the `mockexchange` fixture")
    group.addoption(
        "--mockexchange-strict-requests",
        action="store_true",
        default=None,
        help="fail a test whose client sent the `mockexchange` fixture a request the schema does not allow",
    )
    parser.addini("mockexchange_strict_requests", type="bool", default=False, help="as --mockexchange-strict-requests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockexchange(scenario=None, scenario_run=True, strict_requests=False, faults=None, **settings): settings of "
        "the `mockexchange` fixture's server, a scenario file to load into it, whether a request the schema does not "
        "allow fails the test, and fault rules to add (dicts of add_fault's arguments)",
    )


_SCENARIO = pytest.StashKey[dict]()


@dataclass
class KalshiUser:
    user_id: str
    key_id: str
    private_key_pem: str
    pem_path: Path
    signer: KalshiSigner
    client: httpx.Client


@pytest.fixture
def mockexchange(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    settings: dict = {}
    option = request.config.getoption("--mockexchange-profile")
    if option:
        settings["profile"] = option
    for marker in reversed(list(request.node.iter_markers("mockexchange"))):
        settings.update(marker.kwargs)
    scenario_path = settings.pop("scenario", None)
    run = settings.pop("scenario_run", True)
    strict = settings.pop("strict_requests", None)
    faults = _fault_rules(settings.pop("faults", None))
    if isinstance(settings.get("state"), str | Path):  # a state file, like a scenario, is found from the rootdir
        settings["state"] = str(request.config.rootpath / settings["state"])
    if strict is None:
        strict = request.config.getoption("--mockexchange-strict-requests") or request.config.getini(
            "mockexchange_strict_requests"
        )
    from mockexchange.server import MockServer

    scenario = None
    if scenario_path is not None:
        from mockexchange.core.clock import ManualClock
        from mockexchange.registry import GRAMMAR
        from mockexchange.scenario.schema import load_file

        path = Path(scenario_path)
        in_root = request.config.rootpath / path
        scenario = load_file(in_root if not path.is_absolute() and in_root.exists() else path, grammar=GRAMMAR)
        if "profile" not in settings and scenario.profile is not None:
            settings["profile"] = scenario.profile
        if "clock" in settings:  # the scenario's times are read against its own start
            pytest.fail(
                "mockexchange marker: a scenario runs on its own clock (its settings.start): give scenario or clock"
            )
        settings["clock"] = ManualClock(scenario.start)
    with MockServer(**settings) as server:
        restored = server.app.persistence is not None and not server.app.persistence.created
        if scenario is not None and restored:  # the state file holds what the scenario made (and what came after)
            request.node.stash[_SCENARIO] = {**server.scenario_status(), "keys": [], "deribit_keys": []}
        elif scenario is not None:
            key_dir = request.getfixturevalue("tmp_path") / "mockexchange-keys"
            request.node.stash[_SCENARIO] = server.app.scenarios.load(scenario, run=run, key_dir=key_dir)
        for rule in faults:
            server.add_fault(**rule)
        yield server
    # After the server stopped: every request it received is in the journal.
    if strict:
        _fail_on_invalid_requests(server)


def _fault_rules(faults: object) -> list[dict]:
    """The marker's `faults`: a list of dicts (a single dict is one rule); each is checked by `add_fault`."""
    if faults is None:
        return []
    rules = [faults] if isinstance(faults, dict) else faults
    if not isinstance(rules, list | tuple) or not all(isinstance(rule, dict) for rule in rules):
        pytest.fail(f"mockexchange marker: faults must be a list of dicts of add_fault's arguments, not {faults!r}")
    return list(rules)


def _fail_on_invalid_requests(server: MockServer) -> None:
    invalid = server.app.journal.entries(invalid=True)
    if not invalid:
        return
    # A venue with a journal judge (its registration's: Kalshi's) has its requests judged by its schema slices; one
    # without (Deribit) by what its routes refused too.
    judges = server.app.journal.judges
    judge = "the schema" if all(e.venue in judges for e in invalid) else "the schema or the venue"
    lines = [f"mockexchange: the client sent {len(invalid)} request(s) {judge} does not allow:"]
    for entry in invalid:
        lines.append(f"  {entry.describe()}")
        lines += [f"    {p['rule']}: {p['detail']}" for p in entry.problems or []]
    pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture
def mockexchange_scenario(mockexchange: MockServer, request: pytest.FixtureRequest) -> dict:
    result = request.node.stash.get(_SCENARIO, None)
    if result is None:
        pytest.fail('mockexchange_scenario needs @pytest.mark.mockexchange(scenario="path/to/scenario.yaml")')
    return result


@pytest.fixture
def kalshi_user(mockexchange: MockServer, tmp_path: Path) -> Iterator[KalshiUser]:
    import httpx

    from mockexchange.testing.signing import KalshiAuth, KalshiSigner

    user_id = "user-1"
    mockexchange.create_account(user_id, balance_cents=1_000_000)
    key = mockexchange.create_key(user_id)
    pem_path = tmp_path / "kalshi-key.pem"
    pem_path.write_text(key["private_key_pem"])
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(base_url=mockexchange.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
        yield KalshiUser(user_id, key["key_id"], key["private_key_pem"], pem_path, signer, client)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # A generated answer that broke the test is only reproducible with its seed: print it with the failure.
    report = yield
    server = getattr(item, "funcargs", {}).get("mockexchange")
    served = sys.modules.get("mockexchange.server.mock_server")  # not imported: no MockServer ran in this process
    if report.failed and served is not None and isinstance(server, served.MockServer):
        note = server.app.generated.failure_note()
        if note:
            report.sections.append(("mockexchange generated responses", note))
    return report
