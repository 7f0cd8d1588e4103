"""What the token endpoint says reaches errors and audit lines cut short and with control characters escaped.

Also: a 200 answer that carries `error` is an error, even beside an access_token.
"""

from __future__ import annotations

import json
import logging

import pytest

from credflow import CredentialsRejectedError, OAuthError, TokenResponseError
from credflow.events import TokenFailed
from credflow.protocol import SERVER_TEXT_LIMIT, server_text
from credflow.testing import AuditRecorder, AuthServer

from .conftest import EngineFactory

# A log-injection attempt: a forged line after CR/LF, ANSI escapes, a bidi override, a NUL.
HOSTILE = "bad\r\n2026-01-01 INFO credflow.audit token issued\x1b[31m red\x1b[0m \u202eevil\x00"
UNSAFE = ("\r", "\n", "\x1b", "\u202e", "\x00")
LONG = "A" * 20_000
# Far more than any cleaned field allows, far less than the raw text.
MESSAGE_BOUND = 4 * SERVER_TEXT_LIMIT + 400


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("invalid_client", "invalid_client"),
        ("line\r\nforged", "line\\x0d\\x0aforged"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("\u202eevil", "\\u202eevil"),
        ("tab\there é ü 中", "tab\\x09here é ü 中"),
    ],
)
def test_server_text_escapes_control_characters(raw: str, expected: str) -> None:
    """Controls, format and separator characters are shown escaped; ordinary text is kept."""
    assert expected == server_text(raw)


def test_server_text_is_cut_with_a_marker() -> None:
    """A long text is cut at the limit and says how long it was."""
    assert "A" * SERVER_TEXT_LIMIT + "… [cut, 20000 characters in all]" == server_text(LONG)


def assert_clean(text: str) -> None:
    assert [] == [character for character in UNSAFE if character in text]
    assert len(text) < MESSAGE_BOUND
    assert "A" * (SERVER_TEXT_LIMIT + 1) not in text


def test_error_fields_are_cleaned_in_the_error_and_the_audit_line(
    server: AuthServer,
    make_engine: EngineFactory,
    recorder: AuditRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """error, error_description and error_uri: escaped and cut in the exception, the event and the log."""
    body = {"error": "invalid_request" + HOSTILE, "error_description": HOSTILE + LONG, "error_uri": LONG}
    server.fail_next(1, status=400, body=json.dumps(body))
    caplog.set_level(logging.INFO, logger="credflow.audit")

    with pytest.raises(OAuthError) as failure:
        make_engine().get_token()

    error = failure.value
    for text in (str(error), error.error, error.error_description or "", error.error_uri or ""):
        assert_clean(text)
    assert (error.error_description or "").startswith("bad\\x0d\\x0a2026-01-01 INFO")
    assert_clean(recorder.of_type(TokenFailed)[0].message)
    logged = [
        record.getMessage() for record in caplog.records if "token request failed" in record.getMessage()
    ]
    assert 1 == len(logged)
    assert_clean(logged[0])


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("token_type", HOSTILE + LONG, "issued a token of type 'bad\\r\\n2026"),
        ("expires_in", LONG, "returned expires_in='AAAA"),
        ("expires_in", [HOSTILE] * 5_000, "returned expires_in=['bad\\r"),
    ],
)
async def test_odd_success_fields_are_cleaned(
    server: AuthServer, make_engine: EngineFactory, field: str, value: object, phrase: str
) -> None:
    """An odd token_type or expires_in is named in the error, escaped and cut (async path)."""
    body = {"access_token": "tok-odd-field-1", "token_type": "Bearer", "expires_in": 60, field: value}
    server.fail_next(1, status=200, body=json.dumps(body))

    with pytest.raises(TokenResponseError) as failure:
        await make_engine().aget_token()

    assert_clean(str(failure.value))
    assert phrase in str(failure.value)
    assert "tok-odd-field-1" not in str(failure.value)


def test_success_with_error_is_refused(server: AuthServer, make_engine: EngineFactory) -> None:
    """A 200 carrying both `error` and `access_token` raises OAuthError; the token is not used."""
    body = {"access_token": "tok-beside-error-2", "token_type": "Bearer", "error": "server_error"}
    server.fail_next(1, status=200, body=json.dumps(body))

    with pytest.raises(OAuthError) as failure:
        make_engine().get_token()

    assert (200, "server_error") == (failure.value.status, failure.value.error)
    assert f"token endpoint {server.token_endpoint} answered HTTP 200 with error 'server_error'" == str(
        failure.value
    )
    assert "tok-beside-error-2" not in str(failure.value)


async def test_success_with_invalid_client_is_a_rejection(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """A 200 with error=invalid_client beside a token is a rejection of the credentials (async path)."""
    body = {"access_token": "tok-beside-error-3", "token_type": "Bearer", "error": "invalid_client"}
    server.fail_next(2, status=200, body=json.dumps(body))

    with pytest.raises(CredentialsRejectedError) as failure:
        await make_engine().aget_token()

    assert "invalid_client" == failure.value.error
    assert "tok-beside-error-3" not in str(failure.value)


@pytest.mark.parametrize("error", [None, "", 7])
def test_success_with_a_malformed_error_field(
    server: AuthServer, make_engine: EngineFactory, error: object
) -> None:
    """`error` present but not a code: null is ignored (a token), anything else is a TokenResponseError."""
    body = {"access_token": "tok-odd-error-4", "token_type": "Bearer", "expires_in": 60, "error": error}
    server.fail_next(1, status=200, body=json.dumps(body))

    if error is None:
        assert "tok-odd-error-4" == make_engine().get_token().access_token
        return
    with pytest.raises(
        TokenResponseError, match=r"answered HTTP 200 with JSON that has an 'error' field that is"
    ):
        make_engine().get_token()
