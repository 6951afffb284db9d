"""The perps exchange's control-plane operations (operations.py) and their plain answers (answers.py).

Imports core/perps and control/'s shared modules.
"""
