"""The warm `credflow token` shortcut: answered before argparse, the configuration schema or plugins load.

A warm `credflow token` used to cost 8x a bare interpreter start, most of it in
importing what parses the command line and checks the configuration, for an
answer that was sitting in the file cache. After the normal path answers for a
client of the `file` cache with an `env:` or `file:` secret, it leaves a
*shortcut record* next to the cache entries; the next call with the same inputs
reads the record, the secret and the sealed entry, and prints the token.

The record is named by a hash of everything that determines the answer: the
credflow version, the user, the configuration file's resolved path and a hash
of its bytes, every `CREDFLOW_*` variable, the cache directory and the options
(`--config`, `--client`, `--json`). So an edited configuration, a changed
variable or another option finds no record. It holds where the sealed entry
is, the client id and cache key that bind the entry's key, the secret
*reference* (never its value), the requested scopes and the renewal settings:
nothing secret, nothing that opens the entry without the secret.

Any doubt is `None`, and the normal path runs (and rewrites the record): an
option this parser does not know (`--debug`, `--no-cache`, an abbreviation),
`CREDFLOW_AGENT` set, audit logging enabled in this process, a missing or
damaged record, a record, entry or directory that is not a private regular
file or directory of this user, an unreadable secret (a rotated one opens
nothing), a token due for renewal. The shortcut never raises, logs nor audits.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..engine._file_entries import (
    MAX_ENTRY_BYTES,
    cache_directory,
    directory_is_private,
    open_document,
    read_own_file,
)

__all__ = [
    "FAST_SECRET_SCHEMES",
    "MAX_RECORD_BYTES",
    "Options",
    "answer",
    "parse_argv",
    "record_path",
    "token_document",
    "write_record",
]

#: `(--config, --client, --json)`: the options that change what `credflow token` prints.
Options = tuple[str | None, str | None, bool]

RECORD_FORMAT = 1
#: The built-in secret schemes the shortcut reads itself.
FAST_SECRET_SCHEMES = ("env", "file")
MAX_RECORD_BYTES = 16 * 1024
# The bound of the built-in file: source and of a configuration file (config._checks.MAX_FILE_BYTES).
MAX_FILE_BYTES = 1 << 20
_NAME_DOMAIN = b"credflow token shortcut v1\0"
_ENV_PREFIX = "CREDFLOW_"
_AGENT_ENV = "CREDFLOW_AGENT"
_CONFIG_ENV = "CREDFLOW_CONFIG"
_DEFAULT_CONFIG = "credflow.toml"
_AUDIT_LOGGER = "credflow.audit"


def parse_argv(argv: Sequence[str]) -> Options | None:
    """`token` with `--config`, `--client`, `--json` (each once, where argparse takes them), else `None`."""
    command = False
    given: dict[str, str] = {}
    as_json = False
    index = 0
    while index < len(argv):
        argument = argv[index]
        name, equals, value = argument.partition("=")
        if argument == "token" and not command:
            command = True
        elif argument == "--json" and command and not as_json:
            as_json = True
        elif name in ("--config", "--client") and name not in given and (command or name == "--config"):
            if not equals:
                index += 1
                if index == len(argv):
                    return None
                value = argv[index]
            if not value or value.startswith("-"):
                return None
            given[name] = value
        else:
            return None
        index += 1
    if not command:
        return None
    return given.get("--config"), given.get("--client"), as_json


def _config_identity(option: str | None, env: Mapping[str, str]) -> list[str] | None:
    """The configuration file the normal path reads (resolved path, hash of its bytes), or `None`."""
    named = option if option is not None else (env.get(_CONFIG_ENV) or None)
    path = os.path.realpath(named if named is not None else _DEFAULT_CONFIG)
    try:
        # O_NONBLOCK: a FIFO must not make the shortcut wait; it is refused below.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        # Only ./credflow.toml may be absent (a configuration from variables alone).
        return [path, "absent"] if named is None else None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        digest = hashlib.sha256()
        size = 0
        while chunk := os.read(descriptor, MAX_FILE_BYTES + 1 - size):  # every byte, as load_config reads
            digest.update(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                return None
    finally:
        os.close(descriptor)
    return [path, digest.hexdigest()]


def record_path(options: Options, env: Mapping[str, str]) -> str | None:
    """Where the shortcut record for `options` under `env` is, or `None` (no configuration to read).

    Never raises: the normal path calls it before loading the configuration, whose errors it reports.
    """
    try:
        config = _config_identity(options[0], env)
    except (OSError, ValueError):  # unreadable, or a path with a NUL byte
        return None
    if config is None:
        return None
    directory = cache_directory(env)
    variables = sorted((key, value) for key, value in env.items() if key.startswith(_ENV_PREFIX))
    inputs = [RECORD_FORMAT, __version__, os.getuid(), directory, config, list(options), variables]
    digest = hashlib.sha256(_NAME_DOMAIN + json.dumps(inputs).encode()).hexdigest()[:40]
    return os.path.join(directory, f"{digest}.shortcut")


def token_document(
    access_token: str,
    *,
    token_type: str,
    expires_at: Any,
    scope: str | None,
    requested_scopes: Sequence[str],
    now: Any,
) -> dict[str, Any]:
    """The `--json` form of a token: value, type, seconds left, expiry (UTC, `Z`) and scope."""
    from datetime import UTC

    # RFC 6749 §5.1: a response without `scope` grants exactly the scopes requested.
    granted = scope if scope is not None else (" ".join(requested_scopes) or None)
    return {
        "access_token": access_token,
        "token_type": token_type,
        "expires_in": max(0, int((expires_at - now).total_seconds())),
        "expires_at": expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scope": granted,
    }


def _audited() -> bool:
    """Whether this process would log a secret read (an application's or a test's logging)."""
    if "logging" not in sys.modules:
        return False
    import logging

    return logging.getLogger(_AUDIT_LOGGER).isEnabledFor(logging.INFO)


def _secret(reference: Any, env: Mapping[str, str]) -> str | None:
    """The secret the built-in `env:` or `file:` source would return, or `None` on any doubt."""
    if not isinstance(reference, dict):
        return None
    scheme, body, key = reference.get("scheme"), reference.get("body"), reference.get("key")
    if not isinstance(body, str) or not (key is None or isinstance(key, str)):
        return None
    if scheme == "env":
        raw = env.get(body)
    elif scheme == "file" and os.path.isabs(body):
        raw = _secret_file(body)
    else:
        return None
    if raw is not None and key is not None:
        try:
            document = json.loads(raw)
        except ValueError:
            return None
        raw = document.get(key) if isinstance(document, dict) else None
    return raw if isinstance(raw, str) and raw else None


def _secret_file(path: str) -> str | None:
    # As the file: source reads it: it follows symlinks (a Kubernetes ..data swap), refuses all but
    # a regular file (checked again on the descriptor), reads at most 1 MiB of UTF-8.
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        data = os.read(descriptor, MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_FILE_BYTES:
        return None
    return data.decode("utf-8").removesuffix("\n").removesuffix("\r")


def _due(document: dict[str, Any], record: dict[str, Any], now: Any) -> bool:
    """`engine._cache.renewal_times`: whether the token is due for renewal (or no longer usable)."""
    from datetime import datetime, timedelta

    expires_at = datetime.fromisoformat(document["expires_at"])
    issued_at = datetime.fromisoformat(document["issued_at"])
    lifetime = (expires_at - issued_at).total_seconds()
    usable_until = expires_at - timedelta(seconds=min(float(record["expiry_leeway"]), lifetime * 0.05))
    if document["refresh_at"] is not None:
        renew_at = datetime.fromisoformat(document["refresh_at"])
    else:
        after = min(
            lifetime * float(record["renew_fraction"]),
            max(lifetime * 0.5, lifetime - float(record["renew_min_ahead"])),
        )
        renew_at = issued_at + timedelta(seconds=after)
    return bool(now >= min(renew_at, usable_until) or now >= expires_at)


def answer(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str | None:
    """What `credflow token` prints for `argv`, answered from the shortcut record; `None` on any doubt."""
    try:
        return _answer(argv, os.environ if env is None else env)
    except Exception:  # any doubt, including one not foreseen: the normal path answers
        return None


def _answer(argv: Sequence[str], env: Mapping[str, str]) -> str | None:
    options = parse_argv(argv)
    if options is None or env.get(_AGENT_ENV) or _audited():
        return None
    path = record_path(options, env)
    if path is None or not directory_is_private(os.path.dirname(path)):
        return None
    raw_record = read_own_file(path, MAX_RECORD_BYTES, private=True)
    if raw_record is None:
        return None
    record = json.loads(raw_record)
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return None
    entry_name, client_id, key = record["entry"], record["client_id"], record["cache_key"]
    if not (
        isinstance(entry_name, str)
        and entry_name.endswith(".token")
        and os.path.basename(entry_name) == entry_name
        and isinstance(client_id, str)
        and isinstance(key, str)
    ):
        return None
    secret = _secret(record["secret"], env)
    if secret is None:
        return None
    entry = read_own_file(os.path.join(os.path.dirname(path), entry_name), MAX_ENTRY_BYTES)
    if entry is None:
        return None
    # Bound to the secret as FileTokenCache.load is: a rotated secret opens nothing.
    document = open_document(entry, secret, client_id, key, entry_name)
    if document is None:
        return None
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    access_token, token_type = document["access_token"], document["token_type"]
    if not isinstance(access_token, str) or not isinstance(token_type, str) or _due(document, record, now):
        return None
    if not options[2]:
        return access_token + "\n"
    scope, scopes = document["scope"], record["scopes"]
    if not (scope is None or isinstance(scope, str)) or not isinstance(scopes, list):
        return None
    expires_at = datetime.fromisoformat(document["expires_at"])
    document = token_document(
        access_token,
        token_type=token_type,
        expires_at=expires_at,
        scope=scope,
        requested_scopes=scopes,
        now=now,
    )
    return json.dumps(document, indent=2) + "\n"


def write_record(path: str, record: dict[str, Any]) -> None:
    """Store `record` at `path` atomically, mode 0600, unless the same record is there already.

    Called by the normal path after it answered; a failure only costs the next call its shortcut.
    """
    content = json.dumps({"format": RECORD_FORMAT, **record}, sort_keys=True).encode()
    directory = os.path.dirname(path)
    if not directory_is_private(directory) or read_own_file(path, MAX_RECORD_BYTES, private=True) == content:
        return
    # A new file of our own (O_EXCL, 0600, no symlink followed) in the private directory, without
    # `tempfile` (and the `random` it imports), which the warm normal path does not otherwise need.
    temporary = os.path.join(directory, f".tmp-{os.urandom(8).hex()}")
    try:
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(temporary)
