"""A tiny Django project serving django-oauth-toolkit, run as a subprocess by `dot_server.py`."""
