"""`mockexchange serve | contract ...`: the command line."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.contract.commands import add_contract_parser
from mockexchange.control import Control

if TYPE_CHECKING:
    from mockexchange.app import MockApp
from mockexchange.settings import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SEED, Settings
from mockexchange.venues.kalshi.profiles import DEFAULT_PROFILE, PROFILES

SNIPPET = """\
# pip install kalshi_python_sync==3.34.0   (Python >= 3.13)
from kalshi_python_sync import Configuration, KalshiClient
config = Configuration(host="{url}")
config.api_key_id = "{key_id}"
config.private_key_pem = open("{pem}").read()
print(KalshiClient(config).get_positions(limit=100))
"""


def _demo_key(control: Control, user_id: str, pem_path: Path, key_id: str, **binding) -> str:
    """Reuse the PEM at `pem_path` if there is one, so a restarted mock keeps working with the same client config."""
    if pem_path.exists():
        pem = pem_path.read_text()
    else:
        pem = private_key_pem(generate_private_key("rsa"))
        pem_path.parent.mkdir(parents=True, exist_ok=True)
        pem_path.write_text(pem)
        pem_path.chmod(0o600)
    control.create_key(user_id, public_key_pem=pem, key_id=key_id, **binding)
    return key_id


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mockexchange.app import build_app
    from mockexchange.server import uvicorn_config

    started = time.monotonic()
    scenario = None
    if args.scenario is not None:
        from mockexchange.scenario.schema import ScenarioError, load_file

        try:
            scenario = load_file(args.scenario)
        except ScenarioError as exc:
            print(f"mockexchange: the scenario cannot be loaded:\n{exc}", file=sys.stderr)
            return 2
        if args.profile is None and scenario.profile is not None and scenario.profile not in PROFILES:
            print(
                f"mockexchange: {args.scenario}: settings.profile: unknown profile {scenario.profile!r}",
                file=sys.stderr,
            )
            return 2
    profile = args.profile or (scenario.profile if scenario and scenario.profile else DEFAULT_PROFILE)
    settings = Settings(
        host=args.host,
        port=args.port,
        profile=profile,
        timestamp_past_s=args.timestamp_window,
        timestamp_future_s=args.timestamp_window,
        admin_open=args.admin_open,
        journal_size=args.journal_size,
        generated_responses=args.generated_responses,
    )
    url = f"http://{args.host}:{args.port}/trade-api/v2"
    if scenario is not None:
        mock, on_ready = _serve_scenario(args, settings, scenario, url)
        if mock is None:
            return 2
    else:
        mock = build_app(settings, seed=args.seed)
        _serve_demo(args, mock, url)
        on_ready = None
    server = uvicorn.Server(uvicorn_config(mock, host=args.host, port=args.port, log_level=args.log_level))
    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets)
        print(f"mockexchange: ready in {time.monotonic() - started:.2f}s", flush=True)
        if on_ready is not None:
            on_ready()

    server.startup = startup  # type: ignore[method-assign]
    server.run()
    return 0


def _serve_demo(args: argparse.Namespace, mock: MockApp, url: str) -> None:
    from mockexchange.scenario.generator import generate

    control = mock.control
    portfolio = generate(mock.scenarios, args.seed)
    key_dir = Path(args.key_dir)
    ids = uuid.UUID(int=args.seed, version=4)
    demo_key = _demo_key(control, portfolio.users[0], key_dir / "demo-key.pem", str(ids))
    fcm_key = _demo_key(
        control, portfolio.fcm_member, key_dir / "fcm-key.pem", str(uuid.UUID(int=args.seed + 1, version=4))
    )
    pem = (key_dir / "demo-key.pem").resolve()
    print(f"mockexchange: Kalshi API {url} (profile {args.profile or DEFAULT_PROFILE}, seed {args.seed})")
    print(f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {pem}")
    print(f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key {(key_dir / 'fcm-key.pem').resolve()}")
    print(f"    subtraders: {', '.join(portfolio.subtraders)}")
    print(
        f"  {len(portfolio.users) + 1 + len(portfolio.subtraders)} accounts, "
        f"{len(portfolio.markets)} markets, {portfolio.fills} fills"
    )
    print(f"  websocket: ws://{args.host}:{args.port}/trade-api/ws/v2 (channels market_positions, fill)")
    print(f"  admin API: http://{args.host}:{args.port}/_admin/...")
    print("\n" + SNIPPET.format(url=url, key_id=demo_key, pem=pem))


def _serve_scenario(args: argparse.Namespace, settings: Settings, scenario, url: str):
    """Load `scenario` on a ManualClock instead of the demo: run its timeline at once, play it at `--speed`, or leave
    it for `POST /_admin/scenario/step` (`--step`). Answers the app and what to do once the server is ready."""
    from mockexchange.app import build_app
    from mockexchange.control import ControlError
    from mockexchange.core.clock import ManualClock

    mock = build_app(settings, clock=ManualClock(scenario.start), seed=args.seed)
    paced = args.speed is not None or args.step
    try:
        loaded = mock.scenarios.load(scenario, reset=False, run=not paced, key_dir=args.key_dir)
    except ControlError as exc:
        print(f"mockexchange: the scenario failed:\n{exc}", file=sys.stderr)
        return None, None
    name = f"scenario {scenario.name!r} from {args.scenario}" if scenario.name else f"scenario {args.scenario}"
    print(f"mockexchange: Kalshi API {url} (profile {settings.profile}, {name})")
    for key in loaded["keys"]:
        where = f", private key {key['private_key_path']}" if "private_key_path" in key else " (public key given)"
        print(f"  user {key['user_id']!r}: key id {key['key_id']}{where}")
    if loaded["deribit_keys"]:
        base = f"http://{args.host}:{args.port}"
        print(f"mockexchange: Deribit API {base}/api/v2 (websocket ws://{args.host}:{args.port}/ws/api/v2)")
    for key in loaded["deribit_keys"]:
        bound = "" if key["subaccount_id"] is None else f" (subaccount {key['subaccount_id']})"
        print(f"  user {key['user_id']!r}{bound}: client id {key['client_id']}, client secret {key['client_secret']}")
    if args.speed is not None:
        timeline = f"playing at speed {args.speed:g} once ready"
    elif args.step:
        timeline = "waiting for POST /_admin/scenario/step"
    else:
        timeline = "ran at load"
    print(
        f"  {loaded['accounts']} accounts, {loaded['markets']} markets, {loaded['positions']} opening fills; "
        f"timeline: {loaded['steps_total']} steps, {timeline}"
    )
    print(f"  exchange time {loaded['exchange_time']} (manual clock: POST /_admin/clock)")
    print(f"  admin API: http://{args.host}:{args.port}/_admin/... (GET /_admin/scenario for the timeline)")
    if args.speed is None:
        return mock, None
    return mock, lambda: mock.scenarios.play_scenario(args.speed)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockexchange", description="A faithful, stateful mock of exchange position APIs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the mock with a demo portfolio")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated demo portfolio")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help=f"Kalshi wire profile (default: the scenario's, else {DEFAULT_PROFILE})",
    )
    p.add_argument("--key-dir", default=".mockexchange", help="where the demo private keys are written")
    p.add_argument(
        "--timestamp-window", type=float, default=30.0, help="accepted clock skew of signed requests, seconds"
    )
    p.add_argument("--admin-open", action="store_true", help="answer admin calls from any address, not only loopback")
    p.add_argument(
        "--journal-size", type=_non_negative_int, default=10_000, metavar="N",
        help="requests the journal keeps for GET /_admin/requests (the newest; 0 keeps none)",
    )  # fmt: skip
    p.add_argument(
        "--generated-responses", type=int, metavar="SEED",
        help="answer the REST reads with generated, parser-breaking bodies from this seed (docs/contract-kit.md)",
    )  # fmt: skip
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--scenario", metavar="FILE", help="serve this scenario file (docs/scenarios.md) instead of the demo"
    )
    pace = p.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed", type=_positive_float, metavar="X", help="play the scenario's timeline in real time scaled by X"
    )
    pace.add_argument("--step", action="store_true", help="run the timeline only on POST /_admin/scenario/step")
    p.set_defaults(func=serve)
    add_contract_parser(sub)
    return parser


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and args.scenario is None and (args.speed is not None or args.step):
        parser.error("--speed and --step pace a scenario: give --scenario FILE")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
