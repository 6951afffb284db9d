"""Kalshi's perps exchange on the wire: REST under /trade-api/v2/margin (table.py: the operations it serves, routes.py),
signed with Kalshi's keys through Kalshi's venue (its context's authentication), refused in Kalshi's error shape, each
answer rendered from the perps core's state (render.py).

Imports core/perps and Kalshi's venue (its signing, its error bodies and its body and query readers, which the perps
exchange's Go server shares), never the control plane.
"""
