"""What a user's test suite imports: the pytest plugin (its fixtures and options) and request signers.

May import `server`, `scenario`, `auth` and `core`; not the contract kit.
"""
