"""Kalshi's API keys (RSA and Ed25519 public halves, subaccount and subtrader bindings) and its request signature."""
