"""Short-lived per-process caches for desk configuration read on every message.

Routing rules, channel weights and SLA targets change rarely but are read at every intake.
Each process keeps them for `UNIDESK_CONFIG_CACHE_SECONDS` (default 5); a change saved in
this process clears them at once, other processes see it within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings

T = TypeVar("T")
_registry: list[ConfigCache[object]] = []
_also_clear: list[Callable[[], None]] = []


class ConfigCache(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._values: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        _registry.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable, compute: Callable[[], T], *, keep_none: bool = True) -> T:
        """The cached value, else ``compute()`` kept for next time (a None only when
        ``keep_none``: lookups of keys that may not exist then cannot fill the cache)."""
        ttl = float(getattr(settings, "UNIDESK_CONFIG_CACHE_SECONDS", 5))
        now = time.monotonic()
        hit = self._values.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        value = compute()
        if value is None and not keep_none:
            return value
        with self._lock:
            self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def on_clear(forget: Callable[[], None]) -> None:
    """Call ``forget`` whenever the configuration caches are cleared (e.g. loaded models)."""
    _also_clear.append(forget)


def clear_config_caches(*args: object, **kwargs: object) -> None:
    """Forget every cached configuration value (a signal receiver, so any arguments)."""
    for cache in _registry:
        cache.clear()
    for forget in _also_clear:
        forget()
