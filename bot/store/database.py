"""Async database access: one engine per process, one session (one transaction) per unit of work.

Handlers and jobs open `async with db.transaction() as session:` once; every command is
therefore one transaction, so a crash mid-command never leaves half-written records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store import sqlite


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
        else:  # a server: a connection it dropped is replaced before use
            self.engine = create_async_engine(url, pool_pre_ping=True)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
