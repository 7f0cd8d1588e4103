"""The warm `credflow token` shortcut (`cli._fast_token`): the normal path's answer; any doubt, a miss."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from credflow import CacheScope, SecretValue, Token, load_config
from credflow.cli import ExitCode
from credflow.cli._fast_token import MAX_FILE_BYTES, parse_argv
from credflow.config._checks import MAX_FILE_BYTES as CONFIG_MAX_FILE_BYTES
from credflow.engine._cache import cache_key
from credflow.engine._file_cache import FileTokenCache, default_cache_directory
from credflow.engine._file_entries import cache_directory, derive_key
from credflow.engine._sealing import seal
from credflow.testing import AuthServer

from .conftest import SECRET_VARIABLE

pytestmark = pytest.mark.allow_token_output

# What the normal path imports and the shortcut must not: the parser, the configuration schema's
# dataclasses and reflection, TOML, paths and URLs, the engine's modules. (`typing`, `re` and `enum`
# come with cryptography's AES-GCM; `logging` with `import credflow`, for its NullHandler.)
NOT_ON_THE_FAST_PATH = {
    "argparse",
    "gettext",
    "locale",
    "dataclasses",
    "inspect",
    "ast",
    "tomllib",
    "pathlib",
    "urllib",
    "ipaddress",
    "credflow.cli.main",
    "credflow.config",
    "credflow.token",
    "credflow.errors",
    "credflow.engine._file_cache",
    "credflow.engine._sealing",
    "cryptography.hazmat.primitives.kdf",
}


class Cli:
    """`python -m credflow token` as a real process in a private cache directory."""

    def __init__(self, config: Path, cache_home: Path) -> None:
        self.config = config
        self.cache_home = cache_home

    def run(self, *options: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
        """Run it; return its stdout and the modules it imported (from -X importtime)."""
        environment = {**os.environ, "XDG_CACHE_HOME": str(self.cache_home), **(env or {})}
        done = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-m",
                "credflow",
                "token",
                "--config",
                str(self.config),
                *options,
            ],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            timeout=120,
        )
        imported = {
            line.split("|")[-1].strip() for line in done.stderr.splitlines() if "import time:" in line
        }
        errors = [line for line in done.stderr.splitlines() if "import time:" not in line]
        assert (0, []) == (done.returncode, errors)
        return done.stdout, imported

    def records(self) -> list[Path]:
        """The shortcut records in the cache directory."""
        return sorted((self.cache_home / "credflow").glob("*.shortcut"))


def fast(imported: set[str]) -> bool:
    """Whether a run was answered by the shortcut: the argument parser was never imported."""
    return "argparse" not in imported


@pytest.fixture
def cli(config_path: Path, tmp_path: Path) -> Cli:
    """The command against the "api" client, with its own cache directory."""
    return Cli(config_path, tmp_path / "cache")


def without_expires_in(text: str) -> str:
    """A `--json` answer with the seconds left blanked (they tick between two runs)."""
    return re.sub(r'"expires_in": \d+', '"expires_in": N', text)


def test_warm_answer_is_the_normal_paths_answer(cli: Cli, server: AuthServer) -> None:
    """The second `credflow token` is answered by the shortcut with the normal path's bytes."""
    normal, normal_imports = cli.run()
    warm, warm_imports = cli.run()

    assert (normal, False, True, 1) == (
        warm,
        fast(normal_imports),
        fast(warm_imports),
        server.counters.token_requests,
    )


def test_warm_json_answer_is_the_normal_paths_answer(cli: Cli, server: AuthServer) -> None:
    """`--json` from the shortcut: the same keys, order, indentation and values as the normal path."""
    normal, normal_imports = cli.run("--json")
    warm, warm_imports = cli.run("--json")

    assert (without_expires_in(normal), False, True, 1) == (
        without_expires_in(warm),
        fast(normal_imports),
        fast(warm_imports),
        server.counters.token_requests,
    )
    assert abs(json.loads(normal)["expires_in"] - json.loads(warm)["expires_in"]) <= 60


