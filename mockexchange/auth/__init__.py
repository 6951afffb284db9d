"""Who is calling: API keys and the venues' signature and token schemes, one subpackage per venue, transport-free; and
the credentials they read kept out of what the mock keeps or shows (`redact`: the journal, the inspector's frames,
the proxy's tapes, a diagnosis that quotes a value).

May import `core` only (the clock, the event bus Kalshi's key registry publishes on, the bounded JSON reader): no
venue, no HTTP.
"""
