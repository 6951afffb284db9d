"""`mockexchange serve`'s run: the mock it builds and serves once the command line is read (`serve.py` declares the
command, its options and their defaults, and imports this only when `serve` runs: the app, the server and the scenario
loader are no other command's imports).

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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mockexchange.admin.guard import allowed_host_names, exposure_warning
from mockexchange.app import MockApp, build_app
from mockexchange.cli import banner
from mockexchange.cli.progress import LoadProgress
from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.rate_budgets import OFF
from mockexchange.recording.records import TapeError
from mockexchange.registry import GRAMMAR, VENUES
from mockexchange.scenario.generator import generate
from mockexchange.scenario.key_files import KeyFileError
from mockexchange.scenario.model import Scenario
from mockexchange.scenario.schema import ScenarioError, load_file
from mockexchange.server import tls
from mockexchange.server.addresses import bound_port, http_url, listening_socket
from mockexchange.server.serving import serve_forever
from mockexchange.settings import DEFAULT_PROFILE, Settings
from mockexchange.state import StateError
from mockexchange.venues.kalshi.profiles import PROFILES


class UserMistake(Exception):
    """A mistake of the user's, or of their machine's: said on stderr, exit status 2."""


def serve(args: argparse.Namespace) -> int:
    if args.scenario is None and (args.speed is not None or args.step):
        args.parser.error("--speed and --step pace a scenario: give --scenario FILE")
    try:
        return _serve(args)
    except UserMistake as exc:
        print(f"mockexchange: {exc}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    started = time.monotonic()
    scenario = None if args.scenario is None else _read_scenario(args)
    key_dir = Path(args.key_dir)
    if scenario is None or GRAMMAR.writes_keys(scenario):
        _check_writable(key_dir)
    tls_files = _tls_files(args)
    sock = _listen(args.host, args.port)
    try:
        if args.port_file is not None:
            _write_port_file(Path(args.port_file), bound_port(sock))
        settings = _settings(args, scenario, bound_port(sock), tls_files)
        where = banner.Advertised(
            args.advertise_url or http_url(args.host, settings.port, tls=tls_files is not None),
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
    if tls_files is not None:
        trusted = f" (trust it: SSL_CERT_FILE={tls_files[0]}, curl --cacert)" if args.tls_self_signed else ""
        lines.append(f"TLS: https and wss with the certificate {tls_files[0]}{trusted}")
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


# The options named as the settings they set, which take them as given.
_AS_GIVEN = (
    "host admin_open admin_token kalshi_ended_orders kalshi_rfq_confirm_window_s kalshi_rfq_execution_delay_s "
    "deribit_history_size rest_lag_ms rate_limit_tier state "
    "state_journal state_recover journal_size journal_max_bytes generated_responses max_connections replay perps"
)


def _tls_files(args: argparse.Namespace) -> tuple[str, str] | None:
    """The certificate and key to serve TLS with (None: plain http and ws), checked before anything is printed."""
    if args.tls_self_signed is not None:
        if args.tls_cert is not None or args.tls_key is not None:
            args.parser.error("--tls-self-signed makes its own certificate: give it, or --tls-cert and --tls-key")
        try:
            cert, key = tls.self_signed(Path(args.tls_self_signed).resolve())  # (the banner names it whole)
        except (OSError, ValueError) as exc:
            raise UserMistake(f"the certificate cannot be made in {args.tls_self_signed}: {exc}") from None
        files = str(cert), str(key)
    elif args.tls_cert is None and args.tls_key is None:
        return None
    elif args.tls_cert is None or args.tls_key is None:
        args.parser.error("--tls-cert and --tls-key go together")
    else:
        files = args.tls_cert, args.tls_key
    try:
        tls.check_pair(*files)
    except ValueError as exc:
        raise UserMistake(f"TLS: {exc}") from None
    return files


def _settings(
    args: argparse.Namespace, scenario: Scenario | None, bound: int, tls_files: tuple[str, str] | None
) -> Settings:
    return Settings(
        **{name: getattr(args, name) for name in _AS_GIVEN.split()},
        port=bound,
        profile=args.profile or (scenario.profile if scenario and scenario.profile else DEFAULT_PROFILE),
        timestamp_past_s=args.timestamp_window,
        timestamp_future_s=args.timestamp_window,
        allowed_hosts=allowed_host_names(args.allowed_host),
        scenario_dirs=tuple(args.scenario_dir),
        key_dirs=(args.key_dir,),  # admin calls may write keys under the folder the user gave
        kalshi_reject_replays=args.reject_replays,
        kalshi_pss_salt=args.pss_salt,
        kalshi_key_policy=args.key_policy,
        state_synchronous=args.state_sync,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        keep_alive_timeout_s=args.keep_alive_timeout,
        ws_per_message_deflate=args.ws_deflate,
        tls_certfile=None if tls_files is None else tls_files[0],
        tls_keyfile=None if tls_files is None else tls_files[1],
    )


def _write_port_file(path: Path, bound: int) -> None:
    """The port in `path`, whole or not at all (a reader never sees half of it)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_text(f"{bound}\n")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserMistake(f"the port cannot be written to {path}: {exc.strerror or exc}") from None


