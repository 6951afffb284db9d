"""`mockexchange serve`: one mock in the foreground, on the demo portfolio or a scenario, until interrupted.

This module declares the command: its options, their defaults and checks. What it runs is `serving.py`, imported
only when `serve` runs, so that building the command line (every command does) costs no app, server or scenario
imports.
"""

from __future__ import annotations

import argparse
import gc
import os
from collections.abc import Collection, Iterator

from mockexchange.auth.kalshi.keys import KEY_POLICIES, KEY_POLICY_STANDARD
from mockexchange.auth.kalshi.signature import PSS_SALT_ANY, PSS_SALT_RULES
from mockexchange.cli.arguments import base_url, non_negative_int, port, positive_float, positive_int
from mockexchange.core.rate_budgets import OFF, TIERS
from mockexchange.settings import (
    DEFAULT_HOST,
    DEFAULT_JOURNAL_MAX_BYTES,
    DEFAULT_PORT,
    DEFAULT_PROFILE,
    DEFAULT_SEED,
    MAX_REST_LAG_MS,
    SYNCHRONOUS,
    Settings,
)

ADVERTISE_URL_ENV = "MOCKEXCHANGE_ADVERTISE_URL"
ADVERTISE_KEY_DIR_ENV = "MOCKEXCHANGE_ADVERTISE_KEY_DIR"
ALLOWED_HOSTS_ENV = "MOCKEXCHANGE_ALLOWED_HOSTS"  # comma-separated, before the --allowed-host ones
ADMIN_TOKEN_ENV = "MOCKEXCHANGE_ADMIN_TOKEN"  # safer than --admin-token: a command line is visible to other users
PORT_FILE_ENV = "MOCKEXCHANGE_PORT_FILE"  # the Docker image's health check reads the port there
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the mock with a demo portfolio or a scenario",
        description="Serve the mock in the foreground: a demo portfolio, or a scenario file, until interrupted.",
    )
    _listening_options(p.add_argument_group("where it listens"))
    _content_options(p.add_argument_group("what it serves"))
    _key_options(p.add_argument_group("keys and signed requests"))
    _access_options(p.add_argument_group("the admin API"))
    _behaviour_options(p.add_argument_group("how the venues behave"))
    _state_options(p.add_argument_group("state and the request journal"))
    _connection_options(p.add_argument_group("connections"))
    _advertised_options(p.add_argument_group("what the banner prints"))
    p.set_defaults(func=serve, parser=p)


def _listening_options(p: argparse._ArgumentGroup) -> None:
    """--host, --port, --port-file, --log-level, the TLS options."""
    p.add_argument("--host", default=DEFAULT_HOST, help="the address to listen on (default: %(default)s)")
    p.add_argument("--port", type=port, default=DEFAULT_PORT, help="0: any free port (default: %(default)s)")
    port_file = os.environ.get(PORT_FILE_ENV) or None
    p.add_argument(
        "--port-file", default=port_file, metavar="FILE",
        help="write the port bound to FILE (its digits and a newline) before anything is loaded, and remove it on "
        f"exit: how a script or a health check finds a --port 0 mock (env {PORT_FILE_ENV}; default: "
        f"{port_file or 'none'})",
    )  # fmt: skip
    p.add_argument("--log-level", default="info", choices=LOG_LEVELS, help="uvicorn's log level (default: %(default)s)")
    p.add_argument(
        "--tls-cert", metavar="FILE",
        help="serve https and wss with this certificate (PEM; give --tls-key too; default: none, plain http and ws)",
    )  # fmt: skip
    p.add_argument(
        "--tls-key", metavar="FILE", help="the certificate's private key (PEM, not encrypted; default: none)"
    )
    p.add_argument(
        "--tls-self-signed", metavar="DIR",
        help="serve https and wss with DIR's cert.pem and key.pem, made there first if missing: a certificate of its "
        "own for localhost, 127.0.0.1 and ::1, which a client trusts by its file (SSL_CERT_FILE=DIR/cert.pem; "
        "default: none)",
    )  # fmt: skip


