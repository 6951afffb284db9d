"""pykalshi (PyPI `pykalshi`), run inside that client's own venv: positions, balance, fills and settlements, and the
market data, orders, subaccounts, keys, the historical API and the multivariate collections, as its users read them.

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how pykalshi is driven. It imports the client library, the standard library and the harness.

`method` is a dotted path on pykalshi's `KalshiClient` (`portfolio.get_positions`, `portfolio.get_fills`,
`portfolio.get_balance`, `portfolio.place_order`, `get_markets`, `exchange.get_status`, ...), or `market_orderbook`: a
market's book as its users reach it, through the `Market` the client answers (`get_market(ticker).get_orderbook()`).
An order's fields come as Kalshi's v2 request names them (`side`, `price`, `count`) and go as pykalshi's calls take
them (`book_side`, `price_dollars`, `count_fp`; a batch as its list, a batch cancel as its ids).

A list method answers a plain list and keeps the page's cursor to itself: its users read every page with
`fetch_all=True`, which the plan passes and the harness's `iterate` op drains. The pages and cursors are read from the
requests the client sent, which a response hook on its HTTP session logs (pykalshi 2.0.0 has no public hook for its
transport, so the hook is set on its `_session`). Its positions list keeps the market positions only. A filter the
client takes as an enum (`count_filter`) is given as that enum, as its users pass it. Its own objects (a `Market`, an
`Event`, a `Series`, an `Order`) are dumped as the model they hold (`data`); models under their field names, which are
the wire's; amounts stay the wire's strings. Its errors are `KalshiAPIError`s with the HTTP status in `status_code`.

Usage: python -I pykalshi_client.py plan.json (with the MOCKEXCHANGE_* variables the harness reads).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qsl

from pykalshi import Event, KalshiClient, Market, MveCollection, Order, Series
from pykalshi.enums import CandlestickPeriod, PositionCountFilter, SelfTradePrevention, TimeInForce
from pykalshi.models import QuoteModel, RfqModel

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness

# a parameter the client takes as its enum
ENUMS = {"count_filter": PositionCountFilter, "time_in_force": TimeInForce, "period": CandlestickPeriod}
# An order's fields (CreateOrderV2Request's, AmendOrderV2Request's) under the names pykalshi's calls take them
ORDER_NAMES = {"side": "book_side", "price": "price_dollars", "count": "count_fp", "reduce_by": "reduce_by_fp",
               "self_trade_prevention_type": "self_trade_prevention"}  # fmt: skip
OBJECTS = (Market, Event, Series, Order, MveCollection)  # its own objects around a model (`data`)
# its models that keep the wire's `id` under a name of their own: dumped with the wire's `id` as well
RECORD_IDS = {RfqModel: "rfq_id", QuoteModel: "quote_id"}


class Client:
    """pykalshi's `KalshiClient`, and what its users reach through the objects it answers: a market's book
    (`market_orderbook`: `get_market(ticker).get_orderbook()`, the book it holds), a combo market made in a
    collection (`create_combo`: `get_mve_collection(ticker).create_market(legs)`, the combo's `Market`), an event's
    forecast (`event_forecast`: `get_event(ticker).get_forecast_percentile_history(percentiles)`)."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client

    def market_orderbook(self, ticker: str):
        return self.client.get_market(ticker).get_orderbook().orderbook

    def create_combo(self, collection_ticker: str, selected_markets: list[dict]):
        return self.client.get_mve_collection(collection_ticker).create_market(selected_markets)

    def event_forecast(self, ticker: str, percentiles: list[int] | None = None, **window):
        # (its method takes no series and no window: what the plan gives of them it cannot send)
        return self.client.get_event(ticker).get_forecast_percentile_history(percentiles)

    def __getattr__(self, name: str):
        return getattr(self.client, name)


def connect(base_url: str, key_id: str, pem_path: str) -> tuple[Client, list[dict]]:
    client = KalshiClient(api_key_id=key_id, private_key_path=pem_path, api_base=base_url, max_retries=0)
    log: list[dict] = []

    def logged(response) -> None:
        url = response.request.url
        query = dict(parse_qsl(url.query.decode(), keep_blank_values=True))
        log.append({"path": url.path, "query": query, "status": response.status_code})

    client._session.event_hooks = {"request": [], "response": [logged]}
    return Client(client), log


def arguments(method, args: dict) -> dict:
    """The plan's arguments as pykalshi's call takes them: an order's fields under its names, a batch as its list (of
    items in its canonical shape: `book_side`, `price_dollars`, the rest as sent), enums as its enums."""
    name = getattr(method, "__name__", "")
    if name == "batch_place_orders":
        items = [
            {{"side": "book_side", "price": "price_dollars"}.get(k, k): v for k, v in o.items()} for o in args["orders"]
        ]
        return {"orders": items}
    if name == "batch_cancel_orders":
        return {"order_ids": [order["order_id"] for order in args["orders"]]}
    if name == "create_rfq":  # (it takes the size as `contracts_fp` only)
        return {k: v for k, v in args.items() if k != "contracts"} | {"contracts_fp": f"{args['contracts']:.2f}"}
    if name == "get_queue_positions":
        return {"market_tickers": args["market_tickers"].split(",")}
    if name in ("place_order", "amend_order", "decrease_order"):
        args = {ORDER_NAMES.get(k, k): v for k, v in args.items()}
        if "self_trade_prevention" in args:
            args["self_trade_prevention"] = SelfTradePrevention(args["self_trade_prevention"])
    return {k: ENUMS[k](v) if k in ENUMS else v for k, v in args.items()}


def unwrap(answer):
    named = RECORD_IDS.get(type(answer))  # (its users read the wire's `id` as `rfq.rfq_id`, `quote.quote_id`)
    if named is not None:
        return {"id": getattr(answer, named), **answer.model_dump()}
    return answer.data if isinstance(answer, OBJECTS) else answer


if __name__ == "__main__":
    client_harness.run(client_harness.Family("pykalshi", connect, arguments=arguments, unwrap=unwrap))
