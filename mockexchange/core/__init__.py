"""The state under the venues, split by venue: `kalshi/` (the ledger and what it keeps) and `deribit/` (the
Deribit exchange and what it keeps); beside them what both stand on: the clock, events, money, numbers (the one
reader of integers from untrusted text, which every floor above uses), bounded JSON (the one reader of JSON a client
sent, within a depth), columns (large state held column by column), versions (the recent past lagged reads see),
faults, rate limits and connections.

The shared modules import neither venue's package, and the two venues' packages do not import each other. Core
imports nothing of mockexchange outside itself, and no HTTP (no Starlette, no uvicorn): it is the ground floor.
"""
