"""Deribit's operations on the control plane: its table of operations (operations.py), their answers in plain values,
its key handlers and the instruments a fresh mock lists."""
