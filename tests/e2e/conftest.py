"""End-to-end fixtures: the real `Application` on long polling against the local emulator.

Every test ends by checking that the bot never made a request Telegram would have refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from bot.app import build_application, running
from bot.clock import FrozenClock
from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator
from bot.emulator.records import SentMessage
from bot.models import Coalition, Membership, Person
from bot.store.database import Database
from jobs import DISPATCHER_KEY
from jobs.dispatch import INTERVAL

TOKEN = "123456:TEST-token"
GROUP = -1001
ADMIN, NADIA, JOHN, SALIM = 1001, 1002, 1003, 1004


class SerialDispatcher:
    """The reminder dispatcher as tests drive it: one tick at a time, each one complete.

    The real dispatcher skips a tick while another runs, so a test's `tick()` racing the job
    queue's would return having sent nothing. The harness therefore replaces the scheduled
    dispatch job by its own loop through this lock, and never lets the watchdog job run by
    itself (tests call `jobs.watchdogs.run_watchdogs` when they mean it to run).
    """

    def __init__(self, dispatcher) -> None:
        self.inner = dispatcher
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        async with self._lock:
            return await self.inner.tick()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def run(self, stop: asyncio.Event) -> None:
        """What the scheduled job did: a tick every `INTERVAL` seconds, each finished before `stop`."""
        while not stop.is_set():
            await self.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), INTERVAL)


@dataclass
class Harness:
    """Acts as users through the emulator and reads what the bot answered."""

    emu: Emulator
    app: object
    clock: FrozenClock
    settings: Settings

    processed: int = 0
    progress: asyncio.Condition | None = None
    serial: SerialDispatcher | None = None

    async def say(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        contains: str | None = None,
        timeout: float = 5.0,
    ) -> SentMessage:
        """Send a message, wait until the bot has handled it, return its first reply in that chat."""
        seen = self.snapshot()
        await self.emu.send(chat_id, user_id, text, reply_to=reply_to)
        await self.idle(timeout)
        return await self.next(chat_id, seen, contains=contains, timeout=timeout)

    async def idle(self, timeout: float = 5.0, *, replies: bool = True) -> None:
        """Wait until every update pushed so far has been handled (and its replies have left)."""
        target = self.emu.updates.last_update_id
        async with self.progress:
            await asyncio.wait_for(self.progress.wait_for(lambda: self.processed >= target), timeout)
        if replies:  # replies leave after the handler, through the sender
            await asyncio.wait_for(self.runtime.sender.idle(), timeout)

    @property
    def runtime(self):
        return self.app.bot_data["runtime"]

    def replies(self, chat_id: int, seen: set) -> list[SentMessage]:
        return [m for m in self.emu.sent if m.chat_id == chat_id and (m.chat_id, m.message_id) not in seen]

    def snapshot(self) -> set[tuple[int, int]]:
        return {(m.chat_id, m.message_id) for m in self.emu.sent}

    async def next(self, chat_id: int, seen: set, *, contains: str | None = None, timeout: float = 5.0) -> SentMessage:
        return await self.emu.wait_for(
            lambda m: (
                m.chat_id == chat_id
                and (m.chat_id, m.message_id) not in seen
                and (contains is None or contains in m.content)
            ),
            timeout,
        )

    async def press(self, message: SentMessage, user_id: int, data: str) -> dict:
        query_id = await self.emu.press(message.chat_id, message.message_id, user_id, data)
        await self.idle()
        return await self.emu.wait_callback_answer(query_id)

    @property
    def dispatcher(self) -> SerialDispatcher:
        return self.serial

    async def rows(self, model: type) -> list:
        """Every row of a table, as the bot's own database sees it (by id where there is one)."""
        query = select(model).order_by(model.id) if hasattr(model, "id") else select(model)
        async with self.app.bot_data["runtime"].db.transaction() as session:
            return list((await session.exec(query)).all())

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.emu.sent if m.chat_id == chat_id]


def make_settings(emu: Emulator, db_url: str) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=emu.base_url,
        database_url=db_url,
        locales_dir=PROJECT_ROOT / "locales",
        commands_per_minute=0,  # tests act faster than people; test_sender checks the throttle
    )


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(token=TOKEN)
    await emulator.start()
    emulator.add_user(ADMIN, "Rania", last_name="Haddad", username="rania", language_code="ar")
    emulator.add_user(NADIA, "Nadia", username="nadia", language_code="fr-CA")
    emulator.add_user(JOHN, "John", username="john", language_code="en")
    emulator.add_user(SALIM, "Salim", username="salim", language_code="de")
    emulator.add_group(GROUP, "Lebanon Coalition", admins=[ADMIN], creator=ADMIN)
    yield emulator
    await emulator.stop()


