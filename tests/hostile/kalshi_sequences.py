"""What a random sequence over a Kalshi mock does and checks at every step, whatever it drives (the orders' sequences,
test_hostile_order_invariants.py; the communications', test_hostile_rfq_invariants.py): a client's write over real
HTTP whose status its operation documents and whose refusal changes nothing, an operator's command through the control
plane, a read, and the sums the whole ledger must add up to (order_sums.py) with what the wire shows of a place."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar
from urllib.parse import quote

from hostile_wire import Answer
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from invariant_runs import Restarting, World
from order_sums import (
    Outside,
    Place,
    available,
    check_books_uncrossed,
    check_holds,
    check_positions_are_their_fills,
    check_positions_sum_to_what_came_from_outside,
    money,
    signed_count,
)
from test_hostile_admin_sequences import HOSTILE

from mockexchange.control.errors import ControlError
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.units import CENT, count_units
from mockexchange.server import MockServer
from mockexchange.state import snapshot

HOUSE_BOOK = {"yes": [["0.40", "10"], ["0.35", "25"]], "no": [["0.55", "10"], ["0.50", "25"]]}  # the house's liquidity


def hostile_body(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The body with one field given a hostile value, or taken away."""
    names = sorted(body)
    given = st.sampled_from(names).flatmap(lambda name: HOSTILE.map(lambda value: {**body, name: value}))
    taken = st.sampled_from(names).map(lambda name: {k: v for k, v in body.items() if k != name})
    return st.one_of(given, given, taken)


def hostile_id(data: st.DataObject, known: list[str]) -> str:
    """An id of a path or a body that names nothing of the caller's: one of another's, a UUID of no record, one
    malformed or hostile (a path's segment, its characters escaped)."""
    made_up = [str(uuid.UUID(int=7)), "nope", quote("€\u0000/..", safe=""), "1" * 200, str(uuid.UUID(int=8)).upper()]
    return data.draw(st.sampled_from([*known[-3:], *made_up]))


def maybe_hostile(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The body as it is, or `hostile_body`'s (one branch of four: how often each is drawn is Hypothesis's)."""
    return st.one_of(st.just(body), st.just(body), st.just(body), hostile_body(body))


def truncated(micro: int) -> Decimal:
    """Micro-dollars as a balance's dollars: truncated toward zero to 4 places."""
    return Decimal(micro).scaleb(-6).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


