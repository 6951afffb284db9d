"""Venue-neutral state: money, the clock, the Kalshi ledger and its indexes, the derivatives book, events.

Imports nothing of mockexchange outside itself, and no HTTP (no Starlette, no uvicorn): it is the ground floor.
"""
