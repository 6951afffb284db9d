"""`mockexchange contract check-deribit --coinbase-key` against the Coinbase dialect over real HTTP and its websocket:
it authenticates with a CDP JWT and judges the replies against the dialect's slice (schema/deribit/coinbase.json);
clean against the mock, it FAILS against a dialect whose public/auth answers no scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from broken_server import capture, send_json, serving_through
from kit_commands import run_here, verdicts

from mockexchange.schema.deribit import coinbase as coinbase_slice
from mockexchange.server import MockServer

METHODS = ("public/auth", "public/get_instruments", "private/get_positions", "private/get_account_summary")


def key_file(server: MockServer, folder: Path) -> Path:
    server.create_deribit_account("alice", balances={"BTC": "10", "USDC": "50000"})
    server.deribit_fill("alice", "BTC_USDC-PERPETUAL", "buy", "0.5", "50000")
    key = server.create_coinbase_key("alice")
    path = folder / "cdp_api_key.json"
    path.write_text(json.dumps({"name": key["name"], "privateKey": key["private_key"]}))
    return path


def check(server: MockServer, key: Path, *extra: str) -> Any:
    methods = [arg for method in METHODS for arg in ("--method", method)]
    return run_here([
        "contract", "check-deribit", "--base-url", server.deribit_url + "/coinbase", "--coinbase-key", str(key),
        "--currency", "USDC", "--listen", "0.2", "--channel", "user.portfolio.USDC", *methods, *extra,
    ])  # fmt: skip


class NoScope:
    """The dialect with its HTTP public/auth answering no `scope` (the websocket's pass untouched)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/coinbase/api/v2"):
            return await self.app(scope, receive, send)
        status, _, body = await capture(self.app, scope, receive)
        reply = orjson.loads(body)
        result = reply.get("result")
        if isinstance(result, dict) and "token_type" in result:
            del result["scope"]
        await send_json(send, status, reply)


def test_the_dialect_passes_its_slice(tmp_path: Path) -> None:
    assert "private/withdraw" not in coinbase_slice.methods() and "private/buy" in coinbase_slice.methods()
    with MockServer() as server:
        done = check(server, key_file(server, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    found = verdicts(done.stdout)
    assert all(found[method].startswith("PASS") for method in METHODS), found


def test_a_dialect_answering_public_auth_without_scope_fails(tmp_path: Path) -> None:
    with serving_through(NoScope) as server:
        done = check(server, key_file(server, tmp_path), "--no-websocket")
    assert done.returncode == 1, done.stdout + done.stderr
    assert verdicts(done.stdout)["public/auth"].startswith("FAIL")
    assert 'http valid: result: "scope" is a required property' in done.stdout
