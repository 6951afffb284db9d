"""The published schemas at run time: loading the committed slices, following `$ref`s, Kalshi's unstated rules, and
checking requests, websocket frames and response fields against them. Used by the journal, the venues and the kit.

May import `core` only: no venue, no HTTP, no server.
"""
