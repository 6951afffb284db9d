"""Deribit's stop and take orders firing: an `untriggered` order waits off the book until the price it watches
(`trigger`: the instrument's index, its mark, or its last trade) reaches its `trigger_price`, then it is `triggered`
and enters the book as the order it carries (a stop_limit or take_limit at its price, a stop_market or take_market at
the market) through the same crossing as a placed order (matching.py).

Reached means, as Deribit's trigger words say: a stop buy (and a take sell) at or above its price, a stop sell (and a
take buy) at or below. The control plane runs `fire` after every change that moves a watched price (an index or mark
set, an order or fill that trades), so triggering follows admin calls and scenario steps; an order that fires may
trade and fire others, until none is due. An order the taker's funds no longer cover when it fires ends `rejected`.

A trailing stop fires as a stop market order; its trigger price follows its trigger's price (`_trail`) each time
triggers are checked. Linked orders (linked.py) settle here too (`_settle`): a primary's waiting secondaries are
placed once it is hit (or cancelled once it closes), and an OCO pair's other order is cancelled once one is hit or
closes, each through the same entry and cancel as any order's; an incremental link's orders are placed, grown and cut
by parts (`_incremental`), through the same entry, edit and cancel.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from decimal import Decimal

from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.matching import Crossing
from mockexchange.core.deribit.order_commands import EditDeribitOrder
from mockexchange.core.deribit.order_entry import cancel_order, edit_order, reject, trail_from, watched_price
from mockexchange.core.deribit.orders import CHANGE, TAKING_TYPES, DerivativeOrder, DerivativeOrders
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.events import Change


def fire(exchange: DeribitExchange) -> list[tuple[DerivativeOrder, list[DeribitTrade]]]:
    """Trigger every untriggered order whose price is reached, oldest first, again after each one (its trades move
    the last price) until none is due; each triggered order as it ended up, with its trades. Before each look the
    trailing stops follow their prices and the linked orders' links settle (linked.py: secondaries placed or
    cancelled, an OCO's other order cancelled). A look costs one step per instrument and trigger waited on, one per
    trailing stop and linked order waiting, and one per order due (`DerivativeOrders.due`), however many wait."""
    fired: list[tuple[DerivativeOrder, list[DeribitTrade]]] = []
    with exchange.lock:
        kept = exchange.state.orders
        if kept is None:  # no order yet
            return fired
        while True:
            _trail(exchange, kept)
            if _settle(exchange, kept):
                continue
            due = kept.due(lambda name, trigger: watched_price(exchange, name, trigger))
            if not due:
                return fired
            order = min(due, key=lambda o: (o.created, o.order_id))
            fired.append(_enter(exchange, replace(order, order_state="open", triggered=True)))


def _enter(exchange: DeribitExchange, order: DerivativeOrder) -> tuple[DerivativeOrder, list[DeribitTrade]]:
    """An order triggered or placed by its primary (`order_state` open) crossing the book; if its funds or its terms
    no longer hold, it ends `rejected`, nothing traded."""
    kept = exchange.state.orders
    assert kept is not None
    order = replace(order, updated=exchange.state.clock.now())
    kept.put(order)
    instrument = exchange.market.instrument(order.instrument_name)
    try:
        return Crossing(exchange, kept, order, instrument).run(
            check_funds=True, reject_post_only=order.reject_post_only
        )
    except ExchangeError as exc:
        return reject(exchange, kept, order, exc), []


def _trail(exchange: DeribitExchange, kept: DerivativeOrders) -> None:
    """Each untriggered trailing stop's trigger price follows its trigger's price: a sell's never below that price
    less its offset, a buy's never above it plus the offset (it moves only toward the price). Each move is the
    order's change (published: `user.orders`)."""
    for (name, trigger), ids in list(kept.trailing.items()):
        seen = watched_price(exchange, name, trigger)
        if seen is None:
            continue
        for order_id in list(ids):
            order = kept.orders[order_id]
            assert order.trigger_offset is not None and order.trigger_price is not None
            if order.direction == "sell":
                moved = max(order.trigger_price, seen - order.trigger_offset)
            else:
                moved = min(order.trigger_price, seen + order.trigger_offset)
            if moved != order.trigger_price:  # (told as an order update: one per move)
                moved_order = replace(order, trigger_price=moved, updated=exchange.state.clock.now())
                kept.put(moved_order)
                exchange.state.bus.publish(Change(CHANGE, order.user_id, moved_order))


