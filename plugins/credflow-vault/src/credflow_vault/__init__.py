"""credflow-vault: client secrets read from HashiCorp Vault or OpenBao KV engines.

`vault:<mount>/<path>#<key>[?version=N]` references are served by the plugin
registered under the `credflow` entry point `vault`. Importing this package
does not import hvac.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
