"""The package's version, in one place: pyproject.toml reads it at build time, `--version` and the health check
answer it."""

__version__ = "0.1.0"
