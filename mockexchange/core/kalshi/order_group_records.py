"""What Kalshi's order groups publish on the bus: the kind of a group's change (a `GroupEvent`). A group, its
window and its event are venue-neutral (core/order_groups.py)."""

from __future__ import annotations

GROUP = "order_group"  # the bus's kind for a group's change (a GroupEvent)
