"""`mockexchange contract check-deribit`: call a Deribit-compatible server's methods with valid and invalid params, over
HTTP (JSON-RPC at /api/v2) and the websocket (/ws/api/v2), and judge every reply and notification against the slice.

It authenticates with `public/auth` (client_credentials) on each transport; the client id is an option, the secret is
read from `$MOCKEXCHANGE_DERIBIT_CLIENT_SECRET` or a file (`--client-secret-file`), never from the command line. Each
method gets a valid call (its reply must be a result matching the slice) and, where one can be made, an invalid one
(its reply must be an error in Deribit's shape). A method answered `Method not found` on every call is reported as
`not served`, a verdict, not a failure. Then it subscribes to the user channels and the public ones (each family: the
book, the ticker, trades, candles, quotes, instrument states, index prices, options' marks, perpetuals, the platform's
state, announcements) and checks every notification that arrives within `--listen` seconds. Only reads are sent,
unless `--account-writes` asks for the account's writes too (`account.py`), and `--order-writes` the orders'
(`trading.py`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx
import orjson

from mockexchange.auth.deribit.coinbase_keys import sign_jwt
from mockexchange.contract.deribit import account, market, trading
from mockexchange.contract.deribit.writes import NOT_A_CURRENCY, NOT_AN_INSTRUMENT
from mockexchange.contract.verdicts import CallVerdict
from mockexchange.registry.deribit import KIT
from mockexchange.schema.deribit import coinbase as coinbase_slice
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.schema.specs import SpecError

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_REFUSED = 4
CLIENT_ID_ENV = "MOCKEXCHANGE_DERIBIT_CLIENT_ID"
CLIENT_SECRET_ENV = "MOCKEXCHANGE_DERIBIT_CLIENT_SECRET"
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
CHANNELS = (
    "user.portfolio.{currency}", "user.changes.any.any.raw", "user.orders.any.any.raw", "user.trades.any.any.raw",
    "book.{instrument}.100ms", "book.{instrument}.none.10.100ms", "ticker.{instrument}.100ms",
    "trades.{instrument}.100ms", "trades.any.{currency}.100ms", "chart.trades.{instrument}.1", "quote.{instrument}",
    "incremental_ticker.{instrument}", "instrument.state.any.{currency}", "deribit_price_index.{index}",
    "markprice.options.{index}", "perpetual.{instrument}.100ms", "platform_state", "announcements",
)  # fmt: skip


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "check-deribit",
        help="check a Deribit-compatible server against the Deribit JSON-RPC slice (reads, and writes if asked)",
        description="Call each sliced Deribit method over HTTP and the websocket and judge every reply.",
    )
    p.add_argument("--base-url", required=True, help="the server's root, e.g. https://test.deribit.com")
    p.add_argument("--client-id", help=f"the API key's client id (default ${CLIENT_ID_ENV})")
    p.add_argument(
        "--client-secret-file", type=Path, metavar="FILE",
        help=f"a file holding the client secret (default ${CLIENT_SECRET_ENV}; never on the command line)",
    )  # fmt: skip
    p.add_argument(
        "--coinbase-key", type=Path, metavar="FILE",
        help="check Coinbase's Deribit-powered API (docs/coinbase.md) with the CDP key in FILE (Coinbase's JSON: "
        '{"name", "privateKey"}): public/auth by a CDP JWT, replies judged against the Coinbase slice; --base-url '
        "is its root (the mock's: http://HOST:PORT/coinbase)",
    )  # fmt: skip
    p.add_argument("--method", action="append", metavar="NAME", help="check only these methods (repeatable)")
    p.add_argument("--currency", default="BTC", help="the currency the calls ask about (default BTC)")
    p.add_argument("--instrument", help="the instrument to ask about (default: the first listed)")
    p.add_argument("--no-websocket", action="store_true", help="HTTP only")
    p.add_argument(
        "--channel", action="append", metavar="CHANNEL",
        help=f"subscribe to these channels (repeatable; default {', '.join(CHANNELS)}; {{currency}} is --currency, "
        "{instrument} --instrument, {index} its price index)",
    )  # fmt: skip
    p.add_argument("--listen", type=float, default=2.0, metavar="SECONDS", help="how long to take notifications")
    account.add_arguments(p)
    trading.add_arguments(p)
    p.set_defaults(func=run)


class DeribitUnreachable(Exception):
    pass


class DeribitRefused(Exception):
    pass


Call = Callable[[str, dict[str, Any]], Any]
Grant = Callable[[], dict[str, Any]]  # public/auth's params, made afresh for each authentication
# The slice the replies are judged against: Deribit's, or the Coinbase dialect's (`--coinbase-key`); set by `run`.
_slice: Any = deribit_rpc


def run(args: argparse.Namespace) -> int:
    global _slice
    _slice = coinbase_slice if args.coinbase_key is not None else deribit_rpc
    try:
        grant = _coinbase_grant(args.coinbase_key) if args.coinbase_key is not None else _credentials(args)
        _slice.load()
        amount = _amount(args.amount)
    except (OSError, ValueError, SpecError) as exc:
        print(f"contract check-deribit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    known = _slice.methods()
    unknown = sorted(set(args.method or ()) - set(known))
    if unknown:
        listed = f"not in the slice: {', '.join(unknown)}; it has {', '.join(known)}"
        print(f"contract check-deribit: {listed}", file=sys.stderr)
        return EXIT_USAGE
    asked = [m for m in known if not args.method or m in args.method]
    root = args.base_url.rstrip("/")
    verdicts: dict[str, CallVerdict] = {m: CallVerdict() for m in asked}
    notifications: dict[str, CallVerdict] = {}
    try:
        with httpx.Client(timeout=TIMEOUT) as http:
            http_call = _http_caller(http, root)
            token = _authenticate(http_call, grant, verdicts, "http")
            http_call = _http_caller(http, root, token)
            context = {**_context(http_call, args), **_writes_context(args, amount)}
            _exercise("http", http_call, asked, context, verdicts)
        if not args.no_websocket:
            _websocket(root, grant, asked, context, verdicts, notifications, args)
    except DeribitUnreachable as exc:
        print(f"contract check-deribit: nothing answered at {root}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except DeribitRefused as exc:
        print(f"contract check-deribit: public/auth refused the credentials: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return _report(root, verdicts, notifications)


def _credentials(args: argparse.Namespace) -> Grant:
    client_id = args.client_id or os.environ.get(CLIENT_ID_ENV)
    if args.client_secret_file is not None:
        secret = args.client_secret_file.read_text(encoding="utf-8").strip()
    else:
        secret = os.environ.get(CLIENT_SECRET_ENV, "")
    if not client_id or not secret:
        raise ValueError(f"give --client-id (or ${CLIENT_ID_ENV}) and --client-secret-file (or ${CLIENT_SECRET_ENV})")
    return lambda: {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def _coinbase_grant(path: Path) -> Grant:
    """public/auth's coinbase_cdp grant: a new CDP JWT of the key in `path` (Coinbase's `{"name", "privateKey"}`)
    each time (a JWT is good for one authentication)."""
    kept = orjson.loads(path.read_bytes())
    if not isinstance(kept, dict) or not all(isinstance(kept.get(k), str) for k in ("name", "privateKey")):
        raise ValueError(f'{path} does not hold a Coinbase key ({{"name": ..., "privateKey": ...}})')
    name, private_key = kept["name"], kept["privateKey"]
    return lambda: {"grant_type": "coinbase_cdp", "token": sign_jwt(name, private_key, int(time.time()))}


_ids = itertools.count(1)


def _request(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}


def _http_caller(http: httpx.Client, root: str, token: str | None = None) -> Call:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(method: str, params: dict[str, Any]) -> Any:
        try:
            response = http.post(root + "/api/v2", content=orjson.dumps(_request(method, params)), headers=headers)
        except httpx.HTTPError as exc:
            raise DeribitUnreachable(f"{type(exc).__name__}: {exc}") from None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return {"(not JSON)": response.text[:200], "(status)": response.status_code}

    return call


def _authenticate(call: Call, grant: Grant, verdicts: dict[str, CallVerdict], transport: str) -> str:
    reply = call("public/auth", grant())
    _judge("public/auth", transport, "valid", reply, verdicts)
    result = reply.get("result") if isinstance(reply, dict) else None
    token = result.get("access_token") if isinstance(result, dict) else None
    if not isinstance(token, str):
        raise DeribitRefused(orjson.dumps(reply.get("error") if isinstance(reply, dict) else reply).decode()[:500])
    return token


def _amount(text: str) -> orjson.Fragment:
    """--amount as the JSON number the writes send, written as given (never through a float)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0:
        raise ValueError(f"--amount must be a positive number, not {text!r}")
    return orjson.Fragment(f"{value:f}".encode())


