"""The Deribit part of a scenario made from a tape (scenario/from_tape.py; its registration's `setup.from_tape`): the
last `private/get_positions` reply per currency as opening trades at their average price (fee 0), the last
`private/get_account_summary` balance per currency as the account's balance (less what opening option trades pay or
take in premium, so the balance after them is the one observed), and trades (`private/get_user_trades_by_*`) dated
after those reads as `deribit_fill` steps. Reads over HTTP (GET or POST) and over the websocket (a client request and
the reply carrying its id) count alike; a request's `params` that are no object count as none. Amounts and times are
read through tape_values.py (a refusal names the record).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from mockexchange.auth import redact
from mockexchange.control.registration import TapeSeen
from mockexchange.recording.records import Record
from mockexchange.scenario.tape_values import dated_after, epoch_ms, number, plain

_TRADES = tuple(
    f"private/get_user_trades_by_{by}" for by in ("currency", "instrument", "currency_and_time", "instrument_and_time")
)


@dataclass(frozen=True, slots=True)
class Call:
    """One answered JSON-RPC call the tape saw."""

    method: str
    params: Mapping[str, Any]
    result: Any
    seq: int
    at: str


def calls(records: Iterable[Record]) -> Iterator[Call]:
    """Deribit's successful calls, over HTTP and the websocket, in tape order."""
    asked: dict[tuple[int, Any], tuple[str, Mapping[str, Any]]] = {}
    for record in records:
        if record.venue != "deribit":
            continue
        if record.kind == "http":
            found = _http_call(record)
            if found is not None:
                yield found
        elif record.kind == "ws_frame":
            message = (record.data or {}).get("json")
            if not isinstance(message, dict) or not isinstance(message.get("id"), int | str):
                continue
            key = (record.connection or 0, message["id"])
            if record.direction == "client" and isinstance(message.get("method"), str):
                asked[key] = (message["method"].lstrip("/"), _params(message))
            elif record.direction == "upstream" and key in asked and "result" in message:
                method, params = asked.pop(key)
                yield Call(method, params, message["result"], record.seq, record.at)


def _http_call(record: Record) -> Call | None:
    request, response = record.request or {}, record.response or {}
    reply = ((response.get("body") or {}).get("json")) if int(response.get("status", 0)) == 200 else None
    if not isinstance(reply, dict) or "result" not in reply:
        return None
    sent = (request.get("body") or {}).get("json")
    if isinstance(sent, dict) and isinstance(sent.get("method"), str):
        return Call(sent["method"].lstrip("/"), _params(sent), reply["result"], record.seq, record.at)
    path = str(request.get("path", ""))
    if "/api/v2/" not in path:
        return None
    params = dict(parse_qsl(str(request.get("query") or "")))
    return Call(path.split("/api/v2/", 1)[1], params, reply["result"], record.seq, record.at)


def _params(request: Mapping[str, Any]) -> Mapping[str, Any]:
    params = request.get("params")
    return params if isinstance(params, dict) else {}


def settlement_currency(instrument: str, read_as: str) -> str:
    """The currency a read was made in, else the instrument's (`BTC_USDC-PERPETUAL` settles in USDC)."""
    if read_as and read_as.lower() != "any":
        return read_as.upper()
    underlying = instrument.split("-", 1)[0]
    return underlying.split("_", 1)[1] if "_" in underlying else underlying


def index_name(instrument: str) -> str:
    underlying = instrument.split("-", 1)[0].lower()
    return underlying if "_" in underlying else f"{underlying}_usd"


