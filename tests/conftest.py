"""Shared fixtures: a real database (SQLite file, or PostgreSQL with TEST_DATABASE_URL).

Nothing here mocks the database: SQLite tests get a fresh file per test; PostgreSQL tests
share one migrated database and empty every table before each test.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.clock import FrozenClock
from bot.config import PROJECT_ROOT, Settings
from bot.i18n import Catalogs
from bot.store.database import Database
from bot.store.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL")
_pg_migrated = False


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a PostgreSQL database not named for tests: the suite drops its `public` schema."""
    if PG_URL and "test" not in (make_url(Settings(database_url=PG_URL).database_url).database or ""):
        raise pytest.UsageError(
            f"TEST_DATABASE_URL names the database {make_url(PG_URL).database!r}: the test suite drops and "
            "recreates its public schema, so it runs only against a database whose name contains 'test'."
        )


def database_url(tmp_path: Path) -> str:
    return Settings(database_url=PG_URL).database_url if PG_URL else f"sqlite+aiosqlite:///{tmp_path}/test.db"


async def prepare(url: str) -> None:
    """Migrate a new SQLite file, or (once) migrate PostgreSQL and then empty every table."""
    global _pg_migrated
    db = Database(url)
    try:
        if db.is_sqlite:
            await upgrade(db.engine)
            return
        if not _pg_migrated:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await upgrade(db.engine)
            _pg_migrated = True
        async with db.engine.begin() as conn:
            tables = (
                (
                    await conn.execute(
                        text(
                            "SELECT tablename FROM pg_tables"
                            " WHERE schemaname='public' AND tablename <> 'alembic_version'"
                        )
                    )
                )
                .scalars()
                .all()
            )
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture
async def db_url(tmp_path: Path) -> str:
    url = database_url(tmp_path)
    await prepare(url)
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs(PROJECT_ROOT / "locales")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 1, 10, 8, 0, tzinfo=UTC))
