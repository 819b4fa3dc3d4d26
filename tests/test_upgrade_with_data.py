"""A database at the four heads that existed before the merge revision 0008 (0004, 0005, 0006,
0007), holding data in every table, upgrades to the head with every row and value intact —
on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, Numeric, Time, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.database import Database
from bot.store.migrate import alembic_config, upgrade
from tests.conftest import database_url

OLD_HEADS = ("0004", "0005", "0006", "0007")
MOMENT = dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)


async def _to_old_heads(engine: AsyncEngine) -> None:
    def _go(connection) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        for head in OLD_HEADS:
            command.upgrade(config, head)

    async with engine.begin() as connection:
        await connection.run_sync(_go)


def _value(column, n: int):
    """A plausible value for any column: ids and foreign keys all `n`, so every reference holds."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return MOMENT if getattr(kind, "timezone", False) else MOMENT.replace(tzinfo=None)
    if isinstance(kind, Date):
        return MOMENT.date()
    if isinstance(kind, Time):
        return MOMENT.time()
    if isinstance(kind, Integer | Numeric | Float):
        return n
    if isinstance(kind, LargeBinary):
        return b"\x00data"
    if isinstance(kind, JSON):
        return {"kept": True}
    return f"{column.table.name}.{column.name}"


def _day(moment):
    """A stored moment cut to its day, as text (SQLite) or as a datetime (PostgreSQL)."""
    if isinstance(moment, str):
        return moment[:10] + " 00:00:00.000000"
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _fill(connection) -> dict[str, list[str]]:
    """One row in every table, in foreign-key order; returns each table's columns."""
    metadata = MetaData()
    metadata.reflect(connection)
    columns = {}
    for table in metadata.sorted_tables:
        if table.name != "alembic_version":
            connection.execute(table.insert().values({c.name: _value(c, 1) for c in table.columns}))
            columns[table.name] = [c.name for c in table.columns]
            if connection.dialect.name == "postgresql" and "id" in table.columns:
                # as in a real database, the next id follows the stored ones (0010 inserts rows)
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1)"))
    return columns


def _read(connection, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the given tables and columns, as stored."""
    rows = {}
    for table, names in columns.items():
        quoted = ", ".join(f'"{name}"' for name in names)
        rows[table] = [tuple(row) for row in connection.execute(text(f'SELECT {quoted} FROM "{table}"'))]
    return rows


async def test_a_database_at_the_four_old_heads_upgrades_with_its_data(tmp_path: Path):
    url = database_url(tmp_path)
    db = Database(url)
    try:
        if not db.is_sqlite:
            async with db.engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await _to_old_heads(db.engine)
        async with db.engine.begin() as connection:
            heads = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
            assert heads == set(OLD_HEADS)
            columns = await connection.run_sync(_fill)
            before = await connection.run_sync(lambda sync: _read(sync, columns))
        assert len(before) >= 15 and all(len(rows) == 1 for rows in before.values())  # every area holds data

        await upgrade(db.engine)

        async with db.engine.connect() as connection:
            current = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            assert current == ScriptDirectory.from_config(alembic_config(url)).get_heads()
            # the concern limiter is rebuilt by 0011 (SPEC §8): its old rows and columns are gone
            assert before.pop("concern_limit") and columns.pop("concern_limit")
            assert (await connection.execute(text("SELECT count(*) FROM concern_limit"))).scalar() == 0
            after = await connection.run_sync(lambda sync: _read(sync, columns))
        # what else SPEC §8 asks of the upgrade (0011), and nothing more: a concern keeps no time
        # finer than its day
        at = columns["concern"].index("created_at")
        (concern,) = before.pop("concern")
        assert after.pop("concern") == [(*concern[:at], _day(concern[at]), *concern[at + 1 :])]
        # and of 0010 (SPEC §3): the member's organisation kept, now a row of its own, and the
        # coalition's managers sent one list of claims to review (a reminder due at once)
        kept, review = after["reminder"]
        assert kept == before["reminder"][0]
        key, kind = (review[columns["reminder"].index(name)] for name in ("key", "kind"))
        assert (key, kind) == ("organisations:1", "organisations")
        after["reminder"] = [kept]
        async with db.engine.connect() as connection:
            names = (await connection.execute(text("SELECT name FROM organisation ORDER BY name"))).scalars().all()
        assert "membership.organisation" in names and "progress_report.organisation" in names
        assert after == before
    finally:
        if not db.is_sqlite:  # leave the shared test database as the other tests expect it: at the head
            async with db.engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
            await upgrade(db.engine)
        await db.dispose()
