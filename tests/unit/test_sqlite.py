"""The SQLite connection under the async engine: SQLAlchemy's behaviour, statements run in the
event loop, and a locked database waited for in SQLite's thread, never in the loop."""

import asyncio
import time

import pytest
from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.store import sqlite
from bot.store.database import Database


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'cursor.db'}")
    yield database
    await database.dispose()


def _engine(path, timeout: float):
    """An engine like `Database`'s whose statements wait at most `timeout` seconds for a lock."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}", async_creator=sqlite.connector(str(path), timeout=timeout)
    )
    event.listen(engine.sync_engine, "connect", sqlite.configure)
    return engine


async def test_results_rowcounts_and_errors_are_sqlalchemys(database):
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        inserted = await connection.execute(text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abc"])
        assert inserted.rowcount == 3
        single = await connection.execute(text("INSERT INTO t (name) VALUES ('d')"))
        assert single.lastrowid == 4
        changed = await connection.execute(text("UPDATE t SET name = upper(name) WHERE id <= 2"))
        assert changed.rowcount == 2
        rows = await connection.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert rows.all() == [(1, "A"), (2, "B"), (3, "c"), (4, "d")]
        returned = await connection.execute(text("INSERT INTO t (name) VALUES ('e') RETURNING id, name"))
        assert returned.one() == (5, "e")
        with pytest.raises(exc.IntegrityError):
            await connection.execute(text("INSERT INTO t (name) VALUES ('e')"))
    async with database.engine.connect() as connection:
        pragmas = [
            (await connection.execute(text(f"PRAGMA {p}"))).scalar()
            for p in ("journal_mode", "synchronous", "busy_timeout")
        ]
        assert pragmas == ["wal", 1, 0]  # 1: NORMAL; 0: a lock is waited for in the thread, not in SQLite


async def test_a_statement_is_one_call_in_the_event_loop(database, monkeypatch):
    calls, crossings = [], []
    execute, thread = sqlite.Connection._execute, sqlite.Connection._via_thread

    async def counted(self, fn, *args, **kwargs):
        calls.append(fn)
        return await execute(self, fn, *args, **kwargs)

    async def crossed(self, call):
        crossings.append(call)
        return await thread(self, call)

    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is open and configured
        monkeypatch.setattr(sqlite.Connection, "_execute", counted)
        monkeypatch.setattr(sqlite.Connection, "_via_thread", crossed)
        rows = await connection.execute(text("SELECT 1 UNION ALL SELECT 2"))
        assert rows.scalars().all() == [1, 2]
        assert len(calls) == 1  # aiosqlite's own cursor makes four: open, execute, fetch, close
        assert crossings == []  # and each of them crosses to SQLite's thread and back


async def test_a_locked_database_is_waited_for_in_the_thread_while_the_loop_runs(tmp_path):
    engine = _engine(tmp_path / "locked.db", timeout=30)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holder, waiter = await engine.connect(), await engine.connect()
    await holder.begin()
    await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    await waiter.begin()
    blocked = asyncio.create_task(waiter.execute(text("INSERT INTO t VALUES (2)")))
    await asyncio.sleep(0.3)
    assert not blocked.done() and ticks >= 10  # the loop went on while the insert waited
    await holder.commit()
    await asyncio.wait_for(blocked, 5)
    await waiter.commit()
    raw = (await waiter.get_raw_connection()).driver_connection
    assert raw.waited == 1
    # after the wait, statements run in the loop again
    assert (await waiter.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    ticker.cancel()
    await holder.close()
    await waiter.close()
    await engine.dispose()


async def test_a_lock_held_too_long_fails_after_the_timeout(tmp_path):
    engine = _engine(tmp_path / "stale.db", timeout=0.3)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holder, waiter = await engine.connect(), await engine.connect()
    await holder.begin()
    await holder.execute(text("INSERT INTO t VALUES (1)"))
    await waiter.begin()
    started = time.monotonic()
    with pytest.raises(exc.OperationalError, match="locked"):
        await waiter.execute(text("INSERT INTO t VALUES (2)"))
    assert 0.2 < time.monotonic() - started < 5
    await waiter.rollback()
    await holder.commit()
    await holder.close()
    await waiter.close()
    await engine.dispose()
