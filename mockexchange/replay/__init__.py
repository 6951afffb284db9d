"""Replay (`serve --replay FILE`, docs/replay.md): a tape's recorded answers served instead of the venues' own.

`matching` says which recorded request a live one is (and, when none is, the nearest and what differs), `reel` loads a
tape within its bound and keeps each request's answers in order, `player` is the ASGI middleware that answers HTTP and
websocket requests from it. Floor 6: imports the tape's format (recording/, 2), web/ and core's clock (1); each
venue's paths and error shapes are its registration's `proxied` part, given by app.py; nothing of the venues' state
or routes.
"""