def _content_options(p: argparse._ArgumentGroup) -> None:
    """The demo's seed or a scenario, its pace, the Kalshi wire profile."""
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated demo portfolio (default: %(default)s)"
    )
    p.add_argument(
        "--profile",
        choices=ProfileNames(),
        default=None,
        help=f"Kalshi wire profile (default: the scenario's, else {DEFAULT_PROFILE})",
    )
    p.add_argument(
        "--scenario", metavar="FILE",
        help="serve this scenario file (docs/scenarios.md), or a shipped one by name, e.g. busy-market "
        "(default: the demo portfolio)",
    )  # fmt: skip
    p.add_argument(
        "--replay", metavar="TAPE",
        help="answer the venues' paths (REST, JSON-RPC, websockets) from this tape's recorded exchanges only, a "
        "request not on it 404 naming the nearest recorded one; the admin API stays the mock's, docs/replay.md "
        "(default: off)",
    )  # fmt: skip
    pace = p.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed", type=positive_float, metavar="X",
        help="play the scenario's timeline in real time scaled by X (default: run it all at load)",
    )  # fmt: skip
    pace.add_argument(
        "--step", action="store_true",
        help="run the timeline only on POST /_admin/scenario/step (default: off, run it all at load)",
    )  # fmt: skip


def _key_options(p: argparse._ArgumentGroup) -> None:
    """Where keys are kept; what a signed Kalshi request may be."""
    p.add_argument(
        "--key-dir", default=".mockexchange", metavar="DIR",
        help="where the private keys are written, and found again on a restart (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--timestamp-window", type=float, default=30.0, metavar="SECONDS",
        help="accepted clock skew of signed requests, each way (default: %(default)g)",
    )  # fmt: skip
    p.add_argument(
        "--reject-replays", action="store_true",
        help="refuse a signed Kalshi request whose signature was already used inside the timestamp window "
        "(default: off: accepted, as Kalshi is not known to refuse them)",
    )  # fmt: skip
    p.add_argument(
        "--pss-salt", choices=PSS_SALT_RULES, default=PSS_SALT_ANY,
        help="which RSA-PSS salt lengths a Kalshi signature may have: any (a length other than 32 is accepted and "
        "named in the X-Mockexchange-Auth header), or strict: only 32, the length Kalshi documents "
        "(default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--key-policy", choices=KEY_POLICIES, default=KEY_POLICY_STANDARD,
        help="which public keys a Kalshi key may be registered with: standard (RSA of 2,048 to 4,096 bits with "
        "exponent 65537, and Ed25519), or any RSA or Ed25519 key, however costly to verify (default: %(default)s)",
    )  # fmt: skip


def _access_options(p: argparse._ArgumentGroup) -> None:
    """Who may call the admin API (docs/admin-api.md#access-rules)."""
    p.add_argument(
        "--admin-open", action="store_true",
        help="answer admin calls from any address (default: off, loopback clients only)",
    )  # fmt: skip
    allowed_hosts = os.environ.get(ALLOWED_HOSTS_ENV, "")
    p.add_argument(
        "--allowed-host", action="append", default=[allowed_hosts] if allowed_hosts else [], metavar="NAME",
        help="a Host name the admin API answers besides loopback names, IP addresses and --host, e.g. a container's "
        "name; "
        f"* for any (repeatable; env {ALLOWED_HOSTS_ENV}, comma-separated; default: {allowed_hosts or 'none'})",
    )  # fmt: skip
    p.add_argument(
        "--admin-token", type=_token, default=os.environ.get(ADMIN_TOKEN_ENV) or None, metavar="TOKEN",
        help="require Authorization: Bearer TOKEN on every admin call but the health check (env "
        f"{ADMIN_TOKEN_ENV}, which other users cannot see; default: none)",
    )  # fmt: skip
    p.add_argument(
        "--scenario-dir", action="append", default=[], metavar="DIR",
        help="a folder whose scenario files POST /_admin/scenario may load, a relative path looked for in it "
        "(repeatable; default: none, the shipped scenarios by name only)",
    )  # fmt: skip


