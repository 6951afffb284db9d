"""`mockexchange sign METHOD PATH`: the three headers that sign one Kalshi request, or a curl command carrying them, so
a client in any language (Go, Node, a shell script) can call the mock before it implements RSA-PSS.

What is signed is Kalshi's rule (`auth/kalshi/signature.py`, docs/kalshi.md): timestamp in ms + METHOD + the path
from the root as sent, without the query string. A query given with PATH goes into the curl command's URL only. A
body (`--data JSON` or `--data @FILE`) is not signed either: it rides in the curl command with its Content-Type.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mockexchange.auth.kalshi.signature import API_PREFIX
from mockexchange.cli.arguments import base_url
from mockexchange.core.bounded_json import parse_json

if TYPE_CHECKING:
    from mockexchange.testing.signing import KalshiSigner

_METHOD = re.compile(r"[A-Za-z]+")


def add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sign",
        help="print the KALSHI-ACCESS-* headers of one request, or a curl command",
        description="Print the three headers that sign one Kalshi request (one `Name: value` a line), or with --curl "
        "a curl command that sends it. The timestamp is now, so use them within the server's window (30 s).",
    )
    p.add_argument("method", metavar="METHOD", help="the HTTP method, e.g. GET")
    p.add_argument(
        "path", metavar="PATH",
        help=f"the path from the root, as Kalshi signs it: {API_PREFIX}/portfolio/positions (a query string is sent "
        "with --curl but never signed)",
    )  # fmt: skip
    p.add_argument("--key-id", required=True, help="the API key id (required)")
    p.add_argument(
        "--private-key", required=True, type=Path, metavar="PEM",
        help="the file holding the key's private key: RSA or Ed25519, PEM, unencrypted (required)",
    )  # fmt: skip
    p.add_argument(
        "--data", metavar="JSON",
        help="the request's JSON body, or @FILE to read it from a file: sent by the curl command with "
        "`Content-Type: application/json` (without --curl, that header is printed after the three); Kalshi signs no "
        "body (default: none)",
    )  # fmt: skip
    p.add_argument("--curl", action="store_true", help="print a curl command instead of the headers (default: off)")
    p.add_argument(
        "--base-url", type=base_url, default="http://127.0.0.1:8000", metavar="URL",
        help="the server the curl command calls, http(s)://HOST:PORT (default: %(default)s)",
    )  # fmt: skip
    p.set_defaults(func=sign)


def sign(args: argparse.Namespace) -> int:
    try:
        signer = _signer(args.key_id, args.private_key)
        method, path = _request(args.method, args.path)
        body = None if args.data is None else _body(args.data)
    except ValueError as exc:
        print(f"mockexchange sign: {exc}", file=sys.stderr)
        return 2
    if not path.startswith("/trade-api/"):
        print(f"mockexchange sign: note: Kalshi signs the full path, {API_PREFIX} included", file=sys.stderr)
    headers = signer.headers(method, path)  # signs the path without its query
    if body is not None:
        headers["Content-Type"] = "application/json"
    if not args.curl:
        print("\n".join(f"{name}: {value}" for name, value in headers.items()))
        return 0
    command = ["curl", "-sS", "-X", method, *(f for n, v in headers.items() for f in ("-H", f"{n}: {v}"))]
    if body is not None:
        command += ["--data-raw", body]  # raw: a body starting with @ is text, never a file for curl to read
    print(shlex.join([*command, f"{args.base_url}{path}"]))
    return 0


def _signer(key_id: str, pem_file: Path) -> KalshiSigner:
    from mockexchange.testing.signing import KalshiSigner  # (here: every other command starts without httpx)

    return KalshiSigner.from_pem_file(key_id, pem_file)


def _body(data: str) -> str:
    """The JSON text of `--data`: as given, or the file's that `@FILE` names (its surrounding blank space dropped)."""
    if data.startswith("@"):
        try:
            data = Path(data[1:]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"cannot read the --data file {data[1:]}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ValueError(f"the --data file {data[1:]} is not UTF-8 text") from None
    try:
        parse_json(data)  # as the venue reads it: within its depth
    except ValueError as exc:
        raise ValueError(f"--data is not JSON ({exc}): Kalshi's request bodies are JSON") from None
    return data


def _request(method: str, path: str) -> tuple[str, str]:
    if not _METHOD.fullmatch(method):
        raise ValueError(f"METHOD is an HTTP method such as GET, not {method!r}")
    path = path.split("#", 1)[0]
    if not path.startswith("/"):
        raise ValueError(f"PATH is the path from the root, like {API_PREFIX}/portfolio/positions, not {path!r}")
    return method.upper(), path
