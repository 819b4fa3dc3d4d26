"""SQLite under the async engine: the connection's settings, and one thread crossing per statement.

aiosqlite runs SQLite in a thread of its own, and every call crosses to that thread and
back. Through SQLAlchemy's adapter one statement makes four crossings (open a cursor,
execute, fetch the rows, close the cursor); on a busy event loop each crossing costs about
as much as the statement itself (`bench/throughput.py` counted 34 crossings per update).
The cursor here runs the statement, fetches its rows and closes the real cursor in one
crossing, and SQLAlchemy then reads the result from memory. Everything else (commit,
rollback, the thread, errors) is aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aiosqlite

Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def configure(dbapi_connection: Any, _record: object) -> None:
    """WAL lets readers proceed during a write; busy_timeout queues writers instead of failing.

    synchronous=NORMAL is SQLite's advice for WAL: a commit survives a crash of the process
    (a `kill -9` included); only a power cut may lose the last commits, never corrupt the file.
    """
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class _Cursor:
    """The part of aiosqlite's cursor that SQLAlchemy's adapter uses, one crossing per statement."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> _Cursor:
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _Cursor:
        await self._run(lambda cursor: cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Cursor:
        await self._run(lambda cursor: cursor.executemany(sql, parameters))
        return self

    async def _run(self, call: Callable[[sqlite3.Cursor], object]) -> None:
        connection = self._connection

        def in_sqlite_thread() -> Outcome:
            cursor = connection._conn.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid, self._rows = await connection._execute(in_sqlite_thread)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def close(self) -> None:
        self._rows = []


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors cross to SQLite's thread once per statement."""

    def cursor(self) -> _Cursor:  # type: ignore[override]  # SQLAlchemy enters it with `__aenter__`
        return _Cursor(self)


def connector(path: str, timeout: float) -> Callable[[], Connection]:
    """The `async_creator` of the engine: a connection to the database file at `path`."""

    def connect() -> Connection:
        connection = Connection(lambda: sqlite3.connect(path, timeout=timeout), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: an unclosed connection never blocks exit
        return connection

    return connect
