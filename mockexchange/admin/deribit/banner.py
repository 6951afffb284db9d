"""Deribit's section of `mockexchange serve`'s banner (its registration's `banner`): its API and websocket, that it
trades, its keys, what is held, its channels and the SignalPlus gateway. `where` is cli/banner.py's `Advertised`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from mockexchange.admin.banners import counted
from mockexchange.control.registration import Banner
from mockexchange.scenario.deribit.demo_keys import KEY_FILE
from mockexchange.venues.deribit.channels import SERVED

TRADES = (
    "  trading: orders rest on the instruments' books and match (buy, sell, edit, cancel, close_position); "
    "order books, tickers"
)


def url(where: Any) -> str:
    return f"{where.base_url}/api/v2"


def websocket(where: Any) -> str:
    return f"{where.websocket_url}/ws/api/v2"


def section(where: Any, keys: Sequence[str], held: str) -> list[str]:
    """Deribit's lines: the API and its websocket, that it trades, the `keys`, what is `held`, the channels, the
    SignalPlus gateway."""
    return [
        f"mockexchange: Deribit API {url(where)} (websocket {websocket(where)})",
        TRADES,
        *keys,
        held,
        f"  websocket channels: {', '.join(SERVED)}",
        f"  SignalPlus gateway: POST {where.base_url}{where.signalplus_prefix} (the same credentials)",
    ]


def key_line(where: Any, key: Mapping[str, Any]) -> str:
    """A key's client id and secret, its subaccount, and the file keeping them, if one does."""
    bound = "" if key["subaccount_id"] is None else f" (subaccount {key['subaccount_id']})"
    kept = key.get("credentials_path")
    return f"  user {key['user_id']!r}{bound}: client id {key['client_id']}, client secret {key['client_secret']}" + (
        "" if kept is None else f", kept in {where.key_path(kept)}"
    )


def demo(where: Any, what: str, portfolio: Any, made: Mapping[str, Any]) -> list[str]:
    """The demo's: its first user's credentials (`made`: `create_deribit_key`'s answer, with the `credentials_path`
    keeping them) and what the portfolio holds."""
    held = (
        f"  {counted(len(portfolio.deribit_accounts), 'account')}, "
        f"{counted(portfolio.deribit_positions, 'position')} (BTC and ETH futures and options)"
    )
    return section(where, [key_line(where, made), *coinbase_lines(where, made.get("coinbase"))], held)


def coinbase_lines(where: Any, key: Mapping[str, Any] | None) -> list[str]:
    """The Coinbase dialect's paths and the demo's CDP key: its name and private key (PEM), as Coinbase's portal
    gives them, and the file keeping them."""
    if key is None:
        return []
    pem = [f"    {line}" for line in str(key["private_key"]).strip().splitlines()]
    return [
        f"  Coinbase gateway (docs/coinbase.md): {where.base_url}/coinbase/api/v2 "
        f"(websocket {where.websocket_url}/coinbase/ws/api/v2)",
        f"  user {key['user_id']!r}: Coinbase API key name {key['name']} ({', '.join(key['permissions'])}), "
        f"kept in {where.key_path(key['credentials_path'])}; private key:",
        *pem,
    ]


def scenario(where: Any, what: str, loaded: Mapping[str, Any], read: Any) -> list[str]:
    """A scenario's, if it holds a Deribit account: its keys (`loaded`: the load's answer) and what it made."""
    if not read.count("deribit_account"):
        return []
    held = (
        f"  {counted(read.count('deribit_account'), 'account')}, "
        f"{counted(read.count('deribit_subaccount'), 'subaccount')}, "
        f"{counted(read.count('deribit_position'), 'opening trade')}"
    )
    return section(where, [key_line(where, key) for key in loaded["deribit_keys"]], held)


def restored(where: Any, what: str, mock: Any, said: Sequence[str]) -> list[str]:
    """A mock restored from its state file: `said` (the file's own lines, if it is the first venue), its first keys,
    the file keeping the demo's, and what it holds."""
    assert mock.exchange is not None
    with mock.exchange.reading():
        accounts, trades = len(mock.exchange.accounts.all()), len(mock.exchange.state.trades)
    kept = where.key_dir / KEY_FILE
    keys = [key_line(where, asdict(credential)) for credential in mock.control.deribit_keys.all()[:5]]
    keys += [f"  credentials kept in {where.key_path(kept)}"] if kept.exists() else []
    return section(where, [*said, *keys], f"  {counted(accounts, 'account')}, {counted(trades, 'trade')}")


BANNER = Banner(url, websocket, demo, scenario, restored)