class KalshiSequence(Restarting):
    """A sequence's steps and sums. A subclass names the statuses each operation documents (`DOCUMENTED`), keeps
    `external` (the micro-dollars that came in from outside the accounts) and `outside` (the scripted fills'
    counterparty), sets `fact` on a step the control plane states as a fact (it may take a balance below zero), and
    adds the places a step touched to `touched` (their wire is compared with the core)."""

    DOCUMENTED: ClassVar[dict[str, set[int]]]
    world: World

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.outside = Outside()
        self.external = 0
        self.fact = False
        self.touched: set[Place] = set()
        self.cash: dict[Place, int] = {}
        self.spare: list[str] = []  # markets to list on the way (`list_another_market`)

    def _serve(self, mock: MockServer) -> MockServer:
        self.mock, self.ledger = mock, mock.ledger
        return mock

    def open_mock(self, start: datetime, opening: dict[str, int], maker_series: str, fcm: str = "") -> MockServer:
        """The sequence's own mock at `start`: each user's account with its opening cents (`fcm` an FCM member) and
        its key (the world's); ann's subaccount 1, given $100 of subaccount 0's; `maker_series` charging maker fees."""
        mock = self._serve(self.world.fresh(start))
        mock.reset()
        mock.set_rate_limit_tier("off")
        for user, cents in opening.items():
            mock.create_account(user, balance_cents=cents, fcm_member=user == fcm)
            mock.create_key(user, public_key_pem=self.world.keys[user][1], key_id=f"{self.world.prefix}-{user}")
        mock.create_subaccount("ann")
        mock.subaccount_transfer("ann", str(uuid.UUID(int=0)), 0, 1, 10_000)
        mock.set_series(maker_series, fee_type="quadratic_with_maker_fees")
        self.external = sum(opening.values()) * CENT  # micro-dollars come in from outside the accounts
        return mock

    def market_reads(self) -> list[tuple[str, str]]:
        """The exchange's and every market's reads (by bob), for a restart to compare."""
        reads = [("bob", path) for path in ("/exchange/status", "/markets?limit=1000", "/markets/trades?limit=1000")]
        return reads + [("bob", f"/markets/{t}{end}") for t in sorted(self.ledger.state.markets)
                        for end in ("", "/orderbook")]  # fmt: skip

    # -- how a step is made and judged -------------------------------------------------------------------------

    def _state(self) -> bytes:
        """The state as the state file keeps it once what falls due by now is made (as any read or command makes it
        first: an RFQ maker's rule confirming at once has confirmed), less the fee schedule each event caches
        (`Event.fee_rule`, not compared: a refused fill may work it out first)."""
        self.ledger.lifecycle.run_due()
        with self.ledger.state.lock:
            for event in self.ledger.state.events.values():
                event.fee_rule = None
            return snapshot.take(self.mock.app.control)

    def write(self, user: str, sub: int, op: str, method: str, path: str, **request: Any) -> Answer:
        """A client's write: a status its operation documents; refused, nothing changed; no trade in a market that does
        not trade (paused, or the exchange's trading off)."""
        before, quiet = self._state(), self._quiet()
        answer = self.world.clients[user].request(method, path, **request)
        assert self._quiet(quiet) == quiet, f"{op} traded where trading is off"
        assert answer.status in self.DOCUMENTED[op], (op, answer.status, answer.body)
        refused = answer.status >= 400
        self.world.met[f"{op} {'refused' if refused else 'done'}"] += 1
        if refused:
            self.world.codes[f"{op} {answer.status} {answer.body[:80]!r}"] += 1
            assert self._state() == before, f"{op} refused ({answer.body}) but the state changed"
        self.touched.add((user, sub))
        return answer

    def _quiet(self, markets: dict[str, int] | None = None) -> dict[str, int]:
        """The fills of each market that does not trade now (of `markets`, if given)."""
        state = self.ledger.state
        with state.lock:
            off = state.exchange.refusal_now(state.clock) is not None
            if markets is None:
                markets = {t: 0 for t, m in state.markets.items() if off or m.status != "active"}
            made = Counter(f.ticker for f in state.fills if f.ticker in markets)
            return {ticker: made[ticker] for ticker in markets}

    def control(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """An operator's command through the control plane; refused (`ControlError`), nothing changed."""
        before = self._state()
        try:
            done = getattr(self.mock, name)(*args, **kwargs)
        except ControlError as exc:
            assert exc.status < 500, (name, exc)
            assert self._state() == before, f"{name} refused ({exc}) but the state changed"
            self.world.met[f"{name} refused"] += 1
            return None
        self.world.met[f"{name} done"] += 1
        return done

    def read(self, user: str, op: str, path: str, **params: Any) -> Answer:
        """A read: a status its operation documents, or the 400 of a query parameter that does not bind, which every
        read with parameters answers (docs/known-differences.md, "400 bodies")."""
        answer = self.world.clients[user].get(path, params=params)
        status = answer.status
        unbound = status == 400 and answer.json().get("msg", "").startswith(f"Parameter validation failed for {op}: ")
        assert status in self.DOCUMENTED[op] or unbound, (op, path, params, status, answer.body)
        return answer

    def read_ok(self, user: str, op: str, path: str, **params: Any) -> dict[str, Any]:
        answer = self.read(user, op, path, **params)
        assert answer.status == 200, (op, answer.body)
        return answer.json()

    def read_all(self, user: str, op: str, path: str, key: str, limit: int = 1000, **params: Any) -> list[Any]:
        found, cursor = [], None
        while True:
            page = self.read_ok(user, op, path, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
            found += page[key]
            cursor = page.get("cursor")
            if not cursor:
                return found

    def tickers(self) -> list[str]:
        return sorted(self.ledger.state.markets)

    def exchange_trades(self) -> bool:
        state = self.ledger.state
        return state.exchange.refusal_now(state.clock) is None

    def trading(self) -> list[str]:
        return sorted(t for t, m in self.ledger.state.markets.items() if m.status == "active")

    @precondition(lambda self: self.spare)
    @rule()
    def list_another_market(self) -> None:
        """The next market kept for later, listed, with the house's book."""
        ticker = self.spare.pop(0)
        self.control("create_market", ticker)
        self.control("set_book", ticker, **HOUSE_BOOK)

    # -- what must hold after every step --------------------------------------------------------------------------

    def check_sums(self) -> None:
        """The ledger adds up (order_sums.py, and test_hostile_order_invariants.py's docstring): no book crossed at
        rest, the positions of a market sum to what came from outside, money conserved, every position its fills,
        every hold its order's; and no step but a fact takes a subaccount's available cash below zero, or lowers it
        while it is there."""
        with self.ledger.reading() as ledger:
            check_books_uncrossed(ledger)
            check_positions_sum_to_what_came_from_outside(ledger, self.outside)
            assert money(ledger, self.outside) == self.external, "money was made or lost"
            check_positions_are_their_fills(ledger)
            check_holds(ledger)
            for place in sorted({(u, s) for u, a in ledger.state.accounts.items() if u != HOUSE for s, _ in a.cash}):
                now, before = available(ledger, place), self.cash.get(place, 0)
                assert self.fact or now >= min(0, before), f"{place}: available cash {before} -> {now}"
                self.cash[place] = now
        self.fact = False

    def place_agrees(self, place: Place) -> None:
        """The place on the wire as the core holds it: its balance, its positions and fees (each the sum of its fills
        as GET /portfolio/fills lists them), its resting orders."""
        user, sub = place
        balance = self.read_ok(user, "GetBalance", "/portfolio/balance", subaccount=sub)
        positions = self.read_ok(user, "GetPositions", "/portfolio/positions", subaccount=sub, settlement_status="all",
                                 limit=1000)["market_positions"]  # fmt: skip
        fills = self.read_all(user, "GetFills", "/portfolio/fills", "fills", subaccount=sub)
        resting = self.read_all(user, "GetOrders", "/portfolio/orders", "orders", subaccount=sub, status="resting")
        held: Counter[str] = Counter()
        fees: Counter[str] = Counter()
        for f in fills:
            held[f["ticker"]] += signed_count(f["side"], f["action"], count_units(Decimal(f["count_fp"])))
            fees[f["ticker"]] += int(Decimal(f["fee_cost"]).scaleb(6))
        rows = {p["ticker"]: (count_units(Decimal(p["position_fp"])), int(Decimal(p["fees_paid_dollars"]).scaleb(6)))
                for p in positions}  # fmt: skip
        assert {t: rows.get(t, (0, 0)) for t in held} == {t: (held[t], fees[t]) for t in held}, (place, rows)
        assert all(held[t] == r[0] for t, r in rows.items()), (place, rows, held)
        with self.ledger.reading() as ledger:
            assert Decimal(balance["balance_dollars"]) == truncated(available(ledger, place)), (place, balance)
            core = {o.order_id: o.remaining for o in ledger.state.orders.values() if (o.user_id, o.subaccount) == place}
        assert {o["order_id"]: count_units(Decimal(o["remaining_count_fp"])) for o in resting} == core, place
