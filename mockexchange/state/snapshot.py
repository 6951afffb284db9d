"""A snapshot: the whole state after one command, so that a restart runs only the commands kept after it.

It is a cache of the command log, never the truth: it names the mockexchange version that took it, and a restart by
another version ignores it and runs every command again; so does a restart by a version whose state classes are not
where the snapshot names them (another layout). It is a pickle of each venue's part (its registration's `snapshot`:
kalshi.py, deribit.py here: their state objects' fields, whose wiring, the clock, bus and lock, is the new mock's; the
key registries), the exchange clock and the id generator's position, read back by an unpickler that builds only the
mock's own state classes and a few plain types: a state file from someone else cannot make a restart run code. A
Deribit key's client secret is kept sealed (seal.py).
"""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Callable
from typing import Any

from mockexchange.control import Control
from mockexchange.core.clock import ManualClock, SystemClock
from mockexchange.state.seal import Sealer, SealError
from mockexchange.version import __version__

# The shape of the state classes a snapshot holds (core's columns: kalshi/store.py, kalshi/fill_log.py) and where they
# live. A snapshot of another shape, such as one taken by the same version before it changed, is ignored like one of
# another version.
# 3: the Deribit exchange keeps cash moves, wallet transfers, deliveries and the next expiry; a trade its volatility.
# 4: a wallet keeps when it was opened, a deposit the address it came from.
# 5: core split by venue: the state classes live in core/kalshi/ and core/deribit/.
# 6: Kalshi's amounts are integers in fixed units (core/kalshi/units.py): position rows, the fill log, account cash.
# 7: a Kalshi key keeps its name and scopes; the ledger its users' API usage-level grants.
# 8: the ledger keeps the historical cutoff, ended orders and archived events (core/kalshi/archive.py).
# 9: series, events and markets with every field, their books, figures and lifecycle schedule; the tapes; market ids.
# 10: orders are real: the ledger keeps every order (by id, per user, by client order id), their expiries, and the
#     book holds them; an account's cash is what is available (resting orders hold the rest).
# 11: an order keeps its type (limit, or the legacy API's market).
# 12: the ledger keeps order groups (core/kalshi/order_groups.py): each user's, and the groups an action tripped.
# 13: the Deribit exchange keeps deposit addresses and a transaction log per wallet; a wallet its login flag, a
#     withdrawal its nonce, a transfer the user it went to.
# 14: an order keeps why it last changed (`last_update_reason`).
# 15: a Deribit wallet keeps whether it may send to other users (`interuser_transfers_enabled`).
# 16: Deribit's orders keep a book per instrument, their commission, P&L and flags; a trade its liquidity and type.
# 17: a Deribit order keeps whether its trigger fired (`triggered`).
# 18: a book keeps each side's levels in a dict and their keys in a sorted list (no SortedDict); the fill log keeps
#     an id that is no UUID once, however many fills name it.
# 19: Kalshi's orders are kept per account up to a bound (core/kept_index.py's KeptIndex for the order index and the
#     ended orders; an order keeps its sequence there, a group its orders by id); an account counts the contracts it
#     filled and rests (the ledger no longer does). Deribit's book keeps each account's closed orders, trades, log
#     entries, cash moves and transfers up to a bound (core/deribit/kept.py's Kept), each instrument's tape, what each
#     wallet traded, each wallet's positions; its orders the sums their margin reads and the waiting trigger orders.
# 20: Deribit's keys are kept as plain fields, the client secret sealed (state/seal.py), not as DeribitCredential.
# 21: an FCM desk keeps what each subtrader's daily cap counts as it changes (its fills' premium by New York date,
#     its resting orders' sum and each one's share).
# 22: an FCM desk keeps each member's position transfers' ids, oldest first (its latest 10,000 are kept).
# 23: a Deribit trade keeps the label of the order that made it.
# 24: the Deribit exchange keeps its state in one `ExchangeState` (core/deribit/exchange_state.py), its parts around it.
# 25: the Kalshi ledger keeps its state in one `LedgerState` (core/kalshi/ledger_state.py); an FCM desk's state lives
#     in fcm_state.py, an order group in order_group_records.py.
# 26: what the ledger keeps of subaccounts lives in core/kalshi/subaccount_records.py.
# 27: a snapshot holds each venue's part by its name (its registration's `snapshot`: state/kalshi.py, deribit.py);
#     names that say one thing: Deribit's records are `DeribitAccount`, `DeribitTrade` and `WalletHistory`; each
#     instrument's trades are the exchange state's `instrument_trades`, each market's the ledger's `market_trades`.
# 28: a Kalshi market keeps its terms, outcome and previous day's figures as shared parts (core/kalshi/markets.py).
# 29: a Kalshi market keeps its id as the UUID's integer (`kept_id`), its titles in its terms, its times as a shared
#     part; an event the fee schedule its markets pay (`fee_rule`, a market no longer).
# 30: a Kalshi market keeps what of its volume aged out of the last 24 hours (`volume_aged`), not its 24-hour volume.
# 31: a Kalshi position owner's event rows are the Column of their running totals, each part keyed by one cell.
# 32: a time index keeps a key of one record as its number alone, not a tuple of it.
# 33: the Deribit exchange keeps each instrument's candles and its deliveries (every wallet's together), each
#     instrument's newest trades whatever their age; a trade and a listing their tick direction.
# 34: a Deribit index's price is its path over the exchange clock (core/deribit/price_path.py's `PricePath`), its
#     history beside the point in force; the exchange keeps perpetuals' funding rates, historical volatility, APR,
#     the platform's locked indices and announcements.
# 35: the Deribit exchange keeps the clock's time up to which its announcements were told (`announced_until`).
# 36: a market keeps its trades' numbers (`Market.trades`), not the ledger's `market_trades` map by ticker.
# 37: what a Kalshi market keeps of its book beside its levels (clock, house orders, quotes) is one part, `BookKeeping`.
# 38: a snapshot holds the perps exchange's part (state/perps.py: core/perps's state).
# 39: a Kalshi market keeps its holders' rows (`Market.holders`), not the position store's map by ticker, and not
#     its last trade's size (the fill log holds it).
# 40: an order group is venue-neutral (core/order_groups.py's `OrderGroup`); the perps exchange keeps its groups,
#     its corporate action notices, each user's ended orders as they ended, each market's quotes (a perps order names
#     its group, a trade the open interest it left); Kalshi's margined cash is kept per (user, shard, subaccount).
# 41: a perps order and fill name who placed it (`source`: its user, or the exchange's liquidations and exit triggers);
#     the perps exchange keeps what falls due on its clock (funding, mark paths), its exit triggers and liquidations; a
#     perps position what funding it was paid.
# 42: the Kalshi ledger keeps its RFQs and quotes (`communications`), and its schedule holds their timers beside
#     the markets' tickers (core/kalshi/due.py's `Timer`); it keeps its block trade proposals (`block_trades`) and
#     the rules RFQ makers quote by (`rfq_makers`); a market keeps the end of its last change's day in its previous
#     day's part (`PreviousDay.day_ends`); it keeps its RFQ batches and batch quotes (`rfq_batches`), their timers
#     in its schedule; an RFQ batch keeps its accept's idempotency key, min bids and accepted quotes; a quote keeps
#     its RFQ's terms it shows (`obscure_creator_id`, its size); the communications part keeps its makers' live quotes
#     and each user's latest closed RFQs and ended quotes (kept indexes: the older forgotten); the block trade
#     proposals are listed by a kept index, each proposer's pending and latest ended ones apart (the older forgotten);
#     the RFQ batches part keeps its makers' live batch quotes and each user's latest closed batches and ended batch
#     quotes (kept indexes: the older forgotten), a batch its `number` (a list's tiebreak).
# 43: the Kalshi ledger keeps the ids of the trades its block trades printed (`block_trade_ids`), its price feeds' last
#     values (`price_feeds`), its fee changes (`fee_changes`), when its users' data last changed (`user_data_updated`)
#     and its multivariate collections and combo markets (`multivariate`); an event keeps its metadata (images, its
#     sports competition and scope, its markets' details), an RFQ its combo's; the exchange's status keeps its schedule
#     and its timer (`ExchangeStatus.schedule`, `hours_due`); the ledger
#     keeps what it is told from outside (`milestones` and their live data, `structured_targets`,
#     `incentive_programs`, each city's weather index, `weather`).
# 44: a Deribit wallet keeps its account's cancel on disconnect (`Wallet.cancel_on_disconnect`).
# 45: a Deribit order keeps its trailing offset and reference price, its original type (market_limit) and its links
#     (linked orders: `oto_order_ids`, `primary_order_id`, `is_secondary_oto`, `oco_ref`, ...); the orders kept their
#     trailing stops by instrument and trigger (`trailing`), the ids whose links are to settle and the OCO pairs.
# 46: the position store's amount cells are 32 bits (`StoredRows._amounts`), a row one of whose amounts they do not
#     hold kept whole beside them (`StoredRows._wide`); a Kalshi market keeps its 24-hour window's aged volume and
#     start as one part (`Market.window`); the fill log keeps its times column as an attribute (`FillLog.times`).
# 47: the Deribit exchange keeps market maker protection (`ExchangeState.mmp`: configurations, intervals, freezes); an
#     order whether it is MMP's and the mass quote it belongs to (`DerivativeOrder.mmp`, `quote`).
# 48: a Deribit order of an incremental link keeps its amount as linked and the part its link gave it
#     (`DerivativeOrder.linked_amount`, `linked_part`).
# 49: a Deribit API key keeps its api_key fields (its number, name, enabled and default flags, creation time, features
#     and IP whitelist: private/*_api_key), and a token the account it acts for (public/exchange_token's).
# 50: a Kalshi market keeps its id's key, times, terms and outcome as one part (`Market.listing`), its id derived from
#     its ticker under the ledger's key (`LedgerState.market_id_key`), and its book's keeping with its book
#     (`MarketBook.kept`).
# 51: the Kalshi ledger keeps the exchange's announcements (`LedgerState.announcements`).
LAYOUT = 51
# Built by the app for a mock, not state: the new mock keeps its own.
_WIRING = frozenset(
    {"clock", "bus", "lock", "fee_schedule", "new_id", "rates", "default_volatility", "on_schedule", "due_guard"}
) | {"kept_ended", "history_size"}  # and the bounds its settings give (Kalshi's ended orders, Deribit's history)
# Where state classes live; a class is taken only from the module that defines it.
_STATE_PACKAGES = ("mockexchange.core.", "mockexchange.auth.")
_PLAIN = frozenset(
    {
        ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "list"), ("builtins", "dict"),
        ("builtins", "tuple"), ("builtins", "int"), ("builtins", "str"),
        ("decimal", "Decimal"),
        ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timedelta"), ("datetime", "timezone"),
        ("collections", "deque"), ("collections", "OrderedDict"), ("collections", "defaultdict"),
        ("operator", "itemgetter"),
        ("sortedcontainers.sortedlist", "SortedKeyList"), ("sortedcontainers.sortedlist", "SortedList"),
        ("sortedcontainers.sorteddict", "SortedDict"),
    }
)  # fmt: skip


