"""Focused tests of secret rotation: re-read, candidates, Kubernetes swaps, audit events."""
