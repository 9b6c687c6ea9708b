"""The module-level guard objects behind ``durable_guard.guard()`` and friends, created on first use."""

from __future__ import annotations

import threading
from typing import Any, Optional

from .client import AsyncGuard, Guard

_lock = threading.Lock()
_sync: Optional[Guard] = None
_async: Optional[AsyncGuard] = None
_options: dict[str, Any] = {}


def configure(transport: Any = None, **options: Any) -> None:
    """Sets how the module-level functions connect (same arguments as :class:`Guard`); call before the first use."""
    global _sync, _async
    with _lock:
        _options.clear()
        _options.update(options, transport=transport)
        _sync = None
        _async = None


def sync_guard() -> Guard:
    global _sync
    with _lock:
        if _sync is None:
            _sync = Guard(**_options)
        return _sync


def async_guard() -> AsyncGuard:
    """The module's AsyncGuard; its connection belongs to the event loop of its first use."""
    global _async
    with _lock:
        if _async is None:
            _async = AsyncGuard(**_options)
        return _async
