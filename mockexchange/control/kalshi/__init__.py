"""Kalshi's operations on the control plane: its table of operations (operations.py), their answers in plain values by
area, its key handlers, the REST lag and the timer that runs markets' due transitions on the system clock."""
