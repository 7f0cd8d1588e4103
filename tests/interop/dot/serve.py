"""Start the DOT interop server: migrate a fresh sqlite file, register one client, serve on loopback.

Run as `python -m tests.interop.dot.serve` from the repository root, with DOT_DATABASE (the
sqlite file), DOT_CLIENT_ID and DOT_CLIENT_SECRET in the environment (never on the command
line). Prints one JSON line {"port": N} once it listens.
"""

from __future__ import annotations

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.interop.dot.settings")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # the tests count requests themselves


def main() -> None:
    """Prepare the database and the client, then serve until terminated."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    Application.objects.create(
        name="credflow",
        client_id=os.environ["DOT_CLIENT_ID"],
        client_secret=os.environ["DOT_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        # DOT hashes secrets with Django's PBKDF2 (a second of CPU per check on a loaded machine);
        # the comparison it makes either way is what these tests exercise.
        hash_client_secret=False,
    )
    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
