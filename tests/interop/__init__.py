"""Interop tests against real authorization servers."""