def test_plain_and_json_have_their_own_records(cli: Cli, server: AuthServer) -> None:
    """`--json` is part of the record's name: a plain record never answers `--json`."""
    cli.run()
    _, json_imports = cli.run("--json")
    warm, warm_imports = cli.run("--json")

    assert (False, True, 2) == (fast(json_imports), fast(warm_imports), len(cli.records()))
    assert {"access_token", "token_type", "expires_in", "expires_at", "scope"} == set(json.loads(warm))


def test_warm_fast_path_imports_no_parser_schema_or_logging(cli: Cli) -> None:
    """The shortcut imports none of argparse, dataclasses, inspect, tomllib, pathlib, the schema or engine."""
    cli.run()
    _, imported = cli.run()

    assert [] == sorted(NOT_ON_THE_FAST_PATH & imported)


def test_edited_configuration_takes_the_normal_path(cli: Cli, server: AuthServer) -> None:
    """An edit (even a comment) renames the record: the normal path answers, then the shortcut again."""
    first, _ = cli.run()
    cli.config.write_text(cli.config.read_text() + "# edited\n")
    edited, edited_imports = cli.run()
    again, again_imports = cli.run()

    assert (first, first, False, True, 1) == (
        edited,
        again,
        fast(edited_imports),
        fast(again_imports),
        server.counters.token_requests,
    )


def test_changed_scopes_are_answered_by_the_normal_path(cli: Cli, server: AuthServer) -> None:
    """A client whose scopes changed gets a token for the new scopes, not the shortcut's old one."""
    first, _ = cli.run("--json")
    cli.config.write_text(cli.config.read_text().replace('scopes = ["api.read"]', 'scopes = ["api.write"]'))
    changed, changed_imports = cli.run("--json")

    assert ("api.read", "api.write", False, 2) == (
        json.loads(first)["scope"],
        json.loads(changed)["scope"],
        fast(changed_imports),
        server.counters.token_requests,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CREDFLOW_CLIENTS__API__SCOPES", '["api.read"]'),
        ("CREDFLOW_CLIENTS__API__TIMEOUT", "25"),
        ("CREDFLOW_X", "1"),
    ],
)
def test_changed_credflow_variable_takes_the_normal_path(
    cli: Cli, server: AuthServer, variable: str, value: str
) -> None:
    """Any CREDFLOW_* variable set or changed is a miss: the normal path reads the configuration."""
    first, _ = cli.run()
    answer, imported = cli.run(env={variable: value})

    assert (first, False, 1) == (answer, fast(imported), server.counters.token_requests)


def test_rotated_secret_is_a_miss_and_a_new_token(cli: Cli, server: AuthServer) -> None:
    """After the secret rotates, the sealed entry no longer opens: the normal path fetches a new token."""
    first, _ = cli.run()
    server.rotate_secret(server.test_client_id, "rotated-secret-value-0123456789")
    rotated, rotated_imports = cli.run(env={SECRET_VARIABLE: "rotated-secret-value-0123456789"})
    warm, warm_imports = cli.run(env={SECRET_VARIABLE: "rotated-secret-value-0123456789"})

    assert (True, False, True, rotated, 2) == (
        first != rotated,
        fast(rotated_imports),
        fast(warm_imports),
        warm,
        server.counters.token_requests,
    )


def _entry_scope(config: Path, server: AuthServer) -> tuple[FileTokenCache, CacheScope]:
    client = load_config(config, load_entry_points=False).client()
    return (
        FileTokenCache(default_cache_directory()),
        CacheScope(cache_key(client), client.client_id, SecretValue(server.test_client_secret)),
    )


