"""The Python examples of the documentation run, as written, against real servers.

The conventions (`<!-- not-run: reason -->`, `<!-- fixture: auth_server -->`)
are described in `credflow.testing.docs_examples` and `tests/docs/examples.py`.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

import credflow
from credflow.testing import DocsExample, runnable
from credflow.testing.pytest_plugin import AuthServerFactory

from .examples import FIXTURES, PAGES_TESTED_ELSEWHERE, examples

RUN = runnable(examples())
NOT_RUN = [example for example in examples() if example.not_run is not None]


@pytest.fixture
def isolated() -> Iterator[None]:
    """Undo what an example changes in the process: environment, shared token cache, log levels.

    The testing switch an example turns on or off is restored by the credflow pytest plugin.
    """
    loggers = {name: logging.getLogger(name).level for name in ("credflow", "credflow.audit")}
    with mock.patch.dict(os.environ):
        yield
    memory = credflow.default_plugin_host().token_cache("memory")
    assert isinstance(memory, credflow.MemoryTokenCache)
    memory.clear()  # a later example's server may get the same port, hence the same cache key
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)


def _auth_server(factory: AuthServerFactory) -> dict[str, Any]:
    server = factory()
    secret = "docs-" + secrets.token_urlsafe(18)
    server.add_client("billing", secret, scopes=["api.read", "api.write"])
    os.environ["BILLING_CLIENT_SECRET"] = secret
    return {"server": server}


@pytest.mark.parametrize("example", RUN, ids=[example.name for example in RUN])
def test_example_runs(
    example: DocsExample, isolated: None, credflow_auth_server_factory: AuthServerFactory
) -> None:
    """The example runs to the end without an exception (its own asserts included)."""
    namespace: dict[str, Any] = {}
    if "auth_server" in example.fixtures:
        namespace.update(_auth_server(credflow_auth_server_factory))

    example.run(namespace, known_fixtures=FIXTURES)


def test_not_run_examples_say_why() -> None:
    """Every example that is not run carries a reason, and they stay rare."""
    without_reason = [example.name for example in NOT_RUN if not example.not_run]

    assert [] == without_reason
    assert len(NOT_RUN) <= len(RUN) // 4, [example.name for example in NOT_RUN]


def test_pages_tested_elsewhere_exist() -> None:
    """The pages left to the plugins' own tests are real pages (a rename would drop their examples)."""
    from .examples import DOCS

    missing = [page for page in PAGES_TESTED_ELSEWHERE if not (DOCS / page).exists()]

    assert [] == missing


def test_there_are_examples() -> None:
    """The runner finds the examples (a broken pattern would make every other test vacuous)."""
    pages = {example.page for example in RUN}

    assert {"quickstart.md", "concepts/flow.md"} <= pages
