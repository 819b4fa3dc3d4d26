"""The SQLite connection under the async engine: SQLAlchemy's behaviour, one thread crossing a statement."""

import pytest
from sqlalchemy import exc, text

from bot.store import sqlite
from bot.store.database import Database


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'cursor.db'}")
    yield database
    await database.dispose()


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
        pragmas = [(await connection.execute(text(f"PRAGMA {p}"))).scalar() for p in ("journal_mode", "synchronous")]
        assert pragmas == ["wal", 1]  # 1: NORMAL


async def test_a_statement_crosses_to_sqlites_thread_once(database, monkeypatch):
    crossings = []
    original = sqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        crossings.append(fn)
        return await original(self, fn, *args, **kwargs)

    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is open and configured
        monkeypatch.setattr(sqlite.Connection, "_execute", counted)
        rows = await connection.execute(text("SELECT 1 UNION ALL SELECT 2"))
        assert rows.scalars().all() == [1, 2]
        assert len(crossings) == 1  # aiosqlite's own cursor makes four: open, execute, fetch, close
