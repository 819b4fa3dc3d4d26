"""SQLite under the async engine: the connection's settings, and statements run where they are cheapest.

aiosqlite runs SQLite in a thread of its own, and every call crosses to that thread and
back. Through SQLAlchemy's adapter one statement makes four crossings (open a cursor,
execute, fetch the rows, close the cursor); on a busy event loop each crossing costs about
as much as the statement itself (`bench/throughput.py` counted 34 crossings per update).
The cursor here runs the statement, fetches its rows and closes the real cursor in one
call, and SQLAlchemy then reads the result from memory.

That call runs in the event loop itself: the bot's statements take microseconds, less than
a crossing. What could make it wait is a lock held by another connection (another
transaction of this process that awaits something, or another process). So the connection
never waits inside the loop (its busy timeout is 0): a statement that finds the database
locked (`SQLITE_BUSY`) goes to SQLite's thread, which retries it until the lock is free or
`timeout` has passed, while the loop serves everything else. Once a call has gone to the
thread, the next ones follow it there until it has finished, so one connection is never
used by two threads at once. Any other error (`SQLITE_BUSY_SNAPSHOT` included: waiting
cannot help a stale snapshot) is raised at once, as before.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def configure(dbapi_connection: Any, _record: object) -> None:
    """WAL lets readers proceed during a write; a busy writer waits in SQLite's thread (see
    `Connection._execute`), never inside SQLite in the event loop, hence busy_timeout=0.

    synchronous=NORMAL is SQLite's advice for WAL: a commit survives a crash of the process
    (a `kill -9` included); only a power cut may lose the last commits, never corrupt the file.
    """
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=0", "foreign_keys=ON", "synchronous=NORMAL"):
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

        def statement() -> Outcome:
            cursor = connection._conn.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        self.description, self.rowcount, self.lastrowid, self._rows = await connection._execute(statement)

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
    """An aiosqlite connection whose statements run in the event loop unless they must wait."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], timeout: float, **kwargs: Any) -> None:
        super().__init__(connector, **kwargs)
        self.timeout = timeout
        self._in_thread = 0  # calls handed to SQLite's thread and not finished there
        self._guard = threading.Lock()
        self.waited = 0  # statements that found the database locked (tests, diagnostics)

    def cursor(self) -> _Cursor:  # type: ignore[override]  # SQLAlchemy enters it with `__aenter__`
        return _Cursor(self)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        call = partial(fn, *args, **kwargs)
        if self._connection is None or self._in_thread:
            return await self._via_thread(call)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
        self.waited += 1
        return await self._via_thread(partial(_until_free, call, time.monotonic() + self.timeout))

    async def _via_thread(self, call: Callable[[], Any]) -> Any:
        """Run `call` in SQLite's thread (aiosqlite's queue keeps the order of such calls)."""
        with self._guard:
            self._in_thread += 1

        def counted() -> Any:
            try:
                return call()
            finally:
                with self._guard:
                    self._in_thread -= 1

        return await super()._execute(counted)


def _until_free(call: Callable[[], Any], deadline: float) -> Any:
    """In SQLite's thread: retry `call` while the database is locked, as a busy timeout would."""
    delay = 0.001
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def connector(path: str, timeout: float) -> Callable[[], Connection]:
    """The `async_creator` of the engine: a connection to the database file at `path`; a
    statement waits at most `timeout` seconds for a lock."""

    def connect() -> Connection:
        # used by the event loop and by SQLite's thread, never by both at once (see `_execute`)
        connection = Connection(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False), timeout, iter_chunk_size=64
        )
        connection._thread.daemon = True  # as SQLAlchemy does: an unclosed connection never blocks exit
        return connection

    return connect
