"""Every Deribit method the mock serves over HTTP and the websocket, by name: one table built from the modules that
each serve a part of the API (the websocket-only methods are in `websocket.py`)."""

from __future__ import annotations

from mockexchange.venues.deribit import (
    api_keys,
    cancel_on_disconnect,
    funding_data,
    history,
    index_data,
    instrument_reads,
    margins,
    market_data,
    market_makers,
    methods,
    order_history,
    order_reads,
    order_writes,
    orders,
    platform_data,
    risk,
    sessions,
    settlements,
    subaccounts,
    summaries,
    trade_history,
    transaction_log,
    wallet,
)
from mockexchange.venues.deribit.methods import Method

METHODS: dict[str, Method] = {
    **methods.METHODS, **orders.METHODS, **order_writes.METHODS, **order_history.METHODS, **history.METHODS,
    **subaccounts.METHODS, **wallet.METHODS, **transaction_log.METHODS, **market_data.METHODS,
    **margins.METHODS, **trade_history.METHODS, **summaries.METHODS, **instrument_reads.METHODS,
    **settlements.METHODS, **index_data.METHODS, **funding_data.METHODS, **platform_data.METHODS,
    **cancel_on_disconnect.METHODS, **order_reads.METHODS, **risk.METHODS, **market_makers.METHODS,
    **api_keys.METHODS, **sessions.METHODS,
}  # fmt: skip
