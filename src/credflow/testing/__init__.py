"""A local OAuth2 authorization server for tests and development.

`AuthServer` issues client-credentials tokens over real HTTP on a loopback
port; `ServerCounters` tells what it saw; `ManualClock` moves its time.
`wait_until` and `await_until` poll a condition with a deadline, for tests
that wait on something happening in another thread, process or task.

The helpers every test suite here shares, the core's and each plugin's:
`free_port` (a loopback port nothing listens on), `ManagedProcess` (a child
process started, waited for and always stopped), `AuditRecorder` (a plugin
keeping every audit event) and the docs-example runner (`page_examples`,
`examples_under`, `runnable`, `DocsExample`).
The server needs the `testing` extra (Authlib, Flask). Names load lazily so
that the pytest plugin in this package imports without that extra installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ..transport._retry import set_testing
    from .audit import AuditRecorder
    from .clock import ManualClock
    from .counters import ServerCounters
    from .docs_examples import DocsExample, DocsExampleError, examples_under, page_examples, runnable
    from .ports import free_port
    from .processes import ManagedProcess, ManagedProcessError
    from .server import AuthServer
    from .waiting import await_until, wait_until

__all__ = [
    "AuditRecorder",
    "AuthServer",
    "DocsExample",
    "DocsExampleError",
    "ManagedProcess",
    "ManagedProcessError",
    "ManualClock",
    "ServerCounters",
    "await_until",
    "examples_under",
    "free_port",
    "page_examples",
    "runnable",
    "set_testing",
    "wait_until",
]

_MODULE_OF = {
    "AuditRecorder": ".audit",
    "AuthServer": ".server",
    "DocsExample": ".docs_examples",
    "DocsExampleError": ".docs_examples",
    "ManagedProcess": ".processes",
    "ManagedProcessError": ".processes",
    "examples_under": ".docs_examples",
    "free_port": ".ports",
    "page_examples": ".docs_examples",
    "runnable": ".docs_examples",
    "ManualClock": ".clock",
    "ServerCounters": ".counters",
    "await_until": ".waiting",
    "set_testing": "..transport._retry",
    "wait_until": ".waiting",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
