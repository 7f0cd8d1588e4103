"""The soak: `python -m tests.soak` (or `nox -s soak`) runs it and prints the report."""
