"""Shared pieces of the benchmarks: a migrated temporary database, bulk coalition setup, the
emulator and the bot under Telegram's limits, and the way runs are repeated and reported."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text

from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator
from bot.services import coalitions, members, organisations
from bot.services.coalitions import SetupRequest
from bot.services.members import PersonInfo
from bot.store.database import Database
from bot.store.migrate import upgrade


async def migrated(url: str) -> Database:
    """The database at `url`, upgraded; a server database (reused between runs) emptied."""
    db = Database(url)
    await upgrade(db.engine)
    if not db.is_sqlite:
        async with db.engine.begin() as connection:
            tables = (
                await connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
                )
            ).scalars()
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    return db


def database_url(tmp: str, url: str | None) -> str:
    """`url` (any form `DATABASE_URL` takes) or a SQLite file in `tmp`, as the bot's settings read it."""
    return Settings(database_url=url or f"sqlite:///{Path(tmp) / 'bench.db'}").database_url


def load() -> str:
    """The machine's load average, printed with every result (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def median(values: list[float]) -> float:
    return statistics.median(values)


async def coalition_with_members(
    db: Database, emu: Emulator | None, chat_id: int, size: int, first_user: int, now: datetime, *, offsets: str = "1d"
) -> int:
    """A coalition whose `size` members all started the bot; returns its id.

    Each person is stored as the emulator describes the user (English), as the bot would
    have stored them on an earlier update: the load then measures the steady state."""
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, chat_id, "bench", SetupRequest(f"Country {chat_id}"), now)
        coalition.reminder_offsets = offsets
        for user in range(first_user, first_user + size):
            if emu is not None:
                emu.add_user(user, f"Member {user}")
                emu.started.add(user)
            person = await members.upsert_person(s, PersonInfo(user, f"Member {user}", language_code="en"))
            person.can_message = True
            record, _ = await members.join(s, coalition, person, "operator", f"Org {user % 7}", now)
            organisations.confirm(record, None, now)  # a coalition at work: its managers confirmed them
        if emu is not None:
            emu.add_group(chat_id, f"Coalition {chat_id}")
        return coalition.id


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def latency_summary(values: list[float]) -> str:
    """Reply latencies as every bench prints them: how many, p50, p99 and the worst, in seconds."""
    return (
        f"n={len(values)} p50 {percentile(values, 50):.3f} s, p99 {percentile(values, 99):.3f} s, "
        f"max {max(values, default=float('nan')):.3f} s"
    )


@asynccontextmanager
async def limited_emulator(token: str, url: str | None) -> AsyncIterator[tuple[Emulator, str]]:
    """An emulator with Telegram's flood control on, and the database URL to use: `url`, or a
    SQLite file that lives as long as the emulator."""
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=token) as emu:
            emu.flood_control = True
            yield emu, database_url(tmp, url)


def bot_settings(emu: Emulator, url: str) -> Settings:
    """The settings of the real bot talking to `emu`, on the database at `url`."""
    return settings_for(emu.token, emu.base_url, url)


def settings_for(token: str, base_url: str, url: str) -> Settings:
    """`bot_settings` from what a child process can be given (an emulator cannot)."""
    return Settings(
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        database_url=url,
        locales_dir=PROJECT_ROOT / "locales",
    )


def parser(doc: str) -> argparse.ArgumentParser:
    """The options of every bench whose runs repeat on a chosen database; each adds its own."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1/bench (default: a SQLite file)")
    return parser


R = TypeVar("R")


async def repeated(runs: int, one_run: Callable[[], Awaitable[R]], report: Callable[[R], None]) -> list[R]:
    """`runs` runs one after the other, each reported as it ends, after the machine's load
    (shared machine: a slow run should be seen next to a busy one)."""
    results: list[R] = []
    for number in range(1, runs + 1):
        print(f"run {number}, {load()}")
        results.append(await one_run())
        report(results[-1])
    return results
