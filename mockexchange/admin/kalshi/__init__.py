"""The inspector's Kalshi panels: an account's reads through the venue's own operations, its markets, orders and order
groups; and Kalshi's section of `mockexchange serve`'s banner (banner.py)."""