def _settle(exchange: DeribitExchange, kept: DerivativeOrders) -> bool:
    """The first link due settled (linked.py): whether one was."""
    for order_id in list(kept.linked):
        order = kept.orders.get(order_id)
        if order is None:  # (its account no longer keeps it)
            del kept.linked[order_id]
            continue
        if order.linked_amount is not None:  # (an incremental link's order settles itself)
            if _incremental(exchange, kept, order):
                return True
            continue
        if order.oto_order_ids and _placing(exchange, kept, order):
            return True
        if order.oco_ref is not None and not order.oto_order_ids and _cancelling(exchange, kept, order):
            return True
    return False


def _hit(order: DerivativeOrder, triggering: bool = True) -> bool:
    """Whether an order of a link has done what its fill condition waits for: any fill on first_hit (or, `triggering`
    an OCO partner, a trigger order's trigger), its whole amount on complete_fill."""
    if order.trigger_fill_condition == "complete_fill":
        return order.order_state == "filled"
    return order.filled_amount > ZERO or (triggering and order.triggered)


def _placing(exchange: DeribitExchange, kept: DerivativeOrders, primary: DerivativeOrder) -> bool:
    """A primary's waiting secondaries placed once it is hit, or cancelled (`oto_primary_closed`) if it closed
    before; its OTOCO pair then watched. Whether anything changed."""
    waiting = [
        o for i in primary.oto_order_ids if (o := kept.orders.get(i)) is not None and o.is_secondary_oto and o.is_open
    ]
    hit = _hit(primary, triggering=False)  # (a primary is executed by its fills only)
    if not waiting or not (hit or not primary.is_open):
        if not waiting:
            del kept.linked[primary.order_id]
        return False
    del kept.linked[primary.order_id]
    if not hit:
        for secondary in waiting:
            kept.pairs.pop(secondary.oco_ref or "", None)
            cancel_order(exchange, secondary.order_id, "oto_primary_closed")
        return True
    for secondary in waiting:
        if secondary.oco_ref is not None:
            kept.linked[secondary.order_id] = None
    for secondary in waiting:
        _place(exchange, kept, kept.orders[secondary.order_id])
    return True


def _place(exchange: DeribitExchange, kept: DerivativeOrders, secondary: DerivativeOrder) -> None:
    """A waiting secondary placed as its terms say (it may have been cancelled by its OCO partner's fill since)."""
    if not secondary.is_open:
        return
    woken = replace(secondary, is_secondary_oto=False, created=exchange.state.clock.now())
    if woken.order_type in TAKING_TYPES:
        _enter(exchange, replace(woken, order_state="open"))
        return
    if woken.trigger_offset is not None:
        try:
            woken = trail_from(exchange, woken)
        except ExchangeError:
            woken = replace(woken, trigger_price=woken.trigger_reference_price)  # (its price when it was made)
    kept.put(woken)
    exchange.state.bus.publish(Change(CHANGE, woken.user_id, woken))


def _cancelling(exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder) -> bool:
    """An OCO pair settled once one of it is hit or closed: each one whose partner was hit or closed (not by it) is
    cancelled (`oco_other_closed`; both, if both were hit by the same change). Whether it settled."""
    assert order.oco_ref is not None
    pair = kept.pairs.get(order.oco_ref)
    members = [] if pair is None else [kept.orders.get(order_id) for order_id in pair]
    if pair is None or any(member is None for member in members):
        for order_id in pair or (order.order_id,):
            kept.linked.pop(order_id, None)
        kept.pairs.pop(order.oco_ref, None)
        return False
    if any(member.is_secondary_oto and member.is_open for member in members if member is not None):
        return False  # (waiting for their primary: nothing to settle yet)
    done = [member is not None and (not member.is_open or _hit(member)) for member in members]
    if not any(done):
        return False
    del kept.pairs[order.oco_ref]
    for order_id in pair:
        kept.linked.pop(order_id, None)
    for member, other_done in zip(members, reversed(done), strict=True):
        if member is not None and member.is_open and other_done:
            cancel_order(exchange, member.order_id, "oco_other_closed")
    return True


