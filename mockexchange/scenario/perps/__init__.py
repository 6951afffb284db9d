"""The perps exchange's part of the demo (`serve` without a scenario): its markets, their resting liquidity and the
demo user's margin cash (demo.py)."""
