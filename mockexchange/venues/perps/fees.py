"""The perps exchange's fee reads: the key's user's rates in each market (its tier's: GetMarginFeeTiers) and the fee
schedule's tiers (GetMarginFeeTierRates), from core/perps/fees.py's schedule; rates as the spec's doubles (decimal
fractions of the notional)."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.perps.errors import not_enabled
from mockexchange.core.perps.fees import SCHEDULE, TIERS
from mockexchange.venues.kalshi.params import Query
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext, refused


def fee_tiers(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    state = ctx.exchange.state
    tier = TIERS[state.fee_tiers.get(key.user_id, 0)]
    tickers = sorted(state.markets)
    return {
        "maker_fee_rates": dict.fromkeys(tickers, render.rate(tier.maker)),
        "taker_fee_rates": dict.fromkeys(tickers, render.rate(tier.taker)),
    }


def fee_tier_rates(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    if key.user_id in ctx.exchange.state.disabled:
        raise refused(not_enabled())
    return {
        "fee_tier_rates": [
            {"fee_schedule": tier.schedule, "tier": tier.tier, "maker_fee_rate": render.rate(tier.maker),
             "taker_fee_rate": render.rate(tier.taker)}
            for tier in SCHEDULE
        ]
    }  # fmt: skip