class SnapshotError(Exception):
    pass


class _OtherLayout(Exception):
    """The snapshot names a state module or class this version does not have: another layout's."""


def fields(thing: object) -> dict[str, Any]:
    """A state object's fields but its wiring (what the new mock builds: clock, bus, lock, ...)."""
    return {name: value for name, value in vars(thing).items() if name not in _WIRING}


def take(control: Control, sealer: Sealer | None = None) -> bytes | None:
    """The state now, each venue's part its registration's (`Venue.snapshot`); the caller holds every command back
    while it runs. None: a venue keeps no snapshot of its state (every command runs again at a restart). Each client
    secret is sealed with `sealer` (the state file's); without one (a snapshot that stays in memory: a test comparing
    states) it is as it is."""
    if any(venue.snapshot is None for venue in control.venues):
        return None
    seal: Callable[[str], str] = sealer.seal if sealer is not None else str
    clock, ids = control.parts.clock, control.parts.ids
    state = {
        "version": __version__,
        "layout": LAYOUT,
        "venues": {venue.name: venue.snapshot.keep(control, seal) for venue in control.venues if venue.snapshot},
        "ids": ids.position(),
        "clock": clock.now() if isinstance(clock, ManualClock) else None,
        # the system clock's offset (POST /_admin/clock moves it on): kept, as its commands may not run again
        "clock_offset": clock.offset if isinstance(clock, SystemClock) else None,
    }
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


