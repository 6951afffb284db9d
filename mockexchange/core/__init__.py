"""Venue-neutral state: money, the clock, the Kalshi ledger and its indexes (and the recent past its lagged reads see,
`versions`), held column by column at scale (`columns`, `fill_log`), the derivatives book, events; and the one reader
of integers from untrusted text (`numbers`), which every floor above uses.

Imports nothing of mockexchange outside itself, and no HTTP (no Starlette, no uvicorn): it is the ground floor.
"""
