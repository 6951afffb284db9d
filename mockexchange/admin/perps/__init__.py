"""The inspector's Kalshi perps panel (panel.py: its accounts and one margin subaccount, rendered by the venue's
renderers; its page script and style in static/); and Kalshi perps' section of `mockexchange serve`'s banner
(banner.py)."""
