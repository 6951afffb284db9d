"""Scenario files (parse, validate), the runner that plays their timeline on the exchange clock, and the demo generator.

May import `core` and `control`: a scenario step is a control operation, nothing more.
"""