# -- incremental links ----------------------------------------------------------------------------------------------


def _incremental(exchange: DeribitExchange, kept: DerivativeOrders, order: DerivativeOrder) -> bool:
    """An order of an incremental link held at its part (linked.py): what its primary's fills give it (all of it
    without a primary) less what its OCO partner's fills cut. Waiting, it is placed at its first part, or cancelled
    (`oto_primary_closed`) if its primary closed giving it none; placed, its amount moves by what its part moved
    (private/edit's road: a client's own edit of it stands), and it is cancelled (`oco_other_closed`) once that leaves
    nothing more to fill, or once its partner closed otherwise than filled. Whether anything changed."""
    if not order.is_open:
        del kept.linked[order.order_id]
        partner = _partner(kept, order)
        if partner is None or not partner.is_open:
            kept.pairs.pop(order.oco_ref or "", None)
        return False
    partner = _partner(kept, order)
    if partner is not None and _closed_alone(partner):  # (one cancels the other)
        cancel_order(exchange, order.order_id, "oco_other_closed")
        return True
    primary = kept.orders.get(order.primary_order_id or "")
    part = _part_now(exchange, order, primary, partner)
    if order.is_secondary_oto:
        if part > ZERO:
            _place(exchange, kept, replace(order, amount=part, max_show=part, linked_part=part))
            return True
        if primary is None or not primary.is_open:
            cancel_order(exchange, order.order_id, "oto_primary_closed")
            return True
        return False
    if part == order.linked_part:
        return False
    amount = order.amount + part - order.linked_part
    kept.put(replace(order, linked_part=part))  # (given, whatever the edit answers)
    if amount <= order.filled_amount:
        cancel_order(exchange, order.order_id, "oco_other_closed")
        return True
    with suppress(ExchangeError):  # (a growth its funds or bounds no longer take: it keeps its amount)
        edit_order(exchange, EditDeribitOrder(order.order_id, amount, order.price))
    return True


def _partner(kept: DerivativeOrders, order: DerivativeOrder) -> DerivativeOrder | None:
    """The other order of an order's OCO pair, while the exchange keeps it."""
    pair = kept.pairs.get(order.oco_ref or "")
    if pair is None:
        return None
    return kept.orders.get(pair[1] if pair[0] == order.order_id else pair[0])


def _closed_alone(order: DerivativeOrder) -> bool:
    """Whether an order closed otherwise than filled, and not by its links (cancelled by its client, expired,
    rejected)."""
    by_links = order.cancel_reason in ("oco_other_closed", "oto_primary_closed")
    return not order.is_open and order.order_state != "filled" and not by_links


def _part_now(
    exchange: DeribitExchange, order: DerivativeOrder, primary: DerivativeOrder | None, partner: DerivativeOrder | None
) -> Decimal:
    """An incremental order's part now: its primary's filled share of its amount as linked (all of it without a
    primary), less its partner's filled share of it; once its primary is no longer kept (its account's history
    dropped it), what it was given last."""
    whole = order.linked_amount
    assert whole is not None
    if order.primary_order_id is not None and primary is None:
        return order.linked_part
    contract = exchange.market.instrument(order.instrument_name).min_trade_amount
    given = whole if primary is None else _share(whole, primary.filled_amount, primary.amount, contract)
    cut = ZERO
    if partner is not None and partner.linked_amount is not None:
        cut = _share(whole, partner.filled_amount, partner.linked_amount, contract)
    return max(given - cut, ZERO)


def _share(whole: Decimal, filled: Decimal, of: Decimal, contract: Decimal) -> Decimal:
    """`whole`'s share `filled / of`, rounded down to the contract size (Deribit's words for incremental)."""
    if of <= ZERO:
        return ZERO
    return min(whole, whole * filled // (of * contract) * contract)
