"""Kalshi's perps (its margin exchange): perpetual markets, their orders on the shared book (core/book.py), fills,
positions with their entry price and P&L, margin and fees, and the typed commands that change them. Cash is the
margined exchange instance's (Kalshi's), reached through `cash.MarginCash`: this package imports no other venue's.

Imports only core/'s shared modules.
"""
