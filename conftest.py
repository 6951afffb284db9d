"""How the suite's random tests draw their examples: the Hypothesis profiles, which schemathesis' pytest tests follow
too (docs/testing.md, "Random tests"). `HYPOTHESIS_PROFILE` (or `--hypothesis-profile`) picks one:

- `repeatable`, the default and CI's: derandomized. Every run of the same command draws the same examples, so a
  failure fails again when run again; it also prints the `@reproduce_failure(...)` line that replays it in one test.
- `long`, for a longer random run on your machine (`HYPOTHESIS_PROFILE=long scripts/test tests/hostile`): ten times
  each test's examples, drawn from a seed printed at the top of the run and again under a failure; the same command
  with `--hypothesis-seed=N` draws the same examples.

`--hypothesis-seed=N` under `repeatable` draws from that seed instead of derandomizing.

Hypothesis also draws constants it reads from the loaded modules of the package (not the tests'); every module is
imported here first, so that one test run alone draws what it draws in the whole suite. (A checkout under a directory
named `tests` or `test` reads none: there the draws differ from CI's; `@reproduce_failure` replays a draw anywhere.)
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import pkgutil
import random
import re
from pathlib import Path
from typing import Any

import httpx._transports.default
import hypothesis.core
import pytest
from hypothesis import HealthCheck, is_hypothesis_test, settings
from hypothesis.vendor.pretty import RepresentationPrinter
from schemathesis.generation.hypothesis import builder  # noqa: F401  (its import swaps Hypothesis' printer, once)

from mockexchange.core import dataclass_code

# Until the tests are collected, a process makes what it keeps for the whole run (the package's and the tests' modules,
# their items) and few cycles worth collecting: the cyclic collector waits, as `serve`'s does while it loads, until
# `pytest_collection_finish` collects once, freezes what was made and turns it on. Its passes were 1.5 s of the 5.2 s
# of CPU a worker spends collecting.
gc.disable()
dataclass_code.install()  # as the mock's own processes do (mockexchange/core/dataclass_code.py), before the imports

import mockexchange  # noqa: E402
import mockexchange.control.kalshi.keys  # noqa: E402
import mockexchange.testing.signing  # noqa: E402
from mockexchange.auth.kalshi.keys import PrivateKey, generate_private_key, load_private_key  # noqa: E402

# Each test's CPU, measured in every test directory's tests (contracts/ too): tests/cpu_cost.py. The schemathesis
# tests' coverage cases, made where the test runs rather than in every worker that collects it: tests/coverage_cases.py.
pytest_plugins = ["tests.cpu_cost", "tests.coverage_cases"]

# Hypothesis keeps the constants it read from each module's source in its storage folder, by default under the working
# directory: the schemathesis runs of the kit's checks, each in a temporary folder, would read the whole package's
# source again each (a second of CPU). The suite's processes and their children share the checkout's instead.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(__file__).resolve().parent / ".hypothesis"))

# Every module of the package, once: the pool of constants Hypothesis draws from is then the same whatever runs.
for _module in pkgutil.walk_packages(mockexchange.__path__, "mockexchange."):
    # hooks: the contract check's child reads its env
    if not _module.name.endswith(("__main__", "contract.kalshi.hooks")):
        importlib.import_module(_module.name)

# schemathesis swaps in a printer that prints nothing, for every Hypothesis test of the session: a failing test case
# then reads `n=,`. Hypothesis prints with it only a failure's example (and in verbose or observed runs), so its own
# printer costs nothing here.
hypothesis.core.RepresentationPrinter = RepresentationPrinter

# The suite's mocks make thousands of keys: a 2048-bit RSA pair costs 30 ms of CPU or more to draw. A new key of a
# test's mock is one of a few drawn once per process, in turn: real keys, each different from the last ones drawn.
KEY_POOL_SIZE = 16
_key_pool: dict[str, list[PrivateKey]] = {}
_key_turns: dict[str, int] = {}


def _pooled_key(key_type: str = "rsa") -> PrivateKey:
    pool, turn = _key_pool.setdefault(key_type, []), _key_turns.get(key_type, 0)
    if len(pool) < KEY_POOL_SIZE:
        pool.append(generate_private_key(key_type))  # type: ignore[arg-type]
    _key_turns[key_type] = turn + 1
    return pool[turn % KEY_POOL_SIZE]


# pytest may load this file again in one process (mutation testing runs the tests there once more): a patch found
# made by the first load is kept, not wrapped again.
def _patched(function: object) -> bool:
    return getattr(function, "__module__", None) == __name__


# (where a key command draws its pair: if that moves, this fails rather than the pool silently going unused)
if not _patched(mockexchange.control.kalshi.keys.generate_private_key):
    assert mockexchange.control.kalshi.keys.generate_private_key is generate_private_key
    mockexchange.control.kalshi.keys.generate_private_key = _pooled_key  # type: ignore[assignment]
# Loading an RSA key checks it (27 ms of CPU): the tests' signers load those few keys again and again.
mockexchange.testing.signing.load_private_key = functools.lru_cache(maxsize=4 * KEY_POOL_SIZE)(load_private_key)

# Every httpx client builds the default SSL context (the CA bundle read and parsed: 16 ms of CPU) though the suite
# speaks plain HTTP to 127.0.0.1: one context serves the clients that ask for the default (none changes it).
_create_ssl_context = httpx._transports.default.create_ssl_context
_default_ssl_context = _create_ssl_context()


def _ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
    if verify is True and cert is None and trust_env:
        return _default_ssl_context
    return _create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)


if not _patched(_create_ssl_context):
    httpx._transports.default.create_ssl_context = _ssl_context

LONG_FACTOR = 10  # the long profile runs each test's max_examples times this

settings.register_profile(
    "repeatable",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,  # two shared cores: a deadline only measures the machine's load
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    derandomize=False,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Loaded before any test module is imported: the settings objects they make inherit from it.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def _profile(config: pytest.Config) -> str:
    return config.getoption("hypothesis_profile", None) or os.environ.get("HYPOTHESIS_PROFILE", "repeatable")


_SEED_KEY = "mockexchange_hypothesis_seed"  # the seed an xdist worker takes from the controller


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Before Hypothesis' own plugin reads --hypothesis-seed: a long run gets one, to print; under xdist the
    # controller's, so that every worker draws from the printed one.
    if _profile(config) == "long" and config.getoption("hypothesis_seed", None) is None:
        given = getattr(config, "workerinput", {}).get(_SEED_KEY)
        config.option.hypothesis_seed = given or str(random.SystemRandom().randrange(2**64))
    seed = config.getoption("hypothesis_seed", None)
    if seed is not None:
        # schemathesis seeds its tests from its own seed: the same one, so that one number replays them too.
        from schemathesis.config import SchemathesisConfig

        SchemathesisConfig.shared_seed = int(seed)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput[_SEED_KEY] = node.config.getoption("hypothesis_seed", None)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # After every plugin's configure (Hypothesis' loads --hypothesis-profile), before any test module is imported: a
    # seed asked for is a seed used, which a derandomized profile would ignore.
    name = settings.get_current_profile_name()
    if session.config.getoption("hypothesis_seed", None) is not None and settings.default.derandomize:
        settings.register_profile(f"{name}, seeded", settings.default, derandomize=False)
        settings.load_profile(f"{name}, seeded")


def _again(config: pytest.Config) -> str:
    """How to draw the same examples again."""
    profile, seed = settings.get_current_profile_name(), config.getoption("hypothesis_seed", None)
    if settings.default.derandomize:
        return f"hypothesis profile {profile!r}, derandomized: the same command draws the same examples"
    if seed is None:
        return f"hypothesis profile {profile!r}, unseeded: its examples are not drawn again"
    return f"hypothesis profile {profile!r}, seed {seed}: the same command with --hypothesis-seed={seed}"


def pytest_report_header(config: pytest.Config) -> str:
    return _again(config)


# A test module whose every test is slow says so at its top: `pytestmark = pytest.mark.slow`, or a list holding it.
_ALL_SLOW = re.compile(r"^pytestmark = (\[[^\]\n]*)?pytest\.mark\.slow\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast subset (`-m "not slow"`) does not import a module whose every test is slow: its tests would be
    deselected after every worker had collected them, and collecting some costs seconds (schemathesis draws an
    operation's coverage cases when its test is collected)."""
    if (config.option.markexpr or "").strip() != "not slow" or collection_path.suffix != ".py":
        return None
    if collection_path.name.startswith("test_") and _ALL_SLOW.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long profile's examples: each Hypothesis test's own `max_examples` times `LONG_FACTOR` (a profile only sets
    what a test leaves unset). The settings a test runs with are on its function, where Hypothesis' pytest plugin
    changes them too (a state machine's TestCase keeps them on its class); schemathesis' tests, made per operation as
    they run, keep their number."""
    if _profile(config) != "long":
        return
    scaled: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        test = getattr(test, "__func__", test)
        if test is None or not is_hypothesis_test(test) or id(test) in scaled:
            continue
        scaled.add(id(test))  # a parametrized test's items share its function
        if hasattr(test, "_hypothesis_state_machine_class"):  # a state machine's TestCase: its settings are its class's
            item.cls.settings = settings(item.cls.settings, max_examples=item.cls.settings.max_examples * LONG_FACTOR)
            continue
        chosen = test._hypothesis_internal_use_settings
        test._hypothesis_internal_use_settings = settings(chosen, max_examples=chosen.max_examples * LONG_FACTOR)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # What the package's and the tests' imports made (150,000 objects a worker) lives for the whole run: frozen, the
    # collector's full passes walk only what the tests make since. The first generation collected every 10,000 net
    # allocations, not 700, as a serving process does (server/serving.py, every 20,000): a test's requests make
    # objects that die young, and a worker's collections cost a fifth less of its CPU (2.6 to 2.0 s in 11.6).
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    gc.enable()


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Any:
    """The collector on again after collecting, wherever it ended (xdist's controller collects nothing, a collection
    may fail)."""
    try:
        return (yield)
    finally:
        gc.enable()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if exitstatus == pytest.ExitCode.TESTS_FAILED:
        terminalreporter.write_line(_again(config))