def _behaviour_options(p: argparse._ArgumentGroup) -> None:
    """Lag, rate limits and generated bodies."""
    p.add_argument(
        "--rest-lag-ms", type=_rest_lag_ms, default=0, metavar="MS",
        help="answer Kalshi's REST portfolio reads (positions, balance, fills, settlements) with the state of MS "
        "milliseconds ago on the exchange clock, as production lags fills by about a second; the websocket stays "
        f"immediate (0 to {MAX_REST_LAG_MS}; POST /_admin/rest_lag changes it; default: %(default)s, no lag)",
    )  # fmt: skip
    p.add_argument(
        "--kalshi-ended-orders", type=non_negative_int, default=Settings().kalshi_ended_orders, metavar="N",
        help="ended Kalshi orders each account keeps for its order reads; past N its oldest are forgotten (resting "
        "orders always stay; default: %(default)s); the same bound holds each user's closed RFQs, ended quotes, "
        "closed RFQ batches, ended batch quotes and ended block trade proposals",
    )  # fmt: skip
    for timer, words in (("confirm_window", "the time a maker has to confirm an accepted Kalshi RFQ quote"),
                         ("execution_delay", "the time from a quote's confirmation to its execution")):  # fmt: skip
        option = f"kalshi_rfq_{timer}_s"
        p.add_argument(
            "--" + option.replace("_", "-"), type=positive_float, default=getattr(Settings(), option), metavar="S",
            help=f"{words}, in seconds of the exchange clock (default: %(default)s)",
        )  # fmt: skip
    p.add_argument(
        "--deribit-history-size", type=positive_int, default=Settings().deribit_history_size, metavar="N",
        help="closed Deribit orders, trades, transaction log entries, deposits and withdrawals, and transfers each "
        "account keeps of each kind; past N its oldest are forgotten (open orders always stay; default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--rate-limit-tier", choices=(OFF, *TIERS), default=OFF, type=str.lower, metavar="TIER",
        help="apply the venues' per-user rate limits of this Kalshi tier: "
        f"{', '.join(TIERS)} (Kalshi's 429, Deribit's 10028; docs/rate-limits.md), or {OFF} (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--generated-responses", type=int, metavar="SEED",
        help="answer the REST reads with generated, parser-breaking bodies from this seed, docs/contract-kit.md "
        "(default: off, ledger data)",
    )  # fmt: skip


def _state_options(p: argparse._ArgumentGroup) -> None:
    """The state file and the request journal."""
    p.add_argument(
        "--state", metavar="FILE",
        help="keep the whole state in this SQLite file, and restore it from there on a restart; a new file is "
        "created, docs/persistence.md (default: none, nothing is written)",
    )  # fmt: skip
    p.add_argument(
        "--state-sync", choices=SYNCHRONOUS, default="normal",
        help="normal: what was acknowledged survives the process being killed; full: a power cut too, at an fsync "
        "per command (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--state-journal", action="store_true",
        help="keep the request journal in the state file too (default: off)",
    )  # fmt: skip
    p.add_argument(
        "--state-recover", action="store_true",
        help="a state file whose command log is damaged, or whose write-ahead log is lost, cut or damaged, starts "
        "from the last command that checks, dropping the rest and saying how many were lost; one whose sealing key "
        "(FILE-key) is lost starts without the Deribit keys whose secrets it sealed (default: off, such a file is "
        "refused)",
    )  # fmt: skip
    p.add_argument(
        "--journal-size", type=non_negative_int, default=10_000, metavar="N",
        help="requests the journal keeps for GET /_admin/requests, the newest; 0: off (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--journal-max-bytes", type=non_negative_int, default=DEFAULT_JOURNAL_MAX_BYTES, metavar="N",
        help="bytes the journal's entries may hold together; the oldest go beyond (default: %(default)s)",
    )  # fmt: skip


