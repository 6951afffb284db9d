"""Kalshi's part of a scenario made from a tape (scenario/from_tape.py; its registration's `setup.from_tape`): the
last `GET /portfolio/positions` reply's open positions become opening fills at their observed cost (the row's
`market_exposure` split over its count, two fills a ten-thousandth apart where it does not divide) and fees, the last
`GET /portfolio/balance` a deposit making that balance once they are paid; fills (`/portfolio/fills`) and settlements
(`/portfolio/settlements`) dated after those reads become `fill` and `settle` steps in time order. A subaccount's reads
are left out (the scenario seeds the primary account); the first `KALSHI-ACCESS-KEY` the reads name is the account's
key. Amounts are read through tape_values.py (a refusal names the record): counts to the hundredth, dollars to the
micro-dollar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any
from urllib.parse import parse_qsl

from mockexchange.auth import redact
from mockexchange.control.registration import TapeSeen
from mockexchange.recording.records import Record
from mockexchange.scenario.tape_values import dated_after, moment, number, plain

_HUNDREDTHS, _PRICE, _MICROS = Decimal("0.01"), Decimal("0.0001"), Decimal("0.000001")
_COUNT_PLACES, _DOLLAR_PLACES, _CENT_PLACES = 2, 6, 4  # as the wire writes them (a cent field: 4 more places, none)


@dataclass(slots=True)
class _Seen:
    """The last of one kind of observation, and where it was made."""

    value: Any = None
    seq: int = 0
    at: str = ""


def _json(message: Mapping[str, Any] | None) -> Any:
    body = (message or {}).get("body") or {}
    return body.get("json")


def _reads(records: Iterable[Record]) -> Iterable[tuple[Record, str, dict[str, str], Any]]:
    """Kalshi's successful reads: (record, path, query, reply JSON)."""
    for record in records:
        if record.kind != "http" or record.venue != "kalshi":
            continue
        request, response = record.request or {}, record.response or {}
        if int(response.get("status", 0)) != 200 or str(request.get("method", "")).upper() not in ("GET", "POST"):
            continue
        query = dict(parse_qsl(str(request.get("query") or ""), keep_blank_values=True))
        yield record, str(request.get("path", "")), query, _json(response)


def _dollars(row: Mapping[str, Any], name: str, cents_name: str, seq: int) -> Decimal:
    """A `*_dollars` field, or its older cents spelling."""
    if row.get(name) is not None:
        return number(row[name], name, seq, _DOLLAR_PLACES)
    return number(row.get(cents_name) or 0, cents_name, seq, _CENT_PLACES) / 100


def _count(row: Mapping[str, Any], name: str, seq: int) -> Decimal:
    value = row.get(f"{name}_fp")
    if value is not None:
        return number(value, f"{name}_fp", seq, _COUNT_PLACES)
    return number(row.get(name) or 0, name, seq, _COUNT_PLACES)


