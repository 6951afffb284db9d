"""Deribit's JSON-RPC API v2 over HTTP and the websocket, and the SignalPlus gateway's dialect of it."""