def _writes_context(args: argparse.Namespace, amount: orjson.Fragment) -> dict[str, Any]:
    return {
        "account_writes": args.account_writes, "amount": amount, "transfer_user": args.transfer_user,
        "withdrawal_address": args.withdrawal_address, "order_writes": args.order_writes,
    }  # fmt: skip


def _context(call: Call, args: argparse.Namespace) -> dict[str, Any]:
    """What the valid calls need: a currency, an instrument (and its row of `public/get_instruments`: its id and
    index), an order id and a time window."""
    reply = call("public/get_instruments", {"currency": args.currency})
    listed = reply.get("result") if isinstance(reply, dict) else None
    rows = [row for row in listed if isinstance(row, dict)] if isinstance(listed, list) else []
    instrument = args.instrument
    if instrument is None and rows:
        instrument = rows[0].get("instrument_name")
    row = next((r for r in rows if r.get("instrument_name") == instrument), {})  # its id and index, if listed
    order_id = None
    reply = call("private/get_open_orders_by_currency", {"currency": args.currency})
    orders = reply.get("result") if isinstance(reply, dict) else None
    if isinstance(orders, list) and orders and isinstance(orders[0], dict):
        order_id = orders[0].get("order_id")
    now_ms = _window_end(call, args)
    found = {
        "currency": args.currency, "instrument": instrument, "instrument_row": row, "order_id": order_id,
        "now_ms": now_ms,
    }  # fmt: skip
    return {**found, **trading.order_context(call, found)}


