"""Audit dispatch: each event record goes to its own hook, and a failing audit plugin never raises."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ..events import AuditEvent

__all__ = ["AUDIT_HOOKS", "dispatch"]

logger = logging.getLogger("credflow.plugins")

#: event type -> the hook that receives it
AUDIT_HOOKS = {
    "TokenRequested": "credflow_token_requested",
    "TokenIssued": "credflow_token_issued",
    "TokenFailed": "credflow_token_failed",
    "TokenRetried": "credflow_token_retried",
    "SecretFetched": "credflow_secret_fetched",
    "SecretFailed": "credflow_secret_failed",
    "SecretRotation": "credflow_secret_rotation",
    "CacheBackendEvent": "credflow_cache_backend",
    "EngineStarted": "credflow_engine_started",
    "AcquisitionStarted": "credflow_acquisition_started",
    "AcquisitionEnded": "credflow_acquisition_ended",
    "TokenRequestEnded": "credflow_token_request_ended",
    "TokenEndpointCalled": "credflow_token_endpoint_called",
}


def dispatch(pm: pluggy.PluginManager, event: AuditEvent) -> None:
    """Send `event` to its hook. A failing audit plugin is logged, never raised."""
    hook_name = AUDIT_HOOKS[type(event).__name__]
    try:
        getattr(pm.hook, hook_name)(event=event)
    except Exception:
        logger.exception("an audit plugin failed on %s", type(event).__name__)
