"""The SQLite backend keeps closed connections for the next request (core/sqlite/base.py)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from unidesk.core.sqlite.base import IdleConnections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _only_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the pool is SQLite's; PostgreSQL uses psycopg's pool")


def test_a_closed_connection_is_taken_again_by_the_next_request_of_any_thread() -> None:
    connection.ensure_connection()
    first = connection.connection
    connection.close()
    assert connection.connection is None

    seen: list[object] = []

    def request() -> None:
        from django.db import connection as theirs

        theirs.ensure_connection()
        seen.append(theirs.connection)
        with theirs.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket")
        theirs.close()

    worker = threading.Thread(target=request)
    worker.start()
    worker.join()
    assert seen == [first]
    connection.ensure_connection()
    assert connection.connection is first


def test_a_connection_closed_inside_a_transaction_is_not_kept() -> None:
    connection.ensure_connection()
    with transaction.atomic():
        inside = connection.connection
        connection.close()  # Django marks the transaction broken; the handle must not be reused
    connection.close()
    connection.ensure_connection()
    assert connection.connection is not inside


def test_the_pool_keeps_a_bounded_number_per_database_and_never_one_mid_transaction(
    tmp_path: Path,
) -> None:
    pool = IdleConnections(size=2)
    name = str(tmp_path / "db.sqlite3")
    handles = [sqlite3.connect(name, check_same_thread=False) for _ in range(3)]
    assert [pool.give(name, h) for h in handles] == [True, True, False]
    assert pool.take(str(tmp_path / "other.sqlite3")) is None

    busy = pool.take(name)
    assert busy is not None
    busy.execute("CREATE TABLE t (x)")
    busy.execute("BEGIN")
    busy.execute("INSERT INTO t VALUES (1)")
    assert pool.give(name, busy) is False
    busy.rollback()

    pool.close_all()
    assert pool.take(name) is None
    for handle in handles:
        handle.close()
