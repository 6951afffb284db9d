"""Deribit's linked orders as an order placed carries them (`linked_order_type`, `otoco_config`): what its secondaries
are, each checked as an order of its own, and the fields that link the orders together.

- one_triggers_other (OTO): the primary is placed; its secondaries wait for it (`is_secondary_oto`: `untriggered`, off
  the book and the triggers, holding no margin) and are placed when it fills as `trigger_fill_condition` says
  (`first_hit`: its first fill; `complete_fill`: filled whole), or cancelled (`oto_primary_closed`) if it closes
  before.
- one_cancels_other (OCO): the order and its one secondary are both placed at once, sharing an `oco_ref`; when one of
  them triggers, fills (its first fill; `complete_fill`: filled whole) or closes, the other is cancelled
  (`oco_other_closed`).
- one_triggers_one_cancels_other (OTOCO): an OTO whose two secondaries, once placed, are an OCO pair.

With `trigger_fill_condition` `incremental` a link moves amounts instead (triggers.py's `_incremental`): each order
whose amount it moves keeps its amount as linked (`linked_amount`) and the part the link has given it (`linked_part`).
A secondary's part is its amount's share of what its primary has filled (filled / the primary's amount), rounded
down to the instrument's contract size: placed at its first part, grown (private/edit's road) as the primary fills
on; an OCO order's part is its amount less the same share of what its partner has filled, cut as the partner fills.

The transitions run where the orders' prices move (triggers.py's `fire`, after every change that may fill or trigger
an order), through the same placing, triggering and cancelling as any order's; `DerivativeOrders.linked` holds the ids
whose links are still to settle, `DerivativeOrders.pairs` each OCO pair.
"""

from __future__ import annotations

from dataclasses import replace

from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.order_commands import DeribitOrder, LinkedLeg, PlaceDeribitOrder
from mockexchange.core.deribit.orders import DerivativeOrder, DerivativeOrders
from mockexchange.core.values import Refused

OTO, OCO, OTOCO = "one_triggers_other", "one_cancels_other", "one_triggers_one_cancels_other"
INCREMENTAL = "incremental"
# How many secondaries each linked type carries: (least, most).
LEG_COUNTS = {OTO: (1, 10), OCO: (1, 1), OTOCO: (2, 2)}


def legs(order: DeribitOrder) -> tuple[PlaceDeribitOrder, ...]:
    """The order's secondaries as orders of its wallet and instrument, each its own terms (their defaults: the
    primary's amount, the other direction, a limit good till cancelled); refused (-32602 `otoco_config`,
    `linked_order_type`) where the linked type and the secondaries disagree."""
    linked, config = order.linked_order_type, order.otoco_config
    if linked is None:
        if config:
            raise ExchangeError("otoco_config needs a linked_order_type", param="linked_order_type")
        return ()
    least, most = LEG_COUNTS[linked]
    if not least <= len(config) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise ExchangeError(f"a {linked} order needs {wanted} orders in otoco_config", param="otoco_config")
    return tuple(_leg(order, leg, i) for i, leg in enumerate(config))


def _leg(order: DeribitOrder, leg: LinkedLeg, i: int) -> PlaceDeribitOrder:
    other = "sell" if order.direction == "buy" else "buy"
    try:
        return PlaceDeribitOrder(
            user_id=order.user_id, instrument_name=order.instrument_name, direction=leg.direction or other,
            amount=order.amount if leg.amount is None else leg.amount, price=leg.price,
            subaccount_id=order.subaccount_id, order_type=leg.type or "limit",
            time_in_force=leg.time_in_force or "good_til_cancelled", label=leg.label or "",
            post_only=bool(leg.post_only), reject_post_only=bool(leg.reject_post_only),
            reduce_only=bool(leg.reduce_only), trigger=leg.trigger, trigger_price=leg.trigger_price,
            trigger_offset=leg.trigger_offset,
        )  # fmt: skip
    except Refused as exc:
        raise ExchangeError(f"otoco_config[{i}]: {exc}", param="otoco_config") from None


def link(
    order: DeribitOrder, primary: DerivativeOrder, others: list[DerivativeOrder]
) -> tuple[DerivativeOrder, list[DerivativeOrder]]:
    """The primary and its secondaries (their ids drawn already) with the fields that link them."""
    linked, condition = order.linked_order_type, order.trigger_fill_condition
    incremental = condition == INCREMENTAL

    def linking(made: DerivativeOrder, given: bool = True) -> DerivativeOrder:
        """`given`: an order placed whole (an OCO's), else a secondary waiting for its primary's fills' parts."""
        made = replace(made, linked_order_type=linked, trigger_fill_condition=condition)
        if not incremental:
            return made
        return replace(made, linked_amount=made.amount, linked_part=made.amount if given else ZERO)

    if linked == OCO:
        ref = f"OCO-{primary.order_id}"
        return replace(linking(primary), oco_ref=ref), [replace(linking(others[0]), oco_ref=ref)]
    ids = tuple(other.order_id for other in others)
    primary = replace(primary, linked_order_type=linked, trigger_fill_condition=condition, oto_order_ids=ids,
                      is_primary_otoco=linked == OTOCO)  # fmt: skip
    others = [
        replace(linking(other, given=False), order_state="untriggered", is_secondary_oto=True,
                primary_order_id=primary.order_id)
        for other in others
    ]  # fmt: skip
    if linked == OTOCO:
        ref = f"OCO-{others[0].order_id}"
        others = [replace(other, oco_ref=ref) for other in others]
    return primary, others


def register(kept: DerivativeOrders, primary: DerivativeOrder, others: list[DerivativeOrder]) -> None:
    """Keep the links of orders placed to settle: each OCO pair, and the primary of waiting secondaries (an OCO's
    other order); of an incremental link, each order whose amount the link moves (it settles itself)."""
    if not others:
        return
    ref = others[0].oco_ref
    if ref is not None:
        pair = (primary, others[0]) if primary.oco_ref == ref else (others[0], others[1])
        kept.pairs[ref] = (pair[0].order_id, pair[1].order_id)
    if primary.trigger_fill_condition == INCREMENTAL:
        moved = (made.order_id for made in (primary, *others) if made.linked_amount is not None)
        kept.linked.update(dict.fromkeys(moved))
        return
    kept.linked[primary.order_id] = None
    if ref is not None and primary.oco_ref is not None:
        kept.linked[others[0].order_id] = None
