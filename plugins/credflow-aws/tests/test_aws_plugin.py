"""The plugin as credflow loads it: entry point, registration, lazy SDK import, settings."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import credflow_aws.plugin
import pytest
from credflow_aws.source import AwsSecretsManagerSource

from credflow import ConfigError, PluginHost
from credflow.plugin import RotatingSecretSource


def test_entry_point_is_declared() -> None:
    """The distribution declares `aws-sm = credflow_aws.plugin` in the `credflow` group."""
    points = metadata.entry_points(group="credflow", name="aws-sm")

    assert [("credflow-aws", "credflow_aws.plugin")] == [
        (point.dist.metadata["Name"] if point.dist else None, point.value) for point in points
    ]


def test_host_serves_the_scheme_with_a_rotating_source() -> None:
    """Registered through the hook, the scheme's source is an AwsSecretsManagerSource."""
    host = PluginHost(plugins=(credflow_aws.plugin,), load_entry_points=False)

    source = host.secret_source("aws-sm")

    assert "aws-sm" in host.secret_schemes
    assert isinstance(source, AwsSecretsManagerSource)
    assert isinstance(source, RotatingSecretSource)


def test_loading_the_plugin_does_not_import_boto3() -> None:
    """`import credflow` and registering the plugin leave boto3 and botocore unimported."""
    code = (
        "import sys, credflow, credflow_aws.plugin\n"
        "host = credflow.PluginHost(plugins=(credflow_aws.plugin,), load_entry_points=False)\n"
        "assert 'aws-sm' in host.secret_schemes\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert "[]" == result.stdout.strip()


def test_invalid_settings_fail_when_the_plugins_load() -> None:
    """Loading the plugin checks `[sources.aws-sm]` and raises ConfigError naming the key."""
    with pytest.raises(ConfigError) as caught:
        PluginHost(
            source_settings={"aws-sm": {"max_attempts": "3"}},
            plugins=(credflow_aws.plugin,),
            load_entry_points=False,
        )

    assert str(caught.value).startswith("sources.aws-sm.max_attempts: expected an integer")
