"""Django settings of the django-oauth-toolkit interop server: DOT's defaults, one sqlite file."""

from __future__ import annotations

import os
import secrets

SECRET_KEY = secrets.token_urlsafe(32)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "oauth2_provider"]
MIDDLEWARE = ["tests.interop.dot.views.count_requests"]
ROOT_URLCONF = "tests.interop.dot.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DOT_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# DOT's defaults otherwise: scopes read and write, Basic credentials decoded with unquote_plus,
# a bare 403 from ProtectedResourceView for a missing, expired or revoked token.
OAUTH2_PROVIDER = {"ACCESS_TOKEN_EXPIRE_SECONDS": 3600}
# Django's default logging, less its warnings for 4xx answers the tests provoke on purpose
# (`credflow check` GETs the token endpoint); server errors still reach stderr.
LOGGING = {"version": 1, "disable_existing_loggers": False, "loggers": {"django.request": {"level": "ERROR"}}}
