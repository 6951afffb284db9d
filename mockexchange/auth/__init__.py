"""Who is calling: API keys and the venues' signature and token schemes, one subpackage per venue, transport-free.

May import `core` (the clock, the event bus Kalshi's key registry publishes on) and `redact` (what a diagnosis may not
quote) only: no venue, no HTTP.
"""
