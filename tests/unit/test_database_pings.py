"""Server connections are pinged before use only after sitting idle (`bot.store.database`):
one dropped by the server meanwhile is replaced, one just returned costs no round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.store import database
from bot.store.database import Database
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="a server's dropped connections: runs on PostgreSQL (TEST_DATABASE_URL), as CI does"
)


async def _backend(db: Database) -> int:
    async with db.transaction() as session:
        return (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def _drop(db: Database, pid: int) -> None:
    """The server ends that connection, as a restart or an idle timeout would."""
    other = Database(db.url)  # its own pool: this one would hand out the connection to be dropped
    try:
        async with other.engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(db, monkeypatch):
    dropped = await _backend(db)
    await _drop(db, dropped)
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # every connection counts as idle
    assert await _backend(db) != dropped  # a new connection, no error


async def test_a_connection_just_returned_is_not_pinged(db, monkeypatch):
    pings: list[object] = []
    ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    first = await _backend(db)
    for _ in range(5):
        assert await _backend(db) == first
    assert pings == []  # a busy bot makes no round trip before each transaction
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    await _backend(db)
    assert len(pings) == 1
