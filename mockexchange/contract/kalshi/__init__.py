"""The kit's Kalshi side. `contract slice` (slicing.py) derives the committed OpenAPI and AsyncAPI slices from
Kalshi's published specs, and `contract drift` (drift.py) says what a newer spec changes against them. `contract
check` (check.py) runs the schemathesis suite (suite.py; hooks.py signs in schemathesis' own process) against any
Kalshi-compatible server: a signed preflight first (preflight.py), what the exchange lists and the account holds
(discovery.py, orders.py), the kit's own verdicts on reads and writes (acceptance.py, refusals.py), schemathesis'
report and events read back (report.py, verdict.py). `contract check-websocket` (ws_check.py) judges the market data
and price channels' frames, and `contract fuzz-client` (fuzz_client.py) runs a client against the generated-responses
mode on the account of account.py, which the pytest suites read too."""

from __future__ import annotations

from types import ModuleType


def commands() -> tuple[ModuleType, ...]:
    """The Kalshi kit's subcommands, each a module with its `add_command`, in the order `contract --help` lists them.
    Imported when called (`contract` is parsed): they import httpx, the schemas and the mock."""
    from mockexchange.contract.kalshi import check, drift, fuzz_client, slicing, ws_check

    return (slicing, drift, check, ws_check, fuzz_client)