def _remove_port_file(port_file: str | None) -> None:
    if port_file is not None:
        Path(port_file).unlink(missing_ok=True)


def _build(settings: Settings, **options: Any) -> MockApp:
    try:
        return build_app(settings, **options)
    except StateError as exc:
        raise UserMistake(str(exc)) from None
    except TapeError as exc:
        raise UserMistake(f"the tape cannot be replayed: {exc}") from None


def _restored(mock: MockApp, where: banner.Advertised, scenario: str | None) -> list[str] | None:
    """The banner of a mock whose state file held a state (nothing is loaded over it); None for a new file."""
    if mock.persistence is None or mock.persistence.created:
        return None
    return banner.restored(where, mock, scenario)


def _read_scenario(args: argparse.Namespace) -> Scenario:
    try:
        scenario = load_file(args.scenario, grammar=GRAMMAR)
    except ScenarioError as exc:
        problems = exc.errors
        raise UserMistake(
            f"the scenario cannot be loaded: {problems[0]}"
            if len(problems) == 1
            else "the scenario cannot be loaded:\n" + "\n".join(problems)
        ) from None
    if args.profile is None and scenario.profile is not None and scenario.profile not in PROFILES:
        raise UserMistake(f"{args.scenario}: settings.profile: unknown profile {scenario.profile!r}")
    return scenario


def _check_writable(key_dir: Path) -> None:
    """Refuse a key folder that cannot be made or written, before anything is printed; a file is written and removed
    to know (permission bits do not tell root, a read-only mount or a full disk)."""
    if key_dir.exists() and not key_dir.is_dir():
        raise UserMistake(f"the keys cannot be written to {key_dir}: it is a file, not a folder")
    try:
        key_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=key_dir):
            pass
    except OSError as exc:
        raise UserMistake(f"the keys cannot be written to {key_dir}: {exc.strerror or exc}") from None


def _listen(host: str, port: int) -> socket.socket:
    try:
        return listening_socket(host, port)
    except socket.gaierror as exc:
        raise UserMistake(f"cannot listen on {host}:{port}: the host does not resolve ({exc.strerror})") from None
    except OSError as exc:
        raise UserMistake(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


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
        makers = {venue.name: venue.demo_keys(keys) for venue in VENUES if venue.demo_keys is not None}
    portfolio = generate(mock.scenarios, args.seed, progress=LoadProgress("the demo portfolio"))
    with _demo_keys_refused(keys):
        made = {name: make(mock.control, portfolio, args.seed) for name, make in makers.items()}
    return mock, banner.demo(where, settings.profile, args.seed, portfolio, made), None


@contextlib.contextmanager
def _demo_keys_refused(keys: Path) -> Iterator[None]:
    """A demo key file that cannot be read, written or used: the serve command's one-line refusal."""
    try:
        yield
    except OSError as exc:
        raise UserMistake(f"the demo keys cannot be kept in {keys}: {exc}") from None
    except (ControlError, KeyFileError) as exc:
        raise UserMistake(f"the demo keys cannot be used: {exc}") from None


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
        raise UserMistake(f"the scenario failed: {exc}") from None
    except OSError as exc:
        raise UserMistake(f"the scenario's keys cannot be kept in {args.key_dir}: {exc}") from None
    if args.speed is not None:
        timeline = f"playing at speed {args.speed:g} once ready"
    elif args.step:
        timeline = "waiting for POST /_admin/scenario/step"
    else:
        timeline = "ran at load"
    shown = f"{name} from {args.scenario}" if scenario.name else name
    lines = banner.scenario(where, settings.profile, shown, loaded, scenario, timeline)
    if args.speed is None:
        return mock, lines, None

    def play() -> None:
        mock.scenarios.play_scenario(args.speed)

    return mock, lines, play
