"""Kalshi perps' section of `mockexchange serve`'s banner (banner.py)."""
