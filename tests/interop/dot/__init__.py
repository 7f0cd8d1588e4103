"""A tiny Django project serving django-oauth-toolkit, run as a subprocess by `tests/interop/dot_server.py`."""
