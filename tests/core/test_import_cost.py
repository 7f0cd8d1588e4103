"""`import credflow` stays light: no SDK, no plugin, no optional extra is imported by it."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("boto3", "botocore", "hvac", "azure", "redis", "cryptography", "authlib", "flask", "requests")


def imported_after(code: str) -> list[str]:
    """The top-level modules a fresh interpreter has imported after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return list(json.loads(output.stdout.splitlines()[-1]))


def test_import_credflow_imports_no_plugin_and_no_sdk() -> None:
    """Importing the package loads none of the plugins nor their SDKs, installed or not."""
    modules = imported_after("import credflow")
    assert [] == [name for name in modules if name.startswith(HEAVY) or name.startswith("credflow_")]


def test_loading_every_installed_plugin_imports_no_sdk() -> None:
    """Building a PluginHost loads the plugins' modules, but their SDKs only on first use."""
    modules = imported_after("import credflow\ncredflow.PluginHost()")
    assert {"credflow_aws", "credflow_vault", "credflow_azure", "credflow_redis"} <= set(modules)
    assert [] == [name for name in modules if name.startswith(HEAVY)]
