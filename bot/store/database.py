"""Async database access: one engine per process, one session (one transaction) per unit of work.

Handlers and jobs open `async with db.transaction() as session:` once; every command is
therefore one transaction, so a crash mid-command never leaves half-written records.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import sqlite

IDLE_PING_SECONDS = 5.0
_CHECKED_IN = "checked_in"  # key in a pooled connection's `info`: when it was last returned


class Database:
    """Owns the engine and hands out transactional sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:  # a file: nothing to ping, and the pragmas on every new connection
            self.engine: AsyncEngine = create_async_engine(
                url, async_creator=sqlite.connector(make_url(url).database or ":memory:", timeout=30)
            )
            event.listen(self.engine.sync_engine, "connect", sqlite.configure)
        else:  # a server: a connection it may have dropped meanwhile is replaced before use
            self.engine = create_async_engine(url)
            event.listen(self.engine.sync_engine.pool, "connect", _note_checkin)  # new: nothing to ping
            event.listen(self.engine.sync_engine.pool, "checkin", _note_checkin)
            event.listen(self.engine.sync_engine.pool, "checkout", self._ping_if_idle)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    def _ping_if_idle(self, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: object) -> None:
        """SQLAlchemy's `pool_pre_ping`, for a connection that sat unused for a while only.

        A ping is a round trip to the server before every transaction, an eighth of what an
        update costs on PostgreSQL (`bench/throughput.py`). A connection back in the pool less
        than `IDLE_PING_SECONDS` ago was just working; a server restart in that window fails
        the transactions then running anyway. Raising `DisconnectionError` makes the pool
        replace the connection and check out another, as a failed pre-ping does."""
        if time.monotonic() - record.info.get(_CHECKED_IN, 0.0) < IDLE_PING_SECONDS:
            return
        try:
            alive = self.engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error for a dropped connection
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the database did not answer a ping")


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()
