"""The contract kit: schema slices of the venues' published specs, drift reports, and schemathesis suites that check
the mock or any server against them."""
