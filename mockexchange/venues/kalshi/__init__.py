"""Kalshi's Trade API v2 portfolio surface: REST under /trade-api/v2, the websocket at /trade-api/ws/v2, both wire
profiles, and the generated-responses mode."""