@dataclass(slots=True)
class DeribitSeen:
    """The last positions and balance read per currency, the trades read, and where each was read."""

    user_id: str
    notes: list[str]
    positions: dict[str, tuple[list[Mapping[str, Any]], int, str]] = field(default_factory=dict)
    balances: dict[str, tuple[Decimal, int, str]] = field(default_factory=dict)
    trades: dict[str, tuple[Mapping[str, Any], int]] = field(default_factory=dict)
    client_id: str | None = None

    def read(self, records: Iterable[Record]) -> DeribitSeen:
        for call in calls(records):
            if call.method == "public/auth" and _client_id(call.params.get("client_id")):
                self.client_id = self.client_id or call.params["client_id"]
            elif call.method == "private/get_positions" and isinstance(call.result, list):
                currency = str(call.params.get("currency") or "any")
                self.positions[currency] = ([r for r in call.result if isinstance(r, dict)], call.seq, call.at)
            elif call.method == "private/get_account_summary" and isinstance(call.result, dict):
                self._balance(call)
            elif call.method in _TRADES and isinstance(call.result, dict):
                trades = call.result.get("trades")
                for trade in trades if isinstance(trades, list) else []:
                    if isinstance(trade, dict) and trade.get("trade_id") is not None:
                        self.trades[str(trade["trade_id"])] = (trade, call.seq)
        return self

    def _balance(self, call: Call) -> None:
        currency = str(call.result.get("currency") or call.params.get("currency") or "").upper()
        if not currency or call.result.get("balance") is None:
            return
        balance = number(call.result["balance"], "balance", call.seq)
        if currency in self.balances and self.balances[currency][0] != balance:
            seen = self.balances[currency]
            self.notes.append(
                f"deribit balance: {currency} {plain(seen[0])} at record {seen[1]}, {plain(balance)} at record "
                f"{call.seq}; the last is used"
            )
        self.balances[currency] = (balance, call.seq, call.at)

    def last_read_at(self) -> str:
        return max([at for *_, at in self.positions.values()] + [at for *_, at in self.balances.values()], default="")

    def section(self) -> dict[str, Any] | None:
        """The scenario's `deribit:` section, or None if the tape read no Deribit account."""
        if not self.positions and not self.balances:
            return None
        premium: dict[str, Decimal] = {}
        opening, indexes = [], {}
        for read_as, (rows, seq, _) in sorted(self.positions.items()):
            for row in rows:
                size, name = number(row.get("size") or 0, "size", seq), str(row.get("instrument_name"))
                if not size:
                    continue
                price = number(row.get("average_price") or 0, "average_price", seq)
                direction = "buy" if size > 0 else "sell"
                opening.append({"user_id": self.user_id, "instrument_name": name, "direction": direction,
                                "amount": plain(abs(size)), "price": plain(price)})  # fmt: skip
                if row.get("index_price") is not None:
                    indexes[index_name(name)] = plain(number(row["index_price"], "index_price", seq))
                if row.get("kind") == "option":  # the premium moves the balance; a future's trade does not
                    currency = settlement_currency(name, read_as)
                    premium[currency] = premium.get(currency, Decimal(0)) + size * price
        balances = {}
        for currency, (balance, seq, _) in sorted(self.balances.items()):
            before = balance + premium.get(currency, Decimal(0))
            if before < 0:
                self.notes.append(f"deribit balance: {currency} at record {seq} is below what the opening option "
                                  "trades take in; the account starts at 0")  # fmt: skip
            balances[currency] = plain(max(before, Decimal(0)))
        account = {"user_id": self.user_id, "balances": balances,
                   "keys": [{"client_id": self.client_id or f"{self.user_id}-client"}]}  # fmt: skip
        section: dict[str, Any] = {"index_prices": indexes} if indexes else {}
        section.update(accounts=[account], positions=opening)
        return section

    def later_fills(self, after: str) -> list[tuple[str, dict[str, Any]]]:
        """Trades dated after `after` as `deribit_fill` steps (time, step)."""
        steps = []
        for trade, seq in self.trades.values():
            if trade.get("timestamp") is None:
                continue
            when = epoch_ms(trade["timestamp"], "timestamp", seq)
            if dated_after(when, after):
                fill = {"user_id": self.user_id, "instrument_name": trade.get("instrument_name"),
                        "direction": trade.get("direction"),
                        "amount": plain(number(trade.get("amount") or 0, "amount", seq)),
                        "price": plain(number(trade.get("price") or 0, "price", seq))}  # fmt: skip
                if trade.get("fee") is not None:
                    fill["fee"] = plain(number(trade["fee"], "fee", seq))
                steps.append((when, {"deribit_fill": fill}))
        return steps


def read(records: Sequence[Record], user_id: str, notes: list[str]) -> TapeSeen:
    """What the tape's Deribit calls saw of the account, as `user_id`'s: its `deribit:` section, made (and its notes
    said) as the tape is read."""
    seen = DeribitSeen(user_id, notes).read(records)
    section = seen.section()
    opening: dict[str, Any] = {} if section is None else {"deribit": section}
    return TapeSeen(section is not None, seen.last_read_at(), lambda: (opening, []), seen.later_fills)


def _client_id(value: Any) -> bool:
    """Whether a recorded client id may name the scenario's key: not one the tape holds redacted, nor a secret or a
    token an older tape kept where the client id goes (the two swapped)."""
    return isinstance(value, str) and value != redact.REDACTED and not redact.holds("client_id", value)