def _connection_options(p: argparse._ArgumentGroup) -> None:
    """The connection limits and websocket compression."""
    connections = Settings()
    p.add_argument(
        "--header-timeout", type=positive_float, default=connections.header_timeout_s, metavar="SECONDS",
        help="answer 408 and close a connection whose request head is not whole this long after it began "
        "(default: %(default)g)",
    )  # fmt: skip
    p.add_argument(
        "--body-timeout", type=positive_float, default=connections.body_timeout_s, metavar="SECONDS",
        help="answer 408 and close a connection whose request body is not whole this long after its head "
        "(default: %(default)g)",
    )  # fmt: skip
    p.add_argument(
        "--keep-alive-timeout", type=positive_float, default=connections.keep_alive_timeout_s, metavar="SECONDS",
        help="close a keep-alive connection idle this long between requests (default: %(default)g)",
    )  # fmt: skip
    p.add_argument(
        "--max-connections", type=positive_int, default=connections.max_connections, metavar="N",
        help="answer 503 and close connections beyond N open at once, websockets included (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--no-perps", dest="perps", action="store_false",
        help="do not serve Kalshi's perps (margin) exchange under /trade-api/v2/margin (default: served)",
    )  # fmt: skip
    p.add_argument(
        "--ws-deflate", action="store_true",
        help="negotiate permessage-deflate on both venues' websockets when a client offers it; whether Kalshi or "
        "Deribit do is not known, and on loopback it costs more CPU than it saves (default: off)",
    )  # fmt: skip


def _advertised_options(p: argparse._ArgumentGroup) -> None:
    """What the banner prints when clients see the mock elsewhere (a container)."""
    advertised_url = os.environ.get(ADVERTISE_URL_ENV)
    p.add_argument(
        "--advertise-url", type=base_url, default=advertised_url, metavar="URL",
        help="the base URL clients use, printed in the banner and snippet instead of http://HOST:PORT, e.g. "
        f"http://localhost:8000 when serving on 0.0.0.0 in a container (env {ADVERTISE_URL_ENV}; default: "
        f"{advertised_url or 'http://HOST:PORT, 127.0.0.1 for 0.0.0.0'})",
    )  # fmt: skip
    advertised_dir = os.environ.get(ADVERTISE_KEY_DIR_ENV)
    p.add_argument(
        "--advertise-key-dir", default=advertised_dir, metavar="DIR",
        help="the key folder as clients see it (a container's mounted volume), printed instead of the key paths "
        f"(env {ADVERTISE_KEY_DIR_ENV}; default: {advertised_dir or 'the --key-dir path itself'})",
    )  # fmt: skip


class ProfileNames(Collection[str]):
    """`--profile`'s choices: the names in the Kalshi wire profiles' table (venues/kalshi/profiles.py), sorted, read
    when a profile is given or the help shown: the table imports the venue's renderers and Starlette, which building
    the command line (every command does) should not."""

    def _names(self) -> list[str]:
        from mockexchange.venues.kalshi.profiles import PROFILES

        return sorted(PROFILES)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _rest_lag_ms(text: str) -> int:
    value = non_negative_int(text)
    if value > MAX_REST_LAG_MS:
        raise argparse.ArgumentTypeError(f"at most {MAX_REST_LAG_MS} ms (an hour), not {text!r}")
    return value


def _token(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty token would protect nothing")
    return text


def serve(args: argparse.Namespace) -> int:
    # Until it serves, the process makes what it keeps (the package's imports, the demo or a scenario, a state
    # restored) and no reference cycle worth collecting: the cyclic collector waits, as in a long command
    # (core/stepping.py). Its passes over the growing heap were 0.11 s of a start's CPU, 0.065 s with the one full
    # pass serving makes before it freezes what was made and collects from then on (server/serving.py's
    # `tune_collector`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from mockexchange.cli import serving

        return serving.serve(args)
    finally:
        if collecting:
            gc.enable()