class _StateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN:
            return super().find_class(module, name)
        if module.startswith(_STATE_PACKAGES):
            try:
                found = getattr(importlib.import_module(module), name, None)
            except ModuleNotFoundError:
                raise _OtherLayout(module) from None
            if found is None:
                raise _OtherLayout(f"{module}.{name}")
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise SnapshotError(f"a snapshot holds {module}.{name}, which is not the mock's state")


def read(data: bytes) -> dict[str, Any] | None:
    """A snapshot's state, or None if another mockexchange version or layout took it (then every command runs
    again)."""
    import io

    try:
        state = _StateUnpickler(io.BytesIO(data)).load()
    except _OtherLayout:
        return None
    except SnapshotError:
        raise
    except Exception as exc:  # a damaged pickle: the log still holds everything
        raise SnapshotError(f"the snapshot cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("version") != __version__ or state.get("layout") != LAYOUT:
        return None
    return state


def restore(control: Control, state: dict[str, Any], sealer: Sealer | None = None) -> None:
    """SnapshotError, before anything changed: a venue's part does not read back (a client secret does not open)."""

    def unseal(sealed: str, client_id: str) -> str | None:
        return sealed if sealer is None else _unseal(sealer, sealed, client_id)

    kept = state["venues"]
    if set(kept) != {venue.name for venue in control.venues}:
        raise SnapshotError(f"the snapshot holds the venues {', '.join(sorted(kept))}, not the mock's")
    puts = [venue.snapshot.restore(control, kept[venue.name], unseal) for venue in control.venues if venue.snapshot]
    for put in puts:
        put()
    control.parts.ids.resume(state["ids"])
    clock = control.parts.clock
    if state["clock"] is not None and isinstance(clock, ManualClock):
        clock.set(state["clock"])
    offset = state.get("clock_offset")
    if offset is not None and isinstance(clock, SystemClock):
        clock.restore_offset(offset)


def _unseal(sealer: Sealer, sealed: str, client_id: str) -> str | None:
    try:
        secret = sealer.unseal(sealed)
    except SealError as exc:
        raise SnapshotError(f"{exc} (Deribit key {client_id})") from None
    if secret is None:
        sealer.lost_secret(sealed, client_id)
    return secret
