"""The Python examples of the documentation under `docs/`, found by `credflow.testing`'s runner.

Every fenced ```python block of a page is an example that the suite runs
(`test_examples.py`); `<!-- not-run: reason -->`, `<!-- fixture: ... -->` and
`<!-- continued -->` mark blocks as `credflow.testing.docs_examples` says.
The one fixture these pages know:

- `<!-- fixture: auth_server -->`: the block runs with `server`, a started
  `credflow.testing.AuthServer` that knows the client `billing` with the
  scopes `api.read` and `api.write`, and the environment variable
  `BILLING_CLIENT_SECRET` holding that client's secret.

Blocks that need no fixture start their own server, as users would.
"""

from __future__ import annotations

from pathlib import Path

from credflow.testing import DocsExample, examples_under

__all__ = ["DOCS", "FIXTURES", "PAGES_TESTED_ELSEWHERE", "examples"]

DOCS = Path(__file__).resolve().parents[2] / "docs"

FIXTURES = frozenset({"auth_server"})

# Pages whose examples need a plugin's real server; they are owned and run by that plugin.
PAGES_TESTED_ELSEWHERE = {
    "plugins/vault.md": "plugins/credflow-vault/tests/test_vault_docs.py",
    "plugins/azure.md": "plugins/credflow-azure/tests/test_azure_docs.py",
    "plugins/aws.md": "plugins/credflow-aws/tests/test_aws_docs.py",
}


def examples() -> list[DocsExample]:
    """Every example of every page, except those of pages tested elsewhere."""
    return examples_under(DOCS, exclude=PAGES_TESTED_ELSEWHERE)
