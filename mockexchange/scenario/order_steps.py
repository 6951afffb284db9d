"""What a scenario file says of orders: Deribit's seeded orders (the `deribit:` set-up's `orders` and the timeline's
`deribit_order`), and the timeline's counterparty orders, `place_order` (Kalshi, as `POST /portfolio/events/orders`
places one) and `deribit_place_order` (Deribit, as `private/buy` and `private/sell` do).

A counterparty order is the core's command of its name (core/kalshi/order_commands.py, core/deribit/order_commands.py),
with its fields: it crosses the book, every account's resting orders and the house's levels included, its funds checked,
then rests or ends. It is the other side of a bot's trade, where Kalshi's seeded `order` never takes and a `fill` books
a trade without a book.

Each field is read as its kind of value when the file is read, its words the core's; what only the state can say (an
unknown user or market, a price off the market's levels, funds short) is refused when the step runs, naming its line.
"""

from __future__ import annotations

from mockexchange.core.commands import Command
from mockexchange.core.deribit.order_commands import PlaceDeribitOrder, SeedDeribitOrder
from mockexchange.core.kalshi.order_commands import PlaceOrder
from mockexchange.scenario.scalars import Specs, command_specs, instrument

# Kalshi's CreateOrderV2Request (`side` bid or ask), or the legacy CreateOrderRequest (`side` yes or no with `action`),
# for the user: the `PlaceOrder` command's fields (core/kalshi/order_commands.py). `price` is the YES price.
PLACE_ORDER = command_specs(PlaceOrder)
# The steps that are a command of the core's, made when the file is read and run as it is
COMMANDS: dict[str, type[Command]] = {
    "place_order": PlaceOrder, "deribit_order": SeedDeribitOrder, "deribit_place_order": PlaceDeribitOrder,
}  # fmt: skip


def deribit_specs(cls: type[Command], *leave: str, required: tuple[str, ...] = ()) -> Specs:
    """A Deribit command's fields as a scenario takes them (core/deribit/: an order's, deribit_steps.py's): an
    instrument's name read as one (an unknown kind of name refused when the file is read)."""
    return command_specs(cls, *leave, required=required, checks={"instrument_name": instrument})


# A seeded Deribit order (`deribit_order`): it may rest untriggered, keep an id given.
DERIBIT_ORDER = deribit_specs(SeedDeribitOrder)
# A Deribit client's order (`deribit_place_order`): a market order, immediate-or-cancel and fill-or-kill too.
DERIBIT_PLACE_ORDER = deribit_specs(PlaceDeribitOrder)

STEPS: dict[str, Specs] = {"place_order": PLACE_ORDER, "deribit_place_order": DERIBIT_PLACE_ORDER}
