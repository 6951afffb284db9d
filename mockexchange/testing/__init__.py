"""The pytest plugin and helpers that sign requests in tests."""
