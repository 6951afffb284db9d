"""`mockexchange serve`: one mock in the foreground, on the demo portfolio or a scenario, until interrupted.

What a user can get wrong (the port, the key folder, the scenario) is found before the banner and refused in one line
on stderr (a scenario file with several problems: a line each), exit status 2, never a traceback. The listening socket
is bound first, so the banner prints the port actually bound (`--port 0`) and a busy port fails before a long load.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mockexchange.admin.guard import allowed_host_names, exposure_warning
from mockexchange.app import MockApp, build_app
from mockexchange.auth.kalshi.keys import (
    EXPECTED_PRIVATE_KEY,
    KEY_POLICIES,
    KEY_POLICY_STANDARD,
    PemError,
    generate_private_key,
    load_private_key,
    private_key_pem,
)
from mockexchange.auth.kalshi.signature import PSS_SALT_ANY, PSS_SALT_RULES
from mockexchange.cli import banner
from mockexchange.cli.arguments import base_url, non_negative_int, port, positive_float, positive_int
from mockexchange.cli.progress import LoadProgress
from mockexchange.control import Control, ControlError
from mockexchange.control.rest_lag import MAX_REST_LAG_MS
from mockexchange.core.clock import ManualClock
from mockexchange.core.rate_budgets import OFF, TIERS
from mockexchange.scenario.generator import generate
from mockexchange.scenario.key_files import KeyFileError, keep_deribit_key, kept_deribit_key, write_private
from mockexchange.scenario.model import Scenario
from mockexchange.scenario.schema import ScenarioError, load_file
from mockexchange.server import bound_port, http_url, listening_socket, serve_forever
from mockexchange.settings import DEFAULT_HOST, DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_PORT, DEFAULT_SEED, Settings
from mockexchange.state import StateError
from mockexchange.state.file import SYNCHRONOUS
from mockexchange.tape import TapeError
from mockexchange.venues.kalshi.profiles import DEFAULT_PROFILE, PROFILES

ADVERTISE_URL_ENV = "MOCKEXCHANGE_ADVERTISE_URL"
ADVERTISE_KEY_DIR_ENV = "MOCKEXCHANGE_ADVERTISE_KEY_DIR"
ALLOWED_HOSTS_ENV = "MOCKEXCHANGE_ALLOWED_HOSTS"  # comma-separated, before the --allowed-host ones
ADMIN_TOKEN_ENV = "MOCKEXCHANGE_ADMIN_TOKEN"  # safer than --admin-token: a command line is visible to other users
PORT_FILE_ENV = "MOCKEXCHANGE_PORT_FILE"  # the Docker image's health check reads the port there
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class Refused(Exception):
    """A mistake of the user's, or of their machine's: said on stderr, exit status 2."""


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
    """--host, --port, --port-file, --log-level."""
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


def _content_options(p: argparse._ArgumentGroup) -> None:
    """The demo's seed or a scenario, its pace, the Kalshi wire profile."""
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated demo portfolio (default: %(default)s)"
    )
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
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
        "orders always stay; default: %(default)s)",
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
        help="requests the journal keeps for GET /_admin/requests, the newest; 0 keeps none (default: %(default)s)",
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
    if args.scenario is None and (args.speed is not None or args.step):
        args.parser.error("--speed and --step pace a scenario: give --scenario FILE")
    try:
        return _serve(args)
    except Refused as exc:
        print(f"mockexchange: {exc}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    started = time.monotonic()
    scenario = None if args.scenario is None else _read_scenario(args)
    key_dir = Path(args.key_dir)
    if scenario is None or scenario.writes_keys:
        _check_writable(key_dir)
    sock = _listen(args.host, args.port)
    try:
        if args.port_file is not None:
            _write_port_file(Path(args.port_file), bound_port(sock))
        settings = _settings(args, scenario, bound_port(sock))
        where = banner.Advertised(
            args.advertise_url or http_url(args.host, settings.port),
            key_dir,
            args.advertise_key_dir,
            settings.signalplus_prefix,
        )
        if scenario is None:
            mock, lines, on_ready = _demo(args, settings, where)
        else:
            mock, lines, on_ready = _scenario(args, settings, scenario, where)
    except BaseException:
        sock.close()
        _remove_port_file(args.port_file)
        raise
    if (warning := exposure_warning(settings)) is not None:
        print(warning, file=sys.stderr, flush=True)
    if mock.replay is not None:  # the tape answers: the keys and snippet of what lies beneath it would mislead
        lines = banner.replay(where, mock.replay, _beneath(args, mock))
    if settings.rate_limit_tier != OFF and mock.replay is None:
        lines.append(f"Rate limits: Kalshi's {settings.rate_limit_tier} tier (GET /_admin/rate_limits: the buckets)")
    if settings.rest_lag_ms and mock.replay is None:
        lines.append(
            f"REST lag: Kalshi's portfolio reads answer as of {settings.rest_lag_ms} ms ago on the exchange clock "
            "(the websocket does not lag; POST /_admin/rest_lag changes it)"
        )
    print("\n".join(lines), flush=True)
    listening = _address(sock)

    def ready() -> None:
        print(f"mockexchange: ready in {time.monotonic() - started:.2f}s, listening on {listening}", flush=True)
        if on_ready is not None:
            on_ready()

    try:
        serve_forever(
            mock, sock, log_level=args.log_level, on_ready=ready, on_stop=lambda: _remove_port_file(args.port_file)
        )
    finally:
        mock.close()  # closed already unless uvicorn failed; a snapshot makes the next start quick
        _remove_port_file(args.port_file)
    return 0


def _beneath(args: argparse.Namespace, mock: MockApp) -> str:
    """What a replay's mock holds beneath the tape, in the banner's words."""
    if mock.persistence is not None and not mock.persistence.created:
        return f"the state restored from {mock.persistence.status()['path']}"
    return f"the demo portfolio (seed {args.seed})" if args.scenario is None else f"the scenario {args.scenario}"


def _settings(args: argparse.Namespace, scenario: Scenario | None, bound: int) -> Settings:
    return Settings(
        host=args.host,
        port=bound,
        profile=args.profile or (scenario.profile if scenario and scenario.profile else DEFAULT_PROFILE),
        timestamp_past_s=args.timestamp_window,
        timestamp_future_s=args.timestamp_window,
        admin_open=args.admin_open,
        allowed_hosts=allowed_host_names(args.allowed_host),
        admin_token=args.admin_token,
        scenario_dirs=tuple(args.scenario_dir),
        key_dirs=(args.key_dir,),  # admin calls may write keys under the folder the user gave
        kalshi_reject_replays=args.reject_replays,
        kalshi_pss_salt=args.pss_salt,
        kalshi_key_policy=args.key_policy,
        rest_lag_ms=args.rest_lag_ms,
        kalshi_ended_orders=args.kalshi_ended_orders,
        deribit_history_size=args.deribit_history_size,
        rate_limit_tier=args.rate_limit_tier,
        state=args.state,
        state_synchronous=args.state_sync,
        state_journal=args.state_journal,
        state_recover=args.state_recover,
        journal_size=args.journal_size,
        journal_max_bytes=args.journal_max_bytes,
        generated_responses=args.generated_responses,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        keep_alive_timeout_s=args.keep_alive_timeout,
        max_connections=args.max_connections,
        ws_per_message_deflate=args.ws_deflate,
        replay=args.replay,
    )


def _write_port_file(path: Path, bound: int) -> None:
    """The port in `path`, whole or not at all (a reader never sees half of it)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_text(f"{bound}\n")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Refused(f"the port cannot be written to {path}: {exc.strerror or exc}") from None


def _remove_port_file(port_file: str | None) -> None:
    if port_file is not None:
        Path(port_file).unlink(missing_ok=True)


def _build(settings: Settings, **options: Any) -> MockApp:
    try:
        return build_app(settings, **options)
    except StateError as exc:
        raise Refused(str(exc)) from None
    except TapeError as exc:
        raise Refused(f"the tape cannot be replayed: {exc}") from None


def _restored(mock: MockApp, where: banner.Advertised, scenario: str | None) -> list[str] | None:
    """The banner of a mock whose state file held a state (nothing is loaded over it); None for a new file."""
    if mock.persistence is None or mock.persistence.created:
        return None
    return banner.restored(where, mock, scenario)


def _read_scenario(args: argparse.Namespace) -> Scenario:
    try:
        scenario = load_file(args.scenario)
    except ScenarioError as exc:
        problems = exc.errors
        raise Refused(
            f"the scenario cannot be loaded: {problems[0]}"
            if len(problems) == 1
            else "the scenario cannot be loaded:\n" + "\n".join(problems)
        ) from None
    if args.profile is None and scenario.profile is not None and scenario.profile not in PROFILES:
        raise Refused(f"{args.scenario}: settings.profile: unknown profile {scenario.profile!r}")
    return scenario


def _check_writable(key_dir: Path) -> None:
    """Refuse a key folder that cannot be made or written, before anything is printed; a file is written and removed
    to know (permission bits do not tell root, a read-only mount or a full disk)."""
    if key_dir.exists() and not key_dir.is_dir():
        raise Refused(f"the keys cannot be written to {key_dir}: it is a file, not a folder")
    try:
        key_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=key_dir):
            pass
    except OSError as exc:
        raise Refused(f"the keys cannot be written to {key_dir}: {exc.strerror or exc}") from None


def _listen(host: str, port: int) -> socket.socket:
    try:
        return listening_socket(host, port)
    except socket.gaierror as exc:
        raise Refused(f"cannot listen on {host}:{port}: the host does not resolve ({exc.strerror})") from None
    except OSError as exc:
        raise Refused(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _address(sock: socket.socket) -> str:
    host, bound = sock.getsockname()[:2]
    return f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"


def _demo(
    args: argparse.Namespace, settings: Settings, where: banner.Advertised
) -> tuple[MockApp, list[str], Callable[[], None] | None]:
    mock = _build(settings, seed=args.seed)
    if (lines := _restored(mock, where, None)) is not None:
        return mock, lines, None
    keys = where.key_dir
    with _demo_keys_refused(keys):  # the kept key files are read first: a broken one is refused before the load
        pems = {name: _kept_pem(keys / name) for name in (banner.DEMO_PEM, banner.FCM_PEM)}
        deribit_args = kept_deribit_key({}, keys / banner.DERIBIT_KEY)
    portfolio = generate(mock.scenarios, args.seed, progress=LoadProgress("the demo portfolio"))
    demo_key, fcm_key = (str(uuid.UUID(int=args.seed + n, version=4)) for n in (0, 1))
    control = mock.control
    with _demo_keys_refused(keys):
        _demo_key(control, portfolio.users[0], keys / banner.DEMO_PEM, pems[banner.DEMO_PEM], demo_key)
        assert portfolio.fcm_member is not None
        _demo_key(control, portfolio.fcm_member, keys / banner.FCM_PEM, pems[banner.FCM_PEM], fcm_key)
        made = control.create_deribit_key(**deribit_args, user_id=portfolio.users[0])
        deribit = keep_deribit_key(made, keys / banner.DERIBIT_KEY)
    return mock, banner.demo(where, settings.profile, args.seed, portfolio, (demo_key, fcm_key), deribit), None


@contextlib.contextmanager
def _demo_keys_refused(keys: Path) -> Iterator[None]:
    """A demo key file that cannot be read, written or used: the serve command's one-line refusal."""
    try:
        yield
    except OSError as exc:
        raise Refused(f"the demo keys cannot be kept in {keys}: {exc}") from None
    except (ControlError, KeyFileError) as exc:
        raise Refused(f"the demo keys cannot be used: {exc}") from None


def _kept_pem(pem_path: Path) -> str | None:
    """The private key kept at `pem_path` (None: none is; a new one is made), so a restarted mock keeps working with
    the same client config."""
    if not pem_path.exists():
        return None
    pem = pem_path.read_text()
    try:
        load_private_key(pem)  # the file is the client's private key: say so when it is not one
    except PemError as exc:
        raise ControlError(
            f"{pem_path} is not {EXPECTED_PRIVATE_KEY} ({exc}); remove it to have a new one made"
        ) from None
    return pem


def _demo_key(control: Control, user_id: str, pem_path: Path, pem: str | None, key_id: str) -> None:
    """The demo user's key from the kept PEM, or from a new one written to `pem_path`."""
    if pem is None:
        pem = private_key_pem(generate_private_key("rsa"))
        write_private(pem_path, pem)
    try:
        control.create_key(user_id, public_key_pem=pem, key_id=key_id)
    except ControlError as exc:
        raise ControlError(f"{pem_path}: {exc}; remove it to have a new one made") from None


def _scenario(
    args: argparse.Namespace, settings: Settings, scenario: Scenario, where: banner.Advertised
) -> tuple[MockApp, list[str], Callable[[], None] | None]:
    """Load `scenario` on a ManualClock instead of the demo: run its timeline at once, play it at `--speed`, or leave
    it for `POST /_admin/scenario/step` (`--step`)."""
    mock = _build(settings, clock=ManualClock(scenario.start), seed=args.seed)
    if (lines := _restored(mock, where, args.scenario)) is not None:
        return mock, lines, None
    paced = args.speed is not None or args.step
    name = f"scenario {scenario.name!r}" if scenario.name else f"scenario {args.scenario}"
    try:
        loaded = mock.scenarios.load(
            scenario, reset=False, run=not paced, key_dir=args.key_dir, progress=LoadProgress(name)
        )
    except ControlError as exc:
        raise Refused(f"the scenario failed: {exc}") from None
    except OSError as exc:
        raise Refused(f"the scenario's keys cannot be kept in {args.key_dir}: {exc}") from None
    if args.speed is not None:
        timeline = f"playing at speed {args.speed:g} once ready"
    elif args.step:
        timeline = "waiting for POST /_admin/scenario/step"
    else:
        timeline = "ran at load"
    shown = f"{name} from {args.scenario}" if scenario.name else name
    lines = banner.scenario(where, settings.profile, shown, loaded, scenario, timeline)
    on_ready = None if args.speed is None else lambda: mock.scenarios.play_scenario(args.speed)
    return mock, lines, on_ready