def _window_end(call: Call, args: argparse.Namespace) -> int:
    """The end of the `_and_time` calls' window: the later of the client's clock and the newest trade the server lists,
    which may be ahead of the client's clock (a mock serving a scenario set in the future trades on its own clock)."""
    latest = int(time.time() * 1000)
    reply = call("private/get_user_trades_by_currency", {"currency": args.currency})
    result = reply.get("result") if isinstance(reply, dict) else None
    trades = result.get("trades") if isinstance(result, dict) else None
    for trade in trades if isinstance(trades, list) else ():
        stamp = trade.get("timestamp") if isinstance(trade, dict) else None
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            latest = max(latest, stamp)
    return latest


def _cases(method: str, ctx: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """(kind, params) of each call: `valid` (None: no valid params known here) and `invalid`."""
    currency, instrument = ctx["currency"], ctx["instrument"]
    window = {"start_timestamp": 0, "end_timestamp": ctx["now_ms"]}
    by_instrument = {"instrument_name": instrument} if instrument else None
    table: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
        "public/test": ({}, {"expected_result": "exception"}),
        "public/get_time": ({}, None),
        "public/get_currencies": ({}, None),
        "public/get_instruments": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_positions": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_position": (by_instrument, {"instrument_name": NOT_AN_INSTRUMENT}),
        "private/get_account_summary": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_account_summaries": ({}, {"subaccount_id": "not-a-number"}),
        "private/get_user_trades_by_currency": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_user_trades_by_currency_and_time": (
            {"currency": currency, **window},
            {"currency": currency, "start_timestamp": "soon", "end_timestamp": 1},
        ),
        "private/get_user_trades_by_instrument": (by_instrument, {"instrument_name": NOT_AN_INSTRUMENT}),
        "private/get_user_trades_by_instrument_and_time": (
            {**by_instrument, **window} if by_instrument else None,
            {"instrument_name": NOT_AN_INSTRUMENT, **window},
        ),
        "private/get_deposits": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_withdrawals": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_transfers": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_settlement_history_by_currency": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_settlement_history_by_instrument": (by_instrument, {"instrument_name": NOT_AN_INSTRUMENT}),
        "private/get_open_orders_by_currency": ({"currency": currency}, {"currency": NOT_A_CURRENCY}),
        "private/get_open_orders_by_instrument": (by_instrument, {"instrument_name": NOT_AN_INSTRUMENT}),
        "private/get_order_state": ({"order_id": ctx["order_id"]} if ctx["order_id"] else None, {"order_id": 42}),
    }
    reads = account.read_cases(method, ctx) or trading.read_cases(method, ctx) or market.read_cases(method, ctx)
    if reads is not None:
        return reads
    valid, invalid = table.get(method, (None, None))
    cases: list[tuple[str, dict[str, Any] | None]] = [("valid", valid)]
    if invalid is not None:
        cases.append(("invalid", invalid))
    return cases


def _exercise(
    transport: str, call: Call, asked: list[str], ctx: dict[str, Any], verdicts: dict[str, CallVerdict]
) -> None:
    for method in asked:
        if method == "public/auth" or method in KIT.writes:
            continue  # judged on the authentication itself; the writes (the registration's) run below
        for kind, params in _cases(method, ctx):
            if params is None:
                why = "no valid params known (no instrument listed, or no open order to ask about)"
                verdicts[method].notes.append(f"{transport}: {why}")
                continue
            _judge(method, transport, kind, call(method, params), verdicts)
    account.exercise_writes(transport, call, asked, ctx, verdicts, _judge)
    trading.exercise_writes(transport, call, asked, ctx, verdicts, _judge)