@asynccontextmanager
async def started_bot(
    emu: Emulator,
    db_url: str,
    clock: FrozenClock,
    *,
    rate_limit: bool = False,
    ticking: bool = True,
    **overrides: object,
) -> AsyncIterator[Harness]:
    """The real application on long polling; usable several times in a test (restarts).

    `overrides` are settings beyond the defaults of `make_settings` (e.g. `public_url`);
    `rate_limit`: the sender applies Telegram's limits (turn `emu.flood_control` on with it);
    `ticking=False`: the dispatcher looks only when the test calls `bot.dispatcher.tick()`
    (a process stopped before its dispatcher ran, say)."""
    settings = make_settings(emu, db_url).model_copy(update=overrides)
    application = build_application(settings, clock=clock, rate_limit=rate_limit)
    harness = Harness(emu, application, clock, settings, progress=asyncio.Condition())
    handle = application.process_update

    async def tracked(update):
        try:
            await handle(update)
        finally:
            async with harness.progress:
                harness.processed = max(harness.processed, update.update_id)
                harness.progress.notify_all()

    application.process_update = tracked
    started = application.post_init

    async def post_init(app) -> None:
        await started(app)  # jobs.start adds the jobs; the scheduler starts after this
        for job in app.job_queue.jobs():
            job.schedule_removal()
        harness.serial = SerialDispatcher(app.bot_data[DISPATCHER_KEY])

    application.post_init = post_init
    async with running(application, poll_timeout=1):
        stop = asyncio.Event()
        looks = asyncio.create_task(harness.serial.run(stop)) if ticking else None
        try:
            yield harness
        finally:  # as the job queue's shutdown did: a tick under way is finished, not cut
            stop.set()
            if looks is not None:
                await looks


@pytest.fixture
async def bot(emu: Emulator, db_url: str, clock: FrozenClock) -> AsyncIterator[Harness]:
    async with started_bot(emu, db_url, clock) as harness:
        seen = harness.snapshot()
        await emu.add_bot_to_group(GROUP, ADMIN)
        await harness.next(GROUP, seen)  # the greeting
        yield harness
    assert [(r.method, r.error) for r in emu.rejected] == []


@pytest.fixture
async def coalition(bot: Harness) -> Harness:
    """A set-up Lebanese coalition (English first, for readable assertions) with three members:
    the administrator, and Nadia (NPA) and John (Embassy of Norway), whose organisations the
    administrator confirmed, as a real coalition's manager would (SPEC §3)."""
    await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
    await bot.say(GROUP, NADIA, "/join operator NPA")
    await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
    await confirm(bot, GROUP, "nadia", "john")
    return bot


async def confirm(bot: Harness, chat_id: int, *usernames: str, by: int = ADMIN) -> None:
    """A manager confirms each member's claim to act for their organisation (SPEC §3)."""
    for username in usernames:
        reply = await bot.say(chat_id, by, f"/approve @{username}")
        (coalition,) = [c.id for c in await bot.rows(Coalition) if c.chat_id == chat_id]
        (person,) = [p.id for p in await bot.rows(Person) if p.username == username]
        (record,) = [m for m in await bot.rows(Membership) if (m.coalition_id, m.person_id) == (coalition, person)]
        assert record.organisation_confirmed_at is not None, reply.text


async def dump_database(url: str) -> dict[str, set[tuple]]:
    """Every row of every table, each cell as text: for searching the whole database."""
    db = Database(url)
    tables: dict[str, set[tuple]] = {}
    async with db.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in names:
            result = await connection.execute(text(f'SELECT * FROM "{name}"'))
            columns = list(result.keys())
            tables[name] = {
                tuple(zip(columns, ("" if v is None else str(v) for v in row), strict=True)) for row in result
            }
    await db.dispose()
    return tables


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_healthy(http: aiohttp.ClientSession, port: int, timeout: float = 20.0) -> None:
    """Wait until a webhook server on `port` answers its health check."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise TimeoutError(f"instance on port {port} never became healthy")
