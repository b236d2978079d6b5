"""SQLite that keeps its connections open between requests.

Under ASGI, Django runs each request's code in a thread of its own, so a connection is
opened and closed for every request (``CONN_MAX_AGE`` must stay 0). Opening one is not
cheap: Django registers its SQL functions, the init PRAGMAs run, SQLite reads the schema
again, and every statement is compiled afresh because the statement cache lives on the
connection (about 2 ms of CPU per request, bench/RESULTS.md). This backend hands a closed
connection to a small per-process pool instead, and the next request of any thread takes
it from there (Django opens SQLite connections with ``check_same_thread=False``; one
thread uses a connection at a time). PostgreSQL has psycopg's pool for the same reason.

A connection goes back to the pool only between transactions; anything else is closed.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

IDLE_PER_DATABASE = 8


class IdleConnections:
    """Open connections waiting for their next request, per database file."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: dict[str, list[sqlite3.Connection]] = {}
        self._lock = threading.Lock()
        # A connection must never be used, nor closed, by a forked child: closing it there
        # could make SQLite checkpoint and remove the parent's write-ahead log.
        self._abandoned: list[sqlite3.Connection] = []
        os.register_at_fork(after_in_child=self._abandon)

    def take(self, name: str) -> sqlite3.Connection | None:
        with self._lock:
            idle = self._idle.get(name)
            return idle.pop() if idle else None

    def give(self, name: str, connection: sqlite3.Connection) -> bool:
        """Keep the connection for later; False when the pool is full (close it then)."""
        if connection.in_transaction:
            return False
        with self._lock:
            idle = self._idle.setdefault(name, [])
            if len(idle) >= self.size:
                return False
            idle.append(connection)
            return True

    def close_all(self) -> None:
        with self._lock:
            idle = [c for connections in self._idle.values() for c in connections]
            self._idle.clear()
        for connection in idle:
            connection.close()

    def _abandon(self) -> None:
        self._abandoned.extend(c for connections in self._idle.values() for c in connections)
        self._idle.clear()
        self._lock = threading.Lock()


POOL = IdleConnections(IDLE_PER_DATABASE)


class DatabaseWrapper(base.DatabaseWrapper):
    def _pooled(self) -> bool:
        return not self.is_in_memory_db()

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if self._pooled() and (connection := POOL.take(self.settings_dict["NAME"])) is not None:
            return connection
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        connection = self.connection
        if (
            connection is not None
            and self._pooled()
            and not self.in_atomic_block
            and POOL.give(self.settings_dict["NAME"], connection)
        ):
            return
        super()._close()  # type: ignore[misc]  # (not in django-stubs)
