"""What the configuration loader refuses to read: non-regular files, huge files, deep nesting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from credflow import ConfigError
from credflow.cli import ExitCode
from credflow.config_file import load_config
from credflow.validation import MAX_FILE_BYTES

from .conftest import WriteConfig

CLIENT = (
    '[clients.billing]\ntoken_endpoint = "https://a.example/t"\nclient_id = "billing"\n'
    'client_secret = "env:S"\n'
)

# Every test here would hang or fill memory if the loader read without a bound: cap each run.
pytestmark = pytest.mark.timeout(60)


def config_error(path: str | Path | None, env: dict[str, str] | None = None) -> str:
    """The ConfigError message of loading `path`."""
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return str(caught.value)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe nobody writes to."""
    path = tmp_path / "credflow.toml"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    """A listening Unix socket."""
    path = tmp_path / "credflow.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    yield path
    server.close()


def test_fifo_is_refused_without_waiting_for_a_writer(fifo: Path) -> None:
    """A named pipe with no writer is refused at once (opening it does not block)."""
    assert (
        f"{fifo}: not a regular file (a named pipe); --config and CREDFLOW_CONFIG must name a TOML file"
        == (config_error(fifo))
    )


def test_character_device_is_refused_without_reading_it() -> None:
    """/dev/zero, endless, is refused before a byte is read."""
    assert (
        "/dev/zero: not a regular file (a character device); "
        "--config and CREDFLOW_CONFIG must name a TOML file" == (config_error("/dev/zero"))
    )


def test_directory_is_refused(tmp_path: Path) -> None:
    """A directory is refused by kind."""
    assert (
        f"{tmp_path}: not a regular file (a directory); --config and CREDFLOW_CONFIG must name a TOML file"
        == (config_error(tmp_path))
    )


def test_socket_is_refused(unix_socket: Path) -> None:
    """A Unix socket (which cannot even be opened) is refused by kind."""
    assert f"{unix_socket}: cannot read the configuration file: not a regular file (a socket)" == (
        config_error(unix_socket)
    )


def test_fifo_named_by_the_environment_variable_is_refused(
    fifo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CREDFLOW_CONFIG pointing at a pipe is refused the same way."""
    assert config_error(None, env={"CREDFLOW_CONFIG": str(fifo)}).startswith(f"{fifo}: not a regular file")


def test_file_over_one_mebibyte_is_refused(write_config: WriteConfig) -> None:
    """A file one byte over 1 MiB is refused; one of exactly 1 MiB is read."""
    padding = "#" * (MAX_FILE_BYTES - len(CLIENT) - 1) + "\n"
    exact = write_config(CLIENT + padding)
    assert MAX_FILE_BYTES == exact.stat().st_size
    assert ["billing"] == list(load_config(exact.name, env={}).clients)

    write_config(CLIENT + "#" + padding)

    assert "credflow.toml: larger than 1024 KiB, the most a configuration file may hold" == config_error(
        "credflow.toml"
    )


@pytest.mark.parametrize(
    "document",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * 5000 + "1" + "}" * 5000,
    ],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_values_are_a_config_error(write_config: WriteConfig, document: str) -> None:
    """Thousands of nested arrays or inline tables are a ConfigError, not a RecursionError."""
    write_config(CLIENT + "[sources.env]\n" + document + "\n")

    assert "credflow.toml: invalid TOML: arrays or inline tables nested too deeply" == config_error(
        "credflow.toml"
    )


def test_deeply_nested_tables_are_a_config_error(write_config: WriteConfig) -> None:
    """A table header 20 000 keys deep (parsed without recursion) is refused before anything walks it."""
    write_config(CLIENT + "[sources.env." + ".".join(["a"] * 20000) + "]\nx = 1\n")

    assert (
        "credflow.toml: sources.env.a.a...: nested more than 16 levels deep; no setting is"
        == config_error("credflow.toml")
    )


def test_deeply_nested_environment_value_names_the_variable(write_config: WriteConfig) -> None:
    """An override value of thousands of nested arrays is a ConfigError naming the variable."""
    write_config(CLIENT)
    variable = "CREDFLOW_CLIENTS__BILLING__SCOPES"

    message = config_error("credflow.toml", env={variable: "[" * 5000 + "]" * 5000})

    assert f"environment variable {variable}: arrays or inline tables nested too deeply" == message


def test_cli_with_dev_zero_exits_with_the_config_error_code() -> None:
    """`credflow --config /dev/zero config show` exits 3 at once with a clear message (a real process)."""
    result = subprocess.run(
        [sys.executable, "-m", "credflow", "--config", "/dev/zero", "config", "show"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (
        ExitCode.CONFIG,
        "",
        "credflow: error: /dev/zero: not a regular file (a character device); "
        "--config and CREDFLOW_CONFIG must name a TOML file\n",
    ) == (result.returncode, result.stdout, result.stderr)
