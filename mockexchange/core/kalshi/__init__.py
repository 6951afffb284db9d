"""Kalshi's state: the ledger (accounts and subaccounts, events and markets, fills, resting orders, settlements,
transfers), the market position rows it keeps column by column, the fill log, position arithmetic and fees.

Imports core's shared modules only: never `core.deribit`, nothing above core.
"""
