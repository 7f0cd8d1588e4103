"""`credflow agent`: a local process that serves tokens to every program on the host.

- `settings`: the `[agent]` table (listeners and their allow-lists);
- `service`: `TokenAgent`, the engines kept renewed and the file sinks;
- `http`: the endpoints on a Unix socket and an optional loopback port;
- `run`: the process (signals: SIGTERM stops, SIGHUP reloads);
- `client`: how `credflow token` and `credflow check` talk to a running agent.
"""

from __future__ import annotations

__all__ = ["AGENT_ENV"]

#: The environment variable naming a running agent's socket, for `credflow token` and `credflow check`.
AGENT_ENV = "CREDFLOW_AGENT"
