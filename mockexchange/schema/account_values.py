"""What the contract kit knows of the account it checks with and of that account's exchange (`AccountValues`), and
how a field of a request draws from it (`AccountValue`): the values only such a request satisfies, found before a
case is drawn (contract/kalshi/discovery.py, orders.py, rfq_setup.py) or given by the suites' seed."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class AccountValues:
    """What exists on the account the kit checks with, and on its exchange, for the fields only such values satisfy
    (`ACCOUNT_VALUES`; refinements.MARKET_VALUES). Empty: not known, so a valid request cannot be drawn for an
    operation that needs one."""

    subtrader_ids: tuple[str, ...] = ()  # the FCM member's subtraders the key may act for
    public_keys: tuple[str, ...] = ()  # public key PEMs the kit may upload (it made them)
    api_key_ids: tuple[str, ...] = ()  # keys of the account the kit may delete (never the one it signs with)
    market_tickers: tuple[str, ...] = ()  # open markets whose positions a subtrader may move
    transfer_targets: tuple[str, ...] = ()  # subtraders under the FCM's error account
    # What the server's exchange lists (public market data, refinements.MARKET_VALUES): its markets, events and
    # series, and one series with its markets and its events (a path naming both must name a pair that exists).
    listed_markets: tuple[str, ...] = ()
    listed_events: tuple[str, ...] = ()
    listed_series: tuple[str, ...] = ()
    candle_series: tuple[str, ...] = ()
    candle_markets: tuple[str, ...] = ()
    historical_markets: tuple[str, ...] = ()  # markets the historical API holds (settled before its cutoff)
    candle_events: tuple[str, ...] = ()
    # Orders (`contract check --orders`; the suites' seed_orders): open markets on whole cents, all on one exchange
    # index, that take orders; that index; the account's orders (any status) and the resting ones the kit placed to
    # be changed (all bids of the first order market, without a client order id); the order groups it may name, and
    # those it made to be deleted (DeleteOrderGroup names only these: the others stay for the other group writes).
    order_markets: tuple[str, ...] = ()
    order_exchange_indexes: tuple[int, ...] = ()  # the index and -1 (route by the ticker the request names)
    resting_order_exchange_indexes: tuple[int, ...] = ()  # the index alone (-1 routes only with a market_ticker)
    order_ids: tuple[str, ...] = ()
    resting_order_ids: tuple[str, ...] = ()
    resting_order_markets: tuple[str, ...] = ()
    resting_order_sides: tuple[str, ...] = ()
    order_group_ids: tuple[str, ...] = ()
    deletable_order_group_ids: tuple[str, ...] = ()
    # The communications API (refinements.COMMUNICATIONS_VALUES): the RFQs the exchange lists (every user sees every
    # RFQ), the quotes the account may read (it made them, or they are on its RFQs), and one quote with its RFQ, for
    # a path that names both.
    rfq_ids: tuple[str, ...] = ()
    quote_ids: tuple[str, ...] = ()
    quoted_rfq_ids: tuple[str, ...] = ()  # the RFQ of `rfq_quote_ids`' quote
    rfq_quote_ids: tuple[str, ...] = ()
    # The communications writes (`contract check --communications`; contract/kalshi/rfq_setup.py): the kit's own RFQs
    # to delete, and, with another user's key, that user's RFQs to quote, the quotes it offers on the kit's RFQs (to
    # accept), the kit's quotes on its RFQs (to delete) and those it accepted (to confirm), each write with records of
    # its own; a `pair_` field names one quote with its RFQ for a path that names both. The block trades: the two
    # users' ids, a proposal of the other user's to the account, an expiration within a day of the exchange's now.
    rfq_markets: tuple[str, ...] = ()  # order markets the account has asked for no RFQ on
    deletable_rfq_ids: tuple[str, ...] = ()
    quotable_rfq_ids: tuple[str, ...] = ()
    offered_quote_ids: tuple[str, ...] = ()
    offered_pair_rfq_ids: tuple[str, ...] = ()
    offered_pair_quote_ids: tuple[str, ...] = ()
    own_quote_ids: tuple[str, ...] = ()
    own_pair_rfq_ids: tuple[str, ...] = ()
    own_pair_quote_ids: tuple[str, ...] = ()
    accepted_quote_ids: tuple[str, ...] = ()
    accepted_pair_rfq_ids: tuple[str, ...] = ()
    accepted_pair_quote_ids: tuple[str, ...] = ()
    own_user_ids: tuple[str, ...] = ()
    counterparty_user_ids: tuple[str, ...] = ()
    block_trade_proposal_ids: tuple[str, ...] = ()
    block_trade_expirations: tuple[str, ...] = ()
    # Multivariate collections: those the exchange lists (refinements.MARKET_VALUES), and for a combo's creation an
    # open collection with legs it takes (`TickerPair` objects: the YES side of open markets of its events, each once).
    listed_collections: tuple[str, ...] = ()
    combo_collections: tuple[str, ...] = ()
    combo_legs: tuple[dict[str, str], ...] = ()
    # What the exchange is told from outside (refinements.LIVE_DATA_VALUES, which says what each is).
    milestone_ids: tuple[str, ...] = ()
    live_milestone_ids: tuple[str, ...] = ()
    live_data_types: tuple[str, ...] = ()
    typed_milestone_ids: tuple[str, ...] = ()
    live_event_tickers: tuple[str, ...] = ()
    weather_cities: tuple[str, ...] = ()
    structured_target_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountValue:
    """A field drawn from `AccountValues.<source>`. Without values an optional body field is left out of valid
    requests; a required one stays as published and the operation is not expected to accept any (`ACCEPTANCE`)."""

    operations: tuple[str, ...]
    field: str  # a body property, or `query:NAME` / `path:NAME`
    source: str  # the `AccountValues` attribute
    reason: str


def values_of(account: AccountValues, source: str) -> tuple[str, ...]:
    if source not in {f.name for f in fields(AccountValues)}:
        raise KeyError(f"AccountValues has no {source!r}")
    return getattr(account, source)
