"""`mockexchange proxy --upstream URL [--deribit-upstream URL] [--port N] [--record FILE]`: a proxy between a client
and the real venues that judges and journals what passes, and records it to a tape (docs/proxy.md)."""

from __future__ import annotations

import argparse
import sys

from mockexchange.cli.arguments import port, positive_float
from mockexchange.proxy import DEFAULT_TIMEOUT_S

DEFAULT_PORT = 8080


def add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "proxy",
        help="forward a client's traffic to Kalshi or Deribit, judged against the schemas and recorded",
        description="Forward REST and websocket traffic to the real venue unchanged (a signed request still verifies "
        "there), judge every request, response and frame against the published schemas (GET /_admin/requests "
        "lists them), and with --record write a tape that `serve --replay` answers from. Point the client at "
        "http://HOST:PORT in place of the venue's scheme, host and port; paths stay as they are.",
    )
    p.add_argument(
        "--upstream", metavar="URL",
        help="Kalshi's base URL, REST and websocket, e.g. https://demo-api.kalshi.co/trade-api/v2",
    )  # fmt: skip
    p.add_argument(
        "--deribit-upstream", metavar="URL",
        help="Deribit's base URL, JSON-RPC over HTTP and websocket, e.g. https://test.deribit.com",
    )  # fmt: skip
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: %(default)s)")
    p.add_argument("--port", type=port, default=DEFAULT_PORT, help="0: any free port (default: %(default)s)")
    p.add_argument("--record", metavar="FILE", help="write every exchange to this tape (JSON Lines; default: none)")
    p.add_argument(
        "--timeout", type=positive_float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
        help="an upstream not connected or not answering within this is a 502 (default: %(default)g)",
    )  # fmt: skip
    p.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(func=proxy)


def proxy(args: argparse.Namespace) -> int:
    # The proxy's app and server (httpx, Starlette, uvicorn, the schemas) are this command's imports, not the parser's.
    from mockexchange.proxy.app import ProxyApp
    from mockexchange.proxy.runner import serve_forever
    from mockexchange.server.addresses import bound_port, http_url, listening_socket

    if not (args.upstream or args.deribit_upstream):
        print(
            "mockexchange proxy: a proxy needs an upstream: Kalshi's (--upstream), Deribit's (--deribit-upstream), "
            "or both",
            file=sys.stderr,
        )
        return 2
    try:
        app = ProxyApp(
            {"kalshi": args.upstream, "deribit": args.deribit_upstream}, record=args.record, timeout_s=args.timeout
        )
    except (ValueError, OSError) as exc:
        print(f"mockexchange proxy: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        app.close()
        print(f"mockexchange proxy: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    here = http_url(args.host, bound_port(sock))
    lines = [f"mockexchange proxy on {here}"]
    lines += [f"  {venue}: {here} -> {upstream.origin}" for venue, upstream in app.upstreams.items()]
    lines.append(f"  journal: GET {here}/_admin/requests")
    if app.tape is not None:
        lines.append(f"  recording to {app.tape.path}")
    print("\n".join(lines), flush=True)
    serve_forever(app, sock, log_level=args.log_level, on_ready=lambda: print("mockexchange proxy: ready", flush=True))
    return 0
