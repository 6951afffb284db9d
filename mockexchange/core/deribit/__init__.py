"""Deribit's state: the Deribit exchange (instruments, prices, wallets, trades, positions, deliveries, account
summaries), its resting orders, instrument names and the derivatives arithmetic (P&L, margins, Black-76).

Imports core's shared modules only: never `core.kalshi`, nothing above core.
"""
