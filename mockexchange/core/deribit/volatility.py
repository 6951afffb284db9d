"""A currency's volatility as Deribit's public reads show it: its historical volatility
(`public/get_historical_volatility`, in percent), set through the control plane over the exchange clock (a path,
price_path.py), and the name of its volatility index (DVOL: `btcdvol_usdc`), an index whose price is set as any
index's is (market.py) and whose candles `public/get_volatility_index_data` reads (index_history.py).

The implied volatility options are marked with is the market's (market.py's `set_volatility`), not this.
"""

from __future__ import annotations

from mockexchange.core.deribit.path_feed import PathFeed
from mockexchange.core.deribit.records import Price


def volatility_index(currency: str) -> str:
    """The price index of a currency's volatility index (Deribit's `btcdvol_usdc`, `ethdvol_usdc`)."""
    return f"{currency.lower()}dvol_usdc"


class HistoricalVolatility(PathFeed):
    """Each currency's historical volatility (the state's `historical_volatility`, by upper-case code)."""

    name = "historical_volatility"

    def history(self, currency: str) -> list[Price]:
        """The points set up to now, oldest first (none: nothing set)."""
        path = self.state.historical_volatility.get(currency)
        return [] if path is None else path.until(self.state.clock.now())