class KalshiSeen:
    """The last positions and balance read, the fills and settlements read, the key the reads named, and where each
    was read."""

    def __init__(self, records: tuple[Record, ...], user_id: str, notes: list[str]) -> None:
        self.user_id, self.notes = user_id, notes
        self.positions: dict[str, tuple[Mapping[str, Any], int]] = {}
        self.positions_seen = _Seen()
        self.balance = _Seen()
        self.balance_dollars: Decimal | None = None  # the last balance read's, to the ten-thousandth
        self.fills: dict[str, tuple[Mapping[str, Any], int]] = {}
        self.settlements: dict[str, tuple[Mapping[str, Any], int]] = {}
        self.key_id: str | None = None
        for record, path, query, reply in _reads(records):
            if query.get("subaccount", "0") not in ("", "0") or not isinstance(reply, dict):
                continue  # a subaccount's reads: the scenario seeds the primary account only
            self.key_id = self.key_id or _header(record, "kalshi-access-key")
            if path.endswith("/portfolio/positions"):
                self._positions(record, query, reply)
            elif path.endswith("/portfolio/balance"):
                self._balance(record, reply)
            elif path.endswith("/portfolio/fills"):
                self._rows(self.fills, reply.get("fills"), "fill_id", record.seq, "fill")
            elif path.endswith("/portfolio/settlements"):
                self._rows(self.settlements, reply.get("settlements"), "ticker", record.seq, "settlement")

    def _positions(self, record: Record, query: Mapping[str, str], reply: Mapping[str, Any]) -> None:
        listed = reply.get("market_positions")
        rows: dict[str, tuple[Mapping[str, Any], int]] = {
            str(r.get("ticker")): (r, record.seq) for r in _listed(listed) if isinstance(r, dict)
        }
        whole = not any(query.get(name) for name in ("cursor", "ticker", "event_ticker"))
        before = self.positions
        if whole:
            for ticker in sorted(set(before) | set(rows)):
                old, new = before.get(ticker), rows.get(ticker)
                was = _count(old[0], "position", old[1]) if old else Decimal(0)
                now = _count(new[0], "position", new[1]) if new else Decimal(0)
                if old is not None and (new is None or was != now):
                    self.notes.append(
                        f"positions: {ticker} was {plain(was)} at record {old[1]} and {plain(now)} at record "
                        f"{record.seq}; the last is used"
                    )
            self.positions = rows
        else:
            self.positions = {**before, **rows}
        self.positions_seen = _Seen(None, record.seq, record.at)

    def _balance(self, record: Record, reply: Mapping[str, Any]) -> None:
        cents = reply.get("balance")
        if not isinstance(cents, int) or isinstance(cents, bool):
            return
        number(cents, "balance", record.seq, 0)  # (within the bound)
        if self.balance.value is not None and self.balance.value != cents:
            self.notes.append(
                f"balance: {self.balance.value} cents at record {self.balance.seq}, {cents} at record {record.seq}; "
                "the last is used"
            )
        self.balance = _Seen(cents, record.seq, record.at)
        dollars = reply.get("balance_dollars")
        self.balance_dollars = (
            number(dollars, "balance_dollars", record.seq, _DOLLAR_PLACES) if isinstance(dollars, str) else None
        )

    def _rows(self, into: dict[str, Any], rows: Any, key: str, seq: int, what: str) -> None:
        for row in _listed(rows):
            if not isinstance(row, dict) or row.get(key) is None:
                continue
            name = str(row[key])
            if name in into and into[name][0] != row:
                self.notes.append(
                    f"{what} {name}: read differently at records {into[name][1]} and {seq}; the last is used"
                )
            into[name] = (row, seq)

    def snapshot_at(self) -> str:
        return max(self.positions_seen.at, self.balance.at)

    def account(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The scenario's `users` (the account funded with what its opening fills cost, its key) and `positions`, and
        the steps making the observed balance (a deposit, and what is under a cent)."""
        positions, cost = self.opening()
        funded = int((cost * 100).to_integral_value(rounding=ROUND_CEILING))  # cents: the opening fills' cost
        funded += self.balance_dollars is not None  # and a cent more, for sub_cent to take back
        key = {"key_id": self.key_id or f"{self.user_id}-key"}
        sections = {
            "users": [{"user_id": self.user_id, "balance_cents": funded, "keys": [key]}],
            "positions": positions,
        }
        steps: list[dict[str, Any]] = []
        if self.balance.value:
            steps.append({"deposit": {"user_id": self.user_id, "amount_cents": self.balance.value}})
        return sections, steps + self.sub_cent(funded, cost)

    def opening(self) -> tuple[list[dict[str, Any]], Decimal]:
        """The opening fills that make the observed positions, and what they cost (dollars, fees included)."""
        fills: list[dict[str, Any]] = []
        cost = Decimal(0)
        for ticker, (row, seq) in sorted(self.positions.items()):
            made, paid = self._opening_fills(ticker, row, seq)
            fills += made
            cost += paid
        return fills, cost

    def _opening_fills(self, ticker: str, row: Mapping[str, Any], seq: int) -> tuple[list[dict[str, Any]], Decimal]:
        position = _count(row, "position", seq)
        if _dollars(row, "realized_pnl_dollars", "realized_pnl", seq):
            self.notes.append(f"positions: {ticker}'s realized P&L (record {seq}) is not reproduced: no fills close it")
        if not position:
            return [], Decimal(0)
        hundredths = int(abs(position) / _HUNDREDTHS)
        exposure = int(_dollars(row, "market_exposure_dollars", "market_exposure", seq) / _MICROS)
        fee = _dollars(row, "fees_paid_dollars", "fees_paid", seq)
        price, rest = divmod(exposure, hundredths)  # ten-thousandths of a dollar a contract, and micro-dollars left
        if price < 1 or price + (rest > 0) > 9999:
            self.notes.append(f"positions: {ticker} (record {seq}) costs {exposure} micro-dollars, no price; left out")
            return [], Decimal(0)
        side = "yes" if position > 0 else "no"
        base = {"user_id": self.user_id, "ticker": ticker, "side": side}
        fills = [{**base, "count": plain((hundredths - rest) * _HUNDREDTHS), "price": plain(price * _PRICE),
                  "fee": plain(fee)}]  # fmt: skip
        if rest:  # the cost does not divide: `rest` hundredths a ten-thousandth dearer
            fills.append({**base, "count": plain(rest * _HUNDREDTHS), "price": plain((price + 1) * _PRICE), "fee": "0"})
        return fills, exposure * _MICROS + fee

    def sub_cent(self, funded: int, cost: Decimal) -> list[dict[str, Any]]:
        """Deposits are whole cents: what the opening fills leave over the observed balance's ten-thousandths (under a
        cent, and the extra cent the account was funded with) is moved to the margined instance, so the balance
        reads as observed to the last place."""
        if self.balance_dollars is None or self.balance.value is None:
            return []
        held = (funded + self.balance.value) * 10_000 - int(cost / _MICROS)  # micro-dollars after the deposit
        over = (held - int(self.balance_dollars / _MICROS)) // 100  # centi-cents
        if not 0 < over < 200:
            return []
        moved = {"user_id": self.user_id, "source": "event_contract", "destination": "margined", "amount": over}
        return [{"intra_exchange_transfer": moved}]

    def later(self, after: str) -> list[tuple[str, dict[str, Any]]]:
        """Fills and settlements dated after `after`, as (time, step), in time order."""
        steps: list[tuple[str, dict[str, Any]]] = []
        for row, seq in self.fills.values():
            when = str(row.get("created_time") or "")
            if dated_after(when, after):
                steps.append((when, {"fill": self._fill(row, seq)}))
        for row, seq in self.settlements.values():
            when = str(row.get("settled_time") or "")
            if not dated_after(when, after):
                continue
            if row.get("market_result") not in ("yes", "no"):
                self.notes.append(f"settlement of {row.get('ticker')} (record {seq}): result "
                                  f"{row.get('market_result')!r} is not yes or no; left out")  # fmt: skip
                continue
            steps.append((when, {"settle": {"ticker": row["ticker"], "result": row["market_result"]}}))
        return sorted(steps, key=lambda step: moment(step[0]))

    def _fill(self, row: Mapping[str, Any], seq: int) -> dict[str, Any]:
        side = str(row.get("side"))
        price = _dollars(row, f"{side}_price_dollars", f"{side}_price", seq)
        fill = {"user_id": self.user_id, "ticker": row.get("ticker"), "side": side, "action": row.get("action"),
                "count": plain(_count(row, "count", seq)), "price": plain(price)}  # fmt: skip
        if row.get("fee_cost") is not None:
            fill["fee"] = plain(number(row["fee_cost"], "fee_cost", seq, _DOLLAR_PLACES))
        if isinstance(row.get("is_taker"), bool):
            fill["is_taker"] = row["is_taker"]
        return fill


def _header(record: Record, name: str) -> str | None:
    headers = (record.request or {}).get("headers") or {}
    for key, value in headers.items():
        # Neither a value the proxy redacted nor a signature an older tape kept as a key id (the two headers swapped).
        if str(key).lower() == name and isinstance(value, str) and value and "redacted" not in value:
            return None if redact.signature(value) else value
    return None


def _listed(rows: Any) -> list[Any]:
    return rows if isinstance(rows, list) else []


def read(records: Sequence[Record], user_id: str, notes: list[str]) -> TapeSeen:
    """What the tape's Kalshi reads saw of the account, as `user_id`'s."""
    seen = KalshiSeen(tuple(records), user_id, notes)
    account_read = bool(seen.positions_seen.seq) or seen.balance.value is not None
    return TapeSeen(account_read, seen.snapshot_at(), seen.account, seen.later)
