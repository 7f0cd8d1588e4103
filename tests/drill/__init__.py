"""The rotation drill: secrets rotated under load against oidc-provider, with OpenBao, moto and a file.

`python -m tests.drill` runs it with both secret backends and prints the
report; `test_drill.py` runs it in the test suite and asserts its goals.
"""
