"""A local AWS Secrets Manager for tests: moto's server on 127.0.0.1, reached over real HTTP.

    with MotoSecretsManager() as aws:
        aws.create_secret("billing", '{"client_secret": "s3cr3t"}')
        host = PluginHost(source_settings={"aws-sm": aws.source_settings()}, ...)

The server runs in a thread of the test process (moto's backends are
process-global, so two controllers in one process see the same secrets, and
`reset()` clears both). It serves every moto service; the controller helps
with Secrets Manager (secrets, versions, stage moves) and IAM (users whose
policy decides what they may read, with IAM enforcement switched on).
Needs `moto[server]` (`pip install 'credflow-aws[testing]'`).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

try:
    import boto3
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.secretsmanager.models import FakeSecret, secretsmanager_backends
    from werkzeug.serving import BaseWSGIServer, make_server
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"credflow_aws.testing needs moto's server: pip install 'credflow-aws[testing]' (missing: {exc.name})"
    ) from exc

__all__ = ["REAL_AWS_VARIABLES", "MotoSecretsManager", "isolated_environment"]

#: The credentials the controller (and, by default, tests) sign with; moto accepts any.
TEST_ACCESS_KEY_ID = "testing"
TEST_SECRET_ACCESS_KEY = "testing"

#: Variables that could lead boto3 to a real account, region or endpoint: unset them in tests.
REAL_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def isolated_environment(home: Path) -> dict[str, str]:
    """Variables to set (after unsetting `REAL_AWS_VARIABLES`) so boto3 can only reach moto.

    Test credentials, no instance metadata, and empty config and credentials files in `home`.
    """
    config, credentials = home / "config", home / "credentials"
    config.write_text("")
    credentials.write_text("")
    return {
        **MotoSecretsManager.environment(),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
    }


_StartResponse = Any  # WSGI's start_response callable
_Environ = dict[str, Any]


class _QuietHandler(MotoRequestHandler):
    """moto's handler without werkzeug's per-request line on stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class _CountingApp:
    """WSGI middleware counting requests per AWS operation (from `X-Amz-Target`)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: _Environ, start_response: _StartResponse) -> Any:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = target.rpartition(".")[2] or str(environ.get("PATH_INFO", ""))
        with self._lock:
            self._counts[operation] += 1
        return self._app(environ, start_response)

    def count(self, operation: str) -> int:
        with self._lock:
            return self._counts[operation]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class MotoSecretsManager:
    """Starts, drives and stops a moto server for Secrets Manager tests."""

    def __init__(self, *, region: str = "us-east-1", host: str = "127.0.0.1", port: int = 0):
        self.region = region
        self._host = host
        self._port = port
        self._app = _CountingApp(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> Self:
        """Bind (port 0: a free port) and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("this MotoSecretsManager is already running")
        self._server = make_server(
            self._host, self._port, self._app, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval keeps stop() fast; shutdown waits for one poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"moto-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and the controller's clients."""
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._server is None:
            raise RuntimeError("start() the MotoSecretsManager first")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """`http://127.0.0.1:<port>`: give it to boto3 as `endpoint_url`."""
        return f"http://{self._host}:{self.port}"

    def source_settings(self, **extra: object) -> dict[str, object]:
        """A `[sources.aws-sm]` table pointing at this server (plus `extra` settings)."""
        return {"endpoint_url": self.endpoint_url, "region": self.region, **extra}

    @staticmethod
    def environment() -> dict[str, str]:
        """Environment variables giving boto3 test credentials (moto accepts any) and no IMDS.

        The source takes credentials from boto3's chain, so set these (for
        example with `monkeypatch.setenv`) where no real credentials should be used.
        """
        return {
            "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": TEST_SECRET_ACCESS_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def reset(self) -> None:
        """Forget every secret, user and policy (of every moto server in this process)."""
        self._moto_api("/moto-api/reset", b"")

    # --- clients ------------------------------------------------------------

    def client(
        self,
        service: str = "secretsmanager",
        *,
        access_key_id: str = TEST_ACCESS_KEY_ID,
        secret_access_key: str = TEST_SECRET_ACCESS_KEY,
    ) -> Any:
        """A boto3 client of this server (shared; closed by `stop()`)."""
        key = (service, access_key_id, secret_access_key)
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                client = boto3.session.Session().client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id=access_key_id,
                    aws_secret_access_key=secret_access_key,
                )
                self._clients[key] = client
            return client

    # --- secrets ------------------------------------------------------------

    def create_secret(self, name: str, value: str | bytes) -> str:
        """Create secret `name` (str: SecretString, bytes: SecretBinary); return its ARN."""
        response = self.client().create_secret(Name=name, **_value(value))
        return str(response["ARN"])

    def put_value(
        self, secret_id: str, value: str | bytes, *, stages: Iterable[str] = ("AWSCURRENT",)
    ) -> str:
        """Add a version labelled `stages`; return its version id."""
        response = self.client().put_secret_value(
            SecretId=secret_id, VersionStages=list(stages), **_value(value)
        )
        return str(response["VersionId"])

    def stage_pending(self, secret_id: str, value: str | bytes) -> str:
        """Add a version labelled AWSPENDING (a rotation's `createSecret` step)."""
        return self.put_value(secret_id, value, stages=("AWSPENDING",))

    def promote(self, secret_id: str, version_id: str) -> None:
        """Move AWSCURRENT to `version_id` (a rotation's `finishSecret` step).

        The old current version becomes AWSPREVIOUS, as in AWS.
        """
        current = self.version_of(secret_id, "AWSCURRENT")
        self.client().update_secret_version_stage(
            SecretId=secret_id,
            VersionStage="AWSCURRENT",
            MoveToVersionId=version_id,
            RemoveFromVersionId=current,
        )
        self._realign_moto_default_version(secret_id)

    def rotate(self, secret_id: str, value: str | bytes) -> str:
        """Stage `value` as AWSPENDING and promote it to AWSCURRENT; return its version id."""
        version_id = self.stage_pending(secret_id, value)
        self.promote(secret_id, version_id)
        return version_id

    def stages(self, secret_id: str) -> dict[str, tuple[str, ...]]:
        """Every version id of the secret with its stage labels."""
        response = self.client().describe_secret(SecretId=secret_id)
        versions: Mapping[str, list[str]] = response.get("VersionIdsToStages", {})
        return {version: tuple(labels) for version, labels in versions.items()}

    def version_of(self, secret_id: str, stage: str) -> str:
        """The version id carrying `stage`."""
        for version, labels in self.stages(secret_id).items():
            if stage in labels:
                return version
        raise LookupError(f"secret {secret_id!r} has no version labelled {stage}")

    def delete_secret(self, secret_id: str) -> None:
        """Delete the secret at once (no recovery window)."""
        self.client().delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)

    def _realign_moto_default_version(self, secret_id: str) -> None:
        # moto (5.2.x) keeps its own "default version" for GetSecretValue without a
        # stage and does not move it in UpdateSecretVersionStage: the old value is
        # served as current, and the next PutSecretValue leaves two versions labelled
        # AWSCURRENT. AWS has no such field; the labels are the truth, so point moto's
        # default at the version labelled AWSCURRENT. Harmless once moto is fixed.
        backend = secretsmanager_backends[DEFAULT_ACCOUNT_ID][self.region]
        secret = backend.secrets.get(secret_id)
        if not isinstance(secret, FakeSecret):
            return
        current = [
            version_id
            for version_id, version in secret.versions.items()
            if "AWSCURRENT" in version["version_stages"]
        ]
        if len(current) == 1:
            secret.set_default_version_id(current[0])

    # --- requests -----------------------------------------------------------

    def request_count(self, operation: str = "GetSecretValue") -> int:
        """How many `operation` requests reached this server (any caller)."""
        return self._app.count(operation)

    def reset_request_counts(self) -> None:
        """Start counting from zero."""
        self._app.reset()

    # --- IAM ----------------------------------------------------------------

    def create_iam_user(self, name: str, *, allow: Iterable[str] = ()) -> tuple[str, str]:
        """Create an IAM user allowed the `allow` actions on every resource; return its keys.

        The policy only matters inside `iam_enforced()`.
        """
        iam = self.client("iam")
        iam.create_user(UserName=name)
        actions = list(allow)
        if actions:
            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }
            iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return str(key["AccessKeyId"]), str(key["SecretAccessKey"])

    @contextmanager
    def iam_enforced(self) -> Iterator[None]:
        """Check every request's signature and IAM policy while inside the block.

        moto's switch is process-wide; only the users from `create_iam_user`
        (not the controller's `testing` keys) can call AWS meanwhile.
        """
        previous = json.loads(self._moto_api("/moto-api/reset-auth", b"0"))
        try:
            yield
        finally:
            self._moto_api(
                "/moto-api/reset-auth",
                str(previous["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]).encode(),
            )

    def _moto_api(self, path: str, body: bytes) -> str:
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 URL
            self.endpoint_url + path,
            data=body,
            method="POST",
            # moto reads the raw body; a form content type would make it parse and drop it.
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(response.read().decode())


def _value(value: str | bytes) -> dict[str, str | bytes]:
    return {"SecretBinary": value} if isinstance(value, bytes) else {"SecretString": value}