def test_token_due_for_renewal_takes_the_normal_path(
    cli: Cli, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry past its renewal time (80% of the lifetime gone) is not answered: a new token is fetched."""
    first, _ = cli.run()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cli.cache_home))
    cache, scope = _entry_scope(cli.config, server)
    now = datetime.now(UTC)
    cache.store(
        scope,
        Token(
            access_token="due-token",
            token_type="Bearer",
            issued_at=now - timedelta(hours=1),
            expires_at=now + timedelta(minutes=5),
        ),
    )
    renewed, imported = cli.run()

    assert (False, True, 2) == (
        fast(imported),
        renewed not in {first, "due-token\n"},
        server.counters.token_requests,
    )


def test_expired_entry_with_a_late_refresh_hint_takes_the_normal_path(
    cli: Cli, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry whose expiry passed is refused even when its refresh hint says later."""
    cli.run()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cli.cache_home))
    cache, scope = _entry_scope(cli.config, server)
    now = datetime.now(UTC)
    expired = Token(
        access_token="expired-token",
        token_type="Bearer",
        issued_at=now - timedelta(hours=2),
        expires_at=now - timedelta(minutes=1),
        refresh_at=now + timedelta(hours=1),
    )
    path = cache.entry_path(scope)
    path.write_bytes(seal(scope, expired, path.name))
    answer, imported = cli.run()

    assert (False, True, 2) == (fast(imported), answer != "expired-token\n", server.counters.token_requests)


def _corrupt(record: Path) -> None:
    record.write_bytes(b"{not json")


def _world_readable(record: Path) -> None:
    record.chmod(0o644)


def _symlink(record: Path) -> None:
    copy = record.with_name("copy.json")
    copy.write_bytes(record.read_bytes())
    copy.chmod(0o600)
    record.unlink()
    record.symlink_to(copy)


def _escaping_entry(record: Path) -> None:
    document = json.loads(record.read_bytes())
    document["entry"] = "../elsewhere.token"
    record.write_text(json.dumps(document))


def _truncated(record: Path) -> None:
    record.write_bytes(record.read_bytes()[:20])


def _fifo(record: Path) -> None:
    record.unlink()
    os.mkfifo(record, 0o600)


@pytest.mark.parametrize(
    "damage",
    [_corrupt, _world_readable, _symlink, _escaping_entry, _truncated, _fifo],
    ids=lambda f: f.__name__,
)
def test_damaged_record_takes_the_normal_path(cli: Cli, server: AuthServer, damage: object) -> None:
    """A corrupt, short, shared, symlinked or FIFO record, or one naming another file: normal path."""
    first, _ = cli.run()
    (record,) = cli.records()
    damage(record)  # type: ignore[operator]
    answer, imported = cli.run()
    again, again_imports = cli.run()

    assert (first, first, False, True, 1) == (
        answer,
        again,
        fast(imported),
        fast(again_imports),
        server.counters.token_requests,
    )


def test_shared_cache_directory_takes_the_normal_path(cli: Cli, server: AuthServer) -> None:
    """A cache directory others can enter is not trusted by the shortcut: the normal path refuses it."""
    cli.run()
    (cli.cache_home / "credflow").chmod(0o755)
    environment = {**os.environ, "XDG_CACHE_HOME": str(cli.cache_home)}
    done = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(cli.config)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )

    assert (True, "", 1) == (done.returncode != 0, done.stdout, server.counters.token_requests)
    assert "accessible to other users" in done.stderr


def test_no_cache_takes_the_normal_path(cli: Cli, server: AuthServer) -> None:
    """--no-cache is not understood by the shortcut: a fresh token is fetched, as before."""
    first, _ = cli.run()
    fresh, imported = cli.run("--no-cache")

    assert (False, True, 2) == (fast(imported), fresh != first, server.counters.token_requests)


