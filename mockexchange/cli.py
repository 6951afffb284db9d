"""`mockexchange serve | keys ...`: the command line."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

from mockexchange.auth.keys import generate_private_key, private_key_pem
from mockexchange.control import Control
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
    from mockexchange.scenario.generator import generate
    from mockexchange.server import uvicorn_config

    started = time.monotonic()
    settings = Settings(
        host=args.host,
        port=args.port,
        profile=args.profile,
        timestamp_past_s=args.timestamp_window,
        timestamp_future_s=args.timestamp_window,
        admin_open=args.admin_open,
    )
    mock = build_app(settings, seed=args.seed)
    portfolio = generate(mock.control, args.seed)
    key_dir = Path(args.key_dir)
    ids = uuid.UUID(int=args.seed, version=4)
    demo_key = _demo_key(mock.control, portfolio.users[0], key_dir / "demo-key.pem", str(ids))
    fcm_key = _demo_key(
        mock.control, portfolio.fcm_member, key_dir / "fcm-key.pem", str(uuid.UUID(int=args.seed + 1, version=4))
    )
    url = f"http://{args.host}:{args.port}/trade-api/v2"
    pem = (key_dir / "demo-key.pem").resolve()
    print(f"mockexchange: Kalshi API {url} (profile {args.profile}, seed {args.seed})")
    print(f"  user {portfolio.users[0]!r}: key id {demo_key}, private key {pem}")
    print(f"  FCM member {portfolio.fcm_member!r}: key id {fcm_key}, private key {(key_dir / 'fcm-key.pem').resolve()}")
    print(f"    subtraders: {', '.join(portfolio.subtraders)}")
    print(
        f"  {len(portfolio.users) + 1 + len(portfolio.subtraders)} accounts, "
        f"{len(portfolio.markets)} markets, {portfolio.fills} fills"
    )
    print(f"  admin API: http://{args.host}:{args.port}/_admin/...")
    print("\n" + SNIPPET.format(url=url, key_id=demo_key, pem=pem))
    server = uvicorn.Server(uvicorn_config(mock, host=args.host, port=args.port, log_level=args.log_level))
    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets)
        print(f"mockexchange: ready in {time.monotonic() - started:.2f}s", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockexchange", description="A faithful, stateful mock of exchange position APIs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the mock with a demo portfolio")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated demo portfolio")
    p.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE, help="Kalshi wire profile")
    p.add_argument("--key-dir", default=".mockexchange", help="where the demo private keys are written")
    p.add_argument(
        "--timestamp-window", type=float, default=30.0, help="accepted clock skew of signed requests, seconds"
    )
    p.add_argument("--admin-open", action="store_true", help="answer admin calls from any address, not only loopback")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