def _judge(method: str, transport: str, kind: str, reply: Any, verdicts: dict[str, CallVerdict]) -> None:
    verdict = verdicts.setdefault(method, CallVerdict())
    verdict.calls += 1
    where = f"{transport} {kind}"
    error = reply.get("error") if isinstance(reply, dict) else None
    if isinstance(error, dict) and error.get("code") == deribit_rpc.METHOD_NOT_FOUND:
        verdict.not_found += 1
        return
    for found in _slice.reply_problems(method, reply):
        verdict.violations.append(f"{where}: {found}")
    if not isinstance(reply, dict):
        return
    if kind == "valid" and "error" in reply:
        shown = orjson.dumps(error).decode()[:300]
        verdict.violations.append(f"{where}: valid params were refused: error {shown}")
    if kind == "invalid" and "result" in reply:
        verdict.violations.append(f"{where}: invalid params were accepted (a result, not an error)")


def _websocket(
    root: str,
    grant: Grant,
    asked: list[str],
    ctx: dict[str, Any],
    verdicts: dict[str, CallVerdict],
    notifications: dict[str, CallVerdict],
    args: argparse.Namespace,
) -> None:
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    url = ("ws" + root[4:] if root.startswith("http") else root) + "/ws/api/v2"
    try:
        with connect(url, open_timeout=5, close_timeout=2, max_size=2**24) as ws:
            pending: list[Any] = []

            def call(method: str, params: dict[str, Any]) -> Any:
                request = _request(method, params)
                ws.send(orjson.dumps(request).decode())
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    frame = orjson.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
                    if isinstance(frame, dict) and frame.get("id") == request["id"]:
                        return frame
                    pending.append(frame)
                raise DeribitUnreachable(f"no websocket reply to {method} within 5 s")

            _authenticate(call, grant, verdicts, "ws")
            _exercise("ws", call, asked, ctx, verdicts)
            instrument = ctx["instrument"]
            channels = [
                c.format(currency=ctx["currency"], instrument=instrument, index=_index(ctx))
                for c in args.channel or CHANNELS
                if instrument is not None or "{instrument}" not in c
            ]
            call("private/subscribe", {"channels": channels})
            deadline = time.monotonic() + args.listen
            while True:
                for frame in pending:
                    _judge_notification(frame, notifications)
                pending.clear()
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    pending.append(orjson.loads(ws.recv(timeout=left)))
                except TimeoutError:
                    break
    except (OSError, WebSocketException, TimeoutError) as exc:
        raise DeribitUnreachable(f"websocket {url}: {type(exc).__name__}: {exc}") from None


def _index(ctx: dict[str, Any]) -> str:
    """The price index of the instrument asked about (its `public/get_instruments` row's), else the currency's USD."""
    index = ctx["instrument_row"].get("price_index")
    return index if isinstance(index, str) else f"{ctx['currency'].lower()}_usd"


def _judge_notification(frame: Any, notifications: dict[str, CallVerdict]) -> None:
    template, problems = deribit_rpc.notification_problems(frame)
    if template is None:
        return
    verdict = notifications.setdefault(template, CallVerdict())
    verdict.calls += 1
    channel = frame.get("params", {}).get("channel", "?") if isinstance(frame, dict) else "?"
    verdict.violations += [f"{channel}: {found}" for found in problems]


def _report(root: str, verdicts: dict[str, CallVerdict], notifications: dict[str, CallVerdict]) -> int:
    print(f"contract check-deribit: {root}")
    for method, verdict in verdicts.items():
        calls = f"{verdict.calls} call{'s' if verdict.calls != 1 else ''}"
        print(f"  {verdict.state:<10} {method} ({calls})")
        if verdict.state == "not served":
            print("             the server answered Method not found (-32601)")
        for line in _first(verdict.violations):
            print(f"             {line}")
        for note in verdict.notes:
            print(f"             note: {note}")
    for template in (c.template for c in deribit_rpc.channels()):
        heard = notifications.get(template)
        if heard is None:
            continue
        print(f"  {heard.state:<10} notification {template} ({heard.calls} received)")
        for line in _first(heard.violations):
            print(f"             {line}")
    if not notifications:
        print("  note       no notification arrived while listening (nothing happened on the account)")
    failed = [m for m, v in {**verdicts, **notifications}.items() if v.violations]
    served = sum(1 for v in verdicts.values() if v.state == "PASS")
    missing = sum(1 for v in verdicts.values() if v.state == "not served")
    if failed:
        print(f"contract check-deribit: violations in {', '.join(failed)} (exit {EXIT_VIOLATIONS})", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(f"contract check-deribit: {served} method(s) pass, {missing} not served. OK")
    return EXIT_OK


def _first(lines: list[str], shown: int = 20) -> list[str]:
    unique = sorted(set(lines))
    return unique[:shown] + ([f"... and {len(unique) - shown} more"] if len(unique) > shown else [])
