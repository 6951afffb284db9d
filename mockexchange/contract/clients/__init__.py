"""The client matrix: published client libraries in their own venvs, the portfolios they read, the scripts they run,
and how each answer is judged against the mock's state."""
