"""`credflow request`: an API call with the client's token; the body printed, HTTP errors exit 7."""

from __future__ import annotations

import http
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from credflow.cli import ExitCode
from credflow.testing import AuthServer

from .conftest import Run


def test_get_prints_the_body(run: Run, config_path: Path, server: AuthServer) -> None:
    """A GET with the token's scope prints the API's answer and exits 0."""
    outcome = run("request", "--config", str(config_path), f"{server.api_url}/read/items")

    answer = json.loads(outcome.out)
    assert (ExitCode.OK, "", True, "GET", "/api/read/items") == (
        outcome.code,
        outcome.err,
        answer["ok"],
        answer["method"],
        answer["path"],
    )


def test_data_and_headers_are_sent(run: Run, config_path: Path, server: AuthServer) -> None:
    """-d sends a body (POST by default) and -H adds headers."""
    outcome = run(
        "request",
        "--config",
        str(config_path),
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"amount": 3}',
        f"{server.api_url}/read",
    )

    answer = json.loads(outcome.out)
    assert (ExitCode.OK, "POST", {"amount": 3}) == (outcome.code, answer["method"], answer["json"])


def test_data_from_a_file(run: Run, config_path: Path, server: AuthServer, tmp_path: Path) -> None:
    """-d @FILE reads the body from a file; -X picks the method."""
    body = tmp_path / "body.json"
    body.write_text('{"from": "file"}')

    outcome = run(
        "request", "--config", str(config_path), "-X", "put", "-H", "Content-Type: application/json",
        "-d", f"@{body}", f"{server.api_url}/read",
    )  # fmt: skip

    answer = json.loads(outcome.out)
    assert ("PUT", {"from": "file"}) == (answer["method"], answer["json"])


def test_http_error_status_exits_7(run: Run, config_path: Path, server: AuthServer) -> None:
    """A 403 (scope api.write not granted) prints the body and exits 7."""
    outcome = run("request", "--config", str(config_path), f"{server.api_url}/write")

    assert (ExitCode.API_ERROR, {"ok": False, "error": "insufficient_scope"}) == (
        outcome.code,
        json.loads(outcome.out),
    )
    assert f"credflow: error: GET {server.api_url}/write answered HTTP 403 FORBIDDEN\n" == outcome.err


def test_plain_http_to_a_remote_host_is_refused(run: Run, config_path: Path) -> None:
    """The secure wrapper refuses to send a token over http to a remote host: exit 3."""
    outcome = run("request", "--config", str(config_path), "http://api.example.com/items")

    assert (ExitCode.CONFIG, "") == (outcome.code, outcome.out)
    assert "refusing plain http:// to remote host 'api.example.com'" in outcome.err


def test_unreachable_api_exits_6(run: Run, config_path: Path, closed_port: int) -> None:
    """An API nothing answers at is a network error."""
    outcome = run("request", "--config", str(config_path), f"http://127.0.0.1:{closed_port}/x")

    assert ExitCode.NETWORK == outcome.code
    assert outcome.err.startswith("credflow: error: ConnectError: ")


def test_malformed_header_is_a_usage_error(run: Run, config_path: Path, server: AuthServer) -> None:
    """-H without a colon exits 2."""
    outcome = run("request", "--config", str(config_path), "-H", "nocolon", server.api_url)

    assert (ExitCode.USAGE, "credflow: error: -H expects 'Name: value', got 'nocolon'\n") == (
        outcome.code,
        outcome.err,
    )


def test_authorization_header_cannot_be_overridden(run: Run, config_path: Path, server: AuthServer) -> None:
    """-H Authorization is refused: the token comes from credflow."""
    outcome = run("request", "--config", str(config_path), "-H", "Authorization: Bearer x", server.api_url)

    assert ExitCode.USAGE == outcome.code


class _Redirecting(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the status and Location of its path: /302/<location> or /300."""

    def do_GET(self) -> None:
        _, status, *rest = self.path.split("/", 2)
        self.send_response(int(status))
        if rest:
            self.send_header("Location", "/" + rest[0])
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"moved on\n")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def redirecting_api() -> Iterator[str]:
    """A loopback API answering redirects: its base URL."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_not_followed_and_exits_7(
    run: Run, config_path: Path, redirecting_api: str, status: int
) -> None:
    """A 3xx prints the body, names the Location it did not follow, and exits 7."""
    outcome = run("request", "--config", str(config_path), f"{redirecting_api}/{status}/elsewhere/x")

    assert (ExitCode.API_ERROR, "moved on\n") == (outcome.code, outcome.out)
    assert (
        f"credflow: error: GET {redirecting_api}/{status}/elsewhere/x answered HTTP {status} "
        f"{http.HTTPStatus(status).phrase} redirecting to {redirecting_api}/elsewhere/x, not followed: "
        "credflow request does not follow redirects; to call it, run credflow request with that URL\n"
    ) == outcome.err


def test_redirect_without_location_exits_7(run: Run, config_path: Path, redirecting_api: str) -> None:
    """A 300 with no Location still exits 7 and says there was none."""
    outcome = run("request", "--config", str(config_path), f"{redirecting_api}/300")

    assert ExitCode.API_ERROR == outcome.code
    assert "answered HTTP 300 Multiple Choices with no Location header, not followed" in outcome.err
