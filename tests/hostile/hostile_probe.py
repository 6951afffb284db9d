"""What the hostile-input tests share: a driver of one mock's admin API over real HTTP that remembers what the mock
accepted, and the reads that must then answer 200 for every account created, with sane numbers and reconciled cash.

The driver's own model of the cash is independent of the ledger's arithmetic: Kalshi's from each fill's answer (the
part that closes the held side is sold at the held side's price, the rest bought at the new side's, as
tests/test_cash_reconciliation.py splits it), each transfer's amount and fee and each settlement's payout; Deribit's
from each trade's realized P&L (futures) or premium (options), its fee and each deposit, and each delivery at an expiry
as the book recorded it (their amounts are the expiry tests' subject, tests/test_deribit_expiry.py), taken into the
wallet where the book takes it: before the cash of the call that found it due, so that the model's sums round where
the book's do.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from mockexchange.schema.refinements import GO_SPACE
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi.market_data import MAX_TICKER
from mockexchange.venues.kalshi.profiles import profile

START = datetime(2026, 1, 2, 12, tzinfo=UTC)  # a Friday; BTC-26JUN26 and its options are live
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Kalshi's integer fields the legacy profile types int32; every other integer must fit int64.
KALSHI_INT32_FIELDS = frozenset({"position", "count", "resting_orders_count", "volume", "post_position"})
MAX_NUMBER_CHARS = 80  # of any number a read writes (Deribit's greeks near expiry are the longest)
DERIBIT_CURRENCIES = ("BTC", "ETH", "USDC")
FIXED_POINT = re.compile(r"-?[0-9]{1,20}\.[0-9]{1,6}")  # Kalshi's dollars and counts: 2, 4 or 6 places
IDLE_S = 4.0  # a kept connection idle this long is opened anew: the mock closes one idle for 5 s (settings.py)


@dataclass
class KalshiUser:
    user_id: str
    signer: KalshiSigner
    fcm_member: bool
    subtraders: list[str] = field(default_factory=list)
    cash: dict[int, Decimal] = field(default_factory=lambda: {0: Decimal(0)})  # expected, per subaccount


@dataclass
class DeribitUser:
    user_id: str
    basic: str  # the Authorization header of its main key
    main_id: int
    # Expected balances per wallet id and currency.
    balances: dict[int, dict[str, Decimal]] = field(default_factory=dict)


@dataclass
class Transfer:
    user_id: str
    kind: str
    status: str
    effect: Decimal  # cash moved while applied


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Probe:
    def __init__(self, mock: MockServer) -> None:
        self.mock = mock
        # One connection, kept open: a request through httpx cost twice the CPU of one through http.client, and the
        # probe reads dozens after each call.
        where = urlsplit(mock.base_url)
        self.http = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
        self.used = time.monotonic()
        self.kalshi: dict[str, KalshiUser] = {}
        self.deribit: dict[str, DeribitUser] = {}
        self.transfers: dict[str, Transfer] = {}
        self.positions: dict[tuple[str, int, str], Decimal] = {}  # Kalshi (user, subaccount, ticker) -> contracts
        self.deliveries_seen = 0  # of the book's deliveries, those already in the model's wallets
        self.moves_seen: set[str] = (
            set()
        )  # transfers inside accounts already in the model (idempotent ones answer again)
        self.determined: dict[str, tuple[str, datetime]] = {}  # ticker -> (result, when its positions are paid)

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> Answer:
        """One request to one of the mock's URLs over the kept connection (opened anew where the mock may have closed
        it as idle: never sent twice)."""
        if time.monotonic() - self.used > IDLE_S:
            self.http.close()
        self.http.request(method, url.removeprefix(self.mock.base_url), body=body, headers=headers)
        answer = self.http.getresponse()
        self.used = time.monotonic()
        return Answer(answer.status, answer.read().decode())

    def get(self, url: str, query: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Answer:
        """A GET, its query as httpx writes one (a list repeats its key)."""
        return self.send("GET", url + (f"?{urlencode(query, doseq=True)}" if query else ""), headers or {})

    def reset(self) -> None:
        self.mock.ledger.state.clock.set(START)  # type: ignore[attr-defined]
        assert self.post("reset", {}).status_code == 200
        self.kalshi.clear()
        self.deribit.clear()
        self.transfers.clear()
        self.positions.clear()
        self.deliveries_seen = 0
        self.moves_seen.clear()
        self.determined.clear()

    # -- the admin API ----------------------------------------------------------------------------------------------

    def post(self, op: str, body: Any) -> Answer:
        """One admin call (JSON written by the standard library, which writes integers of any size), which must answer
        200 or a 4xx JSON `{"error": "..."}`; what it accepted is remembered."""
        response = self.send(
            "POST", f"{self.mock.base_url}/_admin/{op}", {"Content-Type": "application/json"}, json.dumps(body).encode()
        )
        assert response.status_code == 200 or 400 <= response.status_code < 500, (op, body, response.text[:500])
        self._learn_payouts()  # a call finds what is due first, refused or not
        answer = response.json()
        if response.status_code != 200:
            assert isinstance(answer.get("error"), str) and answer["error"], (op, body, answer)
            return response
        self._learn_deliveries()
        learn = getattr(self, "_learn_" + op.replace("/", "_"), None)
        if learn is not None:
            learn(body, answer)
        return response

    def refused(self, op: str, body: Any, *names: str) -> str:
        """The call is refused with a 400 whose error names every one of `names`; answers the error."""
        response = self.post(op, body)
        assert response.status_code == 400, (op, body, response.text[:500])
        error = response.json()["error"]
        for name in names:
            assert name in error, (name, error)
        return error

    def _learn_accounts(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        user_id = answer["user_id"]
        key = self.post("keys", {"user_id": user_id, "key_type": "ed25519"}).json()
        user = KalshiUser(user_id, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]), answer["fcm_member"])
        user.cash[0] = Decimal(answer["balance_cents"]) / 100
        self.kalshi[user_id] = user
        if answer["subtrader_of"] is not None:
            self.kalshi[answer["subtrader_of"]].subtraders.append(user_id)

    def _learn_fills(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        user, sub, ticker = answer["user_id"], answer["subaccount"], answer["ticker"]
        count, price, fee = Decimal(answer["count"]), Decimal(answer["price"]), Decimal(answer["fee"])
        buys_yes = (answer["side"] == "yes") == (answer["action"] == "buy")
        yes_price = price if answer["side"] == "yes" else 1 - price
        held = self.positions.get((user, sub, ticker), Decimal(0))
        closing = min(abs(held), count) if held and (held > 0) != buys_yes else Decimal(0)
        held_price = yes_price if held > 0 else 1 - yes_price
        new_side_price = yes_price if buys_yes else 1 - yes_price
        cash = closing * held_price - (count - closing) * new_side_price - fee
        self.kalshi[user].cash[sub] = self.kalshi[user].cash.get(sub, Decimal(0)) + cash
        self.positions[(user, sub, ticker)] = Decimal(answer["post_position"])
        assert Decimal(answer["post_position"]) == held + (count if buys_yes else -count)

    def _learn_settlements(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        self.determined.pop(answer["ticker"], None)
        self._pay(answer["ticker"], answer["result"])

    def _pay(self, ticker: str, result: str) -> None:
        for (user, sub, held_in), held in self.positions.items():
            if held_in == ticker and (held > 0) == (result == "yes") and held:
                self.kalshi[user].cash[sub] += abs(held)

    def _learn_markets_determine(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        self.determined[answer["ticker"]] = (answer["result"], datetime.fromisoformat(answer["settles_at"]))
        self._learn_payouts()  # (a timer of 0 pays at once)

    def _learn_payouts(self) -> None:
        """A determined market is paid once its settlement timer ends on the exchange clock (the first call or read
        after that makes it)."""
        now = self.mock.ledger.state.clock.now()
        for ticker, (result, when) in list(self.determined.items()):
            if when <= now:
                del self.determined[ticker]
                self._pay(ticker, result)

    def _learn_transfer(self, answer: dict[str, Any]) -> None:
        amount, fee = Decimal(answer["amount_cents"]), Decimal(answer["fee_cents"])
        effect = (amount - fee) / 100 if answer["kind"] == "deposit" else -(amount + fee) / 100
        before = self.transfers.get(answer["id"])
        was_applied = before is not None and before.status == "applied"
        now_applied = answer["status"] == "applied"
        if was_applied != now_applied:
            self.kalshi[answer["user_id"]].cash[0] += effect if now_applied else -effect
        self.transfers[answer["id"]] = Transfer(answer["user_id"], answer["kind"], answer["status"], effect)

    def _learn_deposits(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        self._learn_transfer(answer)

    def _learn_withdrawals(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        self._learn_transfer(answer)

    # An account's details: cash between its subaccounts, and out to (or back from) the margined instance.
    def _learn_subaccounts(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        self.kalshi[answer["user_id"]].cash.setdefault(answer["subaccount_number"], Decimal(0))

    def _move(self, user_id: str, transfer_id: str, legs: list[tuple[int, Decimal]]) -> None:
        if transfer_id not in self.moves_seen:
            self.moves_seen.add(transfer_id)
            cash = self.kalshi[user_id].cash
            for subaccount, amount in legs:
                cash[subaccount] = cash.get(subaccount, Decimal(0)) + amount

    def _learn_subaccounts_transfers(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        amount = Decimal(answer["amount_cents"]) / 100
        legs = [(answer["from_subaccount"], -amount), (answer["to_subaccount"], amount)]
        self._move(answer["user_id"], answer["transfer_id"], legs)

    def _learn_intra_exchange_transfers(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        amount = Decimal(answer["amount"]) / 10_000
        legs = [(answer["source_subaccount"], -amount)] if answer["source"] == "event_contract" else []
        if answer["destination"] == "event_contract" and answer["status"] == "complete":
            legs.append((answer["destination_subaccount"], amount))
        self._move(answer["user_id"], answer["transfer_id"], legs)

    def _learn_deribit_accounts(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        user_id = answer["user_id"]
        key = self.post("deribit/keys", {"user_id": user_id}).json()
        basic = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
        user = DeribitUser(user_id, f"Basic {basic}", answer["id"])
        user.balances[answer["id"]] = {c: Decimal(v) for c, v in answer["balances"].items()}
        self.deribit[user_id] = user

    def _learn_deribit_subaccounts(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        balances = {c: Decimal(v) for c, v in answer["balances"].items()}
        self.deribit[answer["user_id"]].balances[answer["id"]] = balances

    def _wallet(self, user_id: str, subaccount_id: Any) -> dict[str, Decimal]:
        user = self.deribit[user_id]
        return user.balances[user.main_id if subaccount_id is None else subaccount_id]

    def _learn_deliveries(self) -> None:
        """The deliveries made since the last call: an expiry the clock passed is delivered by the first call that
        touches the book after it (before that call's own cash moves), so they are taken in before its answer is."""
        with self.mock.exchange.reading():
            made = self.mock.exchange.state.deliveries[self.deliveries_seen :]
            self.deliveries_seen += len(made)
        for delivery in made:
            user = self.deribit.get(delivery.user_id)
            if user is not None and delivery.account_id in user.balances:
                wallet = user.balances[delivery.account_id]
                wallet[delivery.currency] = wallet.get(delivery.currency, Decimal(0)) + delivery.cash

    def _learn_deribit_fills(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        wallet = self.deribit[answer["user_id"]].balances[answer["account_id"]]
        amount, price, fee = Decimal(answer["amount"]), Decimal(answer["price"]), Decimal(answer["fee"])
        is_option = answer["instrument_name"].endswith(("-C", "-P"))
        signed = amount if answer["direction"] == "buy" else -amount
        cash = -signed * price if is_option else Decimal(answer["profit_loss"])
        currency = answer["fee_currency"]
        wallet[currency] = wallet.get(currency, Decimal(0)) + (cash - fee)  # the book's order of operations

    def _learn_deribit_deposits(self, body: dict[str, Any], answer: dict[str, Any]) -> None:
        wallet = self._wallet(answer["user_id"], body.get("subaccount_id"))
        currency = answer["currency"]
        wallet[currency] = wallet.get(currency, Decimal(0)) + Decimal(body["amount"])
        assert wallet[currency] == Decimal(answer["balance"]), (wallet, answer)

    # -- the reads --------------------------------------------------------------------------------------------------

    def check_reads(self) -> None:
        """Every read of every account created so far answers 200 with sane numbers, and its cash reconciles."""
        self._learn_payouts()
        self._market_data_reads()
        for user in self.kalshi.values():
            self._kalshi_reads(user)
        for deribit_user in self.deribit.values():
            self._deribit_reads(deribit_user)

    def kalshi_get(self, user: KalshiUser, path: str, query: dict[str, Any] | None = None) -> Any:
        full = "/trade-api/v2" + path
        response = self.get(self.mock.base_url + full, query, user.signer.headers("GET", full))
        assert response.status_code == 200, (user.user_id, path, query, response.text[:500])
        body = parse(response.text, kalshi_number)
        kalshi_fields_fit(body)
        return body

    def _market_data_reads(self) -> None:
        """Kalshi's public market data renders whatever the calls did (plain numbers within int64, short fixed-point
        strings; market figures sum every holder, so the legacy int32 fields of a position do not bound them)."""
        tickers = [m["ticker"] for m in self._public("/markets", {"limit": 1000})["markets"]]
        for ticker in _in_paths(tickers):
            self._public(f"/markets/{ticker}", {})
            self._public(f"/markets/{ticker}/orderbook", {})
        for status in ("unopened", "open", "paused", "closed", "settled"):
            self._public("/markets", {"status": status, "limit": 1000})
            if status != "paused":
                self._public("/events", {"status": status, "with_nested_markets": "true"})
        # The lists' items: a ticker a query list can carry (no comma, no space the server trims, 200 characters).
        listed = [t for t in tickers if "," not in t and t == t.strip(GO_SPACE) and len(t) <= MAX_TICKER][:100]
        if listed:
            if profile(self.mock.app.settings.profile).market_orderbooks:  # (the legacy profile's client had none)
                self._public("/markets/orderbooks", {"tickers": listed})
            candles = {"start_ts": 0, "end_ts": 2**62, "include_latest_before_start": "true"}
            for period in (1, 60, 1440):
                self._public("/markets/candlesticks", {"market_tickers": ",".join(listed),
                                                       "period_interval": period, **candles})  # fmt: skip
        events = [e["event_ticker"] for e in self._public("/events", {"with_nested_markets": "true"})["events"]]
        for event_ticker in _in_paths(events):
            self._public(f"/events/{event_ticker}", {"with_nested_markets": "true"})
        series = self._public("/series", {"include_volume": "true", "include_product_metadata": "true"})["series"]
        for series_ticker in _in_paths(s["ticker"] for s in series):
            self._public(f"/series/{series_ticker}", {"include_volume": "true"})
        for path in ("/markets/trades", "/exchange/status"):
            self._public(path, {"limit": 1000} if path == "/markets/trades" else {})

    def _public(self, path: str, query: dict[str, Any]) -> Any:
        response = self.get(self.mock.kalshi_url + path, query)
        assert response.status_code == 200, (path, query, response.text[:500])
        body = parse(response.text, kalshi_number)
        kalshi_fields_fit(body, "", int32=False)
        return body

    def _kalshi_reads(self, user: KalshiUser) -> None:
        for sub in sorted(user.cash):
            self.kalshi_get(user, "/portfolio/positions", {"limit": 1000, "subaccount": sub})
            balance = self.kalshi_get(user, "/portfolio/balance", {"subaccount": sub})
            expected = user.cash[sub]
            assert Decimal(balance["balance_dollars"]) == expected.quantize(Decimal("0.0001"), ROUND_DOWN), (
                user.user_id, sub, balance, expected,
            )  # fmt: skip
            assert balance["balance"] == int((expected * 100).to_integral_value(ROUND_DOWN))
        for path in ("/portfolio/fills", "/portfolio/settlements"):
            self.kalshi_get(user, path, {"limit": 1000})
        for path in ("/portfolio/deposits", "/portfolio/withdrawals", "/portfolio/intra_exchange_instance_transfers"):
            self.kalshi_get(user, path, {"limit": 500})
        for path in ("/account/limits", "/account/api_usage_level/volume_progress", "/api_keys"):
            self.kalshi_get(user, path)
        for path in (
            "/portfolio/subaccounts/balances",
            "/portfolio/subaccounts/netting",
            "/portfolio/target_balance_allocation",
        ):
            self.kalshi_get(user, path)
        self.kalshi_get(user, "/portfolio/subaccounts/transfers", {"limit": 1000})
        if user.fcm_member:
            self.kalshi_get(user, "/portfolio/summary/total_resting_order_value")
            for subtrader in user.subtraders:
                self.kalshi_get(user, "/fcm/positions", {"subtrader_id": subtrader, "limit": 1000})

    def deribit_get(self, user: DeribitUser, method: str, query: dict[str, Any]) -> Any:
        response = self.get(f"{self.mock.deribit_url}/api/v2/{method}", query, {"Authorization": user.basic})
        assert response.status_code == 200, (user.user_id, method, query, response.text[:500])
        return parse(response.text, _deribit_number)["result"]

    def _deribit_reads(self, user: DeribitUser) -> None:
        self._learn_deliveries()  # a read delivers what is due too
        for wallet_id, expected in user.balances.items():
            wallet = {} if wallet_id == user.main_id else {"subaccount_id": wallet_id}
            self.deribit_get(user, "private/get_positions", {"currency": "any", **wallet})
            self.deribit_get(user, "private/get_account_summaries", wallet)
            for currency in DERIBIT_CURRENCIES:
                summary = self.deribit_get(user, "private/get_account_summary", {"currency": currency, **wallet})
                # The book holds the cash exactly; the wire at the 8 places Deribit sends (half away from zero).
                exact = expected.get(currency, Decimal(0))
                with self.mock.exchange.reading():
                    held = self.mock.exchange.accounts.wallet(user.user_id, wallet_id).balance(currency)
                assert held == exact, (user.user_id, wallet_id, currency, held)
                sent = exact.quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
                assert summary["balance"] == sent, (user.user_id, wallet_id, summary)


def _in_paths(tickers: Any) -> list[str]:
    """Tickers as a path names them, percent-encoded; one holding `/` names no path (docs/known-differences.md)."""
    return [quote(ticker, safe="") for ticker in tickers if "/" not in ticker]


# -- numbers as a read writes them ------------------------------------------------------------------------------------


def parse(text: str, check: Callable[[str], Any]) -> Any:
    """The body with every number literal checked by `check` (which answers its value), strings as they are."""
    return json.loads(text, parse_float=check, parse_int=check, parse_constant=_no_constant)


def _no_constant(literal: str) -> Any:
    raise AssertionError(f"{literal} is not JSON a client can read")


def _plain(literal: str) -> Decimal:
    assert "e" not in literal.lower(), f"a number in exponent form: {literal}"
    assert len(literal) <= MAX_NUMBER_CHARS, f"a number of {len(literal)} characters: {literal[:100]}..."
    return Decimal(literal)


def kalshi_number(literal: str) -> Decimal | int:
    value = _plain(literal)
    if "." in literal:
        return value
    assert INT64[0] <= value <= INT64[1], f"{literal} is beyond int64"
    return int(value)


def _deribit_number(literal: str) -> Decimal:
    return _plain(literal)


def kalshi_fields_fit(body: Any, name: str = "", *, int32: bool = True) -> None:
    """Kalshi's legacy int32 fields hold int32 values (`int32`: the portfolio's), and its fixed-point strings are plain
    and short (the JSON walk after `parse`)."""
    if isinstance(body, dict):
        for key, value in body.items():
            kalshi_fields_fit(value, key, int32=int32)
    elif isinstance(body, list):
        for item in body:
            kalshi_fields_fit(item, name, int32=int32)
    elif int32 and isinstance(body, int) and not isinstance(body, bool) and name in KALSHI_INT32_FIELDS:
        assert INT32[0] <= body <= INT32[1], f"{name}={body} is beyond int32"
    elif isinstance(body, str) and (name.endswith(("_dollars", "_fp", "_fixed")) or name in ("fee_cost", "balance")):
        assert FIXED_POINT.fullmatch(body), f"{name}={body[:100]!r} is no short fixed-point string"