def test_agent_variable_takes_the_normal_path(cli: Cli, tmp_path: Path) -> None:
    """With CREDFLOW_AGENT set the token comes from the agent: the shortcut does not answer."""
    cli.run()
    environment = {
        **os.environ,
        "XDG_CACHE_HOME": str(cli.cache_home),
        "CREDFLOW_AGENT": str(tmp_path / "no.sock"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(cli.config)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )

    assert (True, "") == (done.returncode != 0, done.stdout)


def test_record_holds_neither_secret_nor_token(cli: Cli, server: AuthServer) -> None:
    """The record names the entry and the secret reference; the secret and the token are not in it."""
    token, _ = cli.run()
    json_token, _ = cli.run("--json")
    contents = [record.read_bytes() for record in cli.records()]
    secret = server.test_client_secret.encode()
    tokens = {token.strip().encode(), json.loads(json_token)["access_token"].encode()}

    assert (2, [], [0o600, 0o600]) == (
        len(contents),
        [content for content in contents if secret in content or any(t in content for t in tokens)],
        [record.stat().st_mode & 0o777 for record in cli.records()],
    )
    assert {f"env:{SECRET_VARIABLE}"} == {
        f"{document['secret']['scheme']}:{document['secret']['body']}"
        for document in map(json.loads, contents)
    }


def test_file_secret_is_read_by_the_shortcut(
    write_config: object, server: AuthServer, tmp_path: Path
) -> None:
    """A file: secret is read as the built-in source reads it (trailing newline dropped)."""
    secret_file = tmp_path / "secret"
    secret_file.write_text(server.test_client_secret + "\n")
    config = write_config(secret=f"file:{secret_file}")  # type: ignore[operator]
    cli = Cli(config, tmp_path / "cache")
    normal, _ = cli.run()
    warm, imported = cli.run()

    assert (normal, True, 1) == (warm, fast(imported), server.counters.token_requests)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["token"], (None, None, False)),
        (["--config", "c.toml", "token"], ("c.toml", None, False)),
        (["token", "--client=api", "--json", "--config=c.toml"], ("c.toml", "api", True)),
        (["token", "--debug"], None),
        (["token", "--no-cache"], None),
        (["token", "--js"], None),
        (["--json", "token"], None),
        (["--client", "api", "token"], None),
        (["token", "--client"], None),
        (["token", "--client", "-x"], None),
        (["token", "--client", "a", "--client", "b"], None),
        (["token", "token"], None),
        (["request", "http://x"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_argv_the_shortcut_understands(argv: list[str], expected: object) -> None:
    """Only `token` with --config, --client, --json where argparse accepts them; anything else is None."""
    assert expected == parse_argv(argv)


def test_shortcut_shares_the_file_cache_directory_and_bounds(tmp_path: Path) -> None:
    """The shortcut's cache directory and secret file bound are the file cache's and the file source's."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    relative = {"XDG_CACHE_HOME": "relative/dir", "HOME": str(tmp_path)}

    assert (
        str(default_cache_directory(env)),
        str(default_cache_directory(relative)),
        CONFIG_MAX_FILE_BYTES,
    ) == (cache_directory(env), cache_directory(relative), MAX_FILE_BYTES)


def test_key_derivation_matches_cryptography_hkdf() -> None:
    """The standard-library HKDF gives the bytes of cryptography's HKDF-SHA256 (entries still open)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    expected = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"credflow-redis token cache v1",
        info=b"\0".join((b"aes-gcm", b"client-id", b"cache-key")),
    ).derive(b"s3cret-value")

    assert expected == derive_key("s3cret-value", "client-id", "cache-key", b"aes-gcm")


def test_package_main_stays_the_command_once_the_full_cli_is_imported() -> None:
    """Importing the full CLI through the package leaves `credflow.cli.main` the function, not the module."""
    code = (
        "import credflow.cli as cli\n"
        "cli.build_parser()\n"
        "assert cli.main(['--version']) == 0\n"
        "from credflow.cli import ExitCode, main\n"
        "assert callable(main) and ExitCode.OK == 0\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )

    assert (0, "") == (done.returncode, done.stderr)


def test_unreadable_configuration_is_reported_by_the_normal_path(server: AuthServer, tmp_path: Path) -> None:
    """A configuration the shortcut cannot open (a symlink loop) is the normal path's error, as before."""
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(loop)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )

    assert (ExitCode.CONFIG, f"credflow: error: {loop}: configuration file not found\n") == (
        done.returncode,
        done.stderr,
    )
