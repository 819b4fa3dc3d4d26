"""Update throughput of the full bot against a bare python-telegram-bot echo bot (SPEC §12).

One emulator, one run, the same mixed load for every bot: RSVP presses on meeting
announcements (half), `#AP` progress messages in the group chat (30 %), `/update AP2 …`
(10 %) and `/actions` (10 %), spread over several coalitions. The echo bot answers every
press and echoes every message; the full bot does its real work (database writes, replies,
acknowledgements). All run on long polling without a client-side rate limiter and with the
emulator's flood control off, so what is compared is the cost of handling an update, not
Telegram's limits.

Each bot is measured twice. First in a process of its own, as it runs against Telegram:
the Bot API is another machine, and its work is not the bot's. Then in the emulator's
process (how earlier runs measured it): there the emulator's work on every request is
charged to the bot that made it.

Prints updates/s of each bot, the ratios (target full/echo >= 0.5, median of `--runs`),
the ratio against an echo bot given the full bot's concurrency (`CONCURRENT_UPDATES`), and
the full bot's handler time per update, p50 and p99 (target p99 <= 50 ms), also per kind.

    python bench/throughput.py [--updates 1500] [--groups 10] [--runs 3] [--database-url URL]
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from bench.common import coalition_with_members, database_url, load, median, migrated, parser, percentile, settings_for
from bot.app import build_application, running
from bot.config import Settings
from bot.emulator import Emulator, SentMessage
from bot.models import Coalition
from bot.runtime import RUNTIME_KEY
from bot.runtime.order import ChatOrder
from bot.services import members, updates
from bot.services.members import Member
from bot.store.database import Database

TOKEN = "778:BENCH"
MEMBERS = 30
FIRST_USER = 30_000
STATUS_WORDS = ("progress", "en cours", "قيد التنفيذ", "blocked", "done", "ouvert")
BOTS = ("echo", "echo, concurrent", "floor", "full")


class Tracker:
    """Wraps `Application.process_update`: counts handled updates and times each one.

    Times are `time.monotonic()`, the system's monotonic clock, so that a bot measured in a
    process of its own reports instants the emulator's process can compare with its own."""

    def __init__(self, application: Application) -> None:
        self.durations: dict[int, float] = {}
        self.done_at: float = 0.0
        self._changed = asyncio.Event()
        handle = application.process_update

        async def tracked(update: object) -> None:
            started = time.monotonic()
            try:
                await handle(update)
            finally:
                if isinstance(update, Update):
                    self.durations[update.update_id] = time.monotonic() - started
                    self.done_at = time.monotonic()
                    self._changed.set()

        application.process_update = tracked  # type: ignore[method-assign]

    async def wait(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.durations) < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), max(0.1, deadline - time.monotonic()))


@dataclass(frozen=True)
class Bot:
    """Which bot to build, from what a child process can be given."""

    kind: str  # one of BOTS
    base_url: str
    database_url: str
    concurrency: int

    def build(self) -> Application:
        if self.kind == "full":
            return build_application(self.settings(), rate_limit=False)
        before = _record_and_look_up(Database(self.database_url)) if self.kind == "floor" else None
        return echo_application(self.base_url, before, self.concurrency if self.kind == "echo, concurrent" else 1)

    def settings(self) -> Settings:
        return settings_for(TOKEN, self.base_url, self.database_url)


class InProcess:
    """The bot runs in the emulator's process and event loop."""

    def __init__(self, bot: Bot) -> None:
        self._application = bot.build()
        self._tracker = Tracker(self._application)

    @asynccontextmanager
    async def started(self) -> AsyncIterator[InProcess]:
        async with _running(self._application):
            yield self
            await asyncio.sleep(0.5)  # background work (acknowledgements, announcement edits) settles

    async def wait(self, count: int) -> tuple[float, dict[int, float]]:
        await self._tracker.wait(count, 300)
        return self._tracker.done_at, self._tracker.durations


class OwnProcess:
    """The bot runs in a process of its own (`_child`), told over a pipe what to wait for."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._pipe: Connection | None = None

    @asynccontextmanager
    async def started(self) -> AsyncIterator[OwnProcess]:
        parent, child = multiprocessing.get_context("spawn").Pipe()
        process = multiprocessing.get_context("spawn").Process(target=_child, args=(self._bot, child))
        process.start()
        self._pipe = parent
        try:
            assert await asyncio.to_thread(parent.recv) == "ready"
            yield self
        finally:
            parent.send(("stop", 0))
            await asyncio.to_thread(process.join, 60)

    async def wait(self, count: int) -> tuple[float, dict[int, float]]:
        assert self._pipe is not None
        self._pipe.send(("wait", count))
        return await asyncio.to_thread(self._pipe.recv)


def _child(bot: Bot, pipe: Connection) -> None:
    logging.basicConfig(level=logging.WARNING)

    async def serve() -> None:
        application = bot.build()
        tracker = Tracker(application)
        async with _running(application):
            pipe.send("ready")
            while (request := await asyncio.to_thread(pipe.recv))[0] == "wait":
                await tracker.wait(request[1], 300)
                pipe.send((tracker.done_at, tracker.durations))
            await asyncio.sleep(0.5)  # background work settles before the bot stops

    asyncio.run(serve())


Load = list[tuple[str, Callable[[], Awaitable[object]]]]
Stage = InProcess | OwnProcess


def first_member(index: int) -> int:
    """The user id of the first member (the facilitator) of the `index`-th coalition."""
    return FIRST_USER + index * 1000


def mixed_load(emu: Emulator, rng: random.Random, n: int, targets: dict[int, SentMessage]) -> Load:
    """`n` actions of members in their own group, whose announcement (with buttons) is in `targets`.

    `targets` is ordered as the coalitions were made, so a group's position gives its members."""
    groups = list(targets)
    load: Load = []
    for _ in range(n):
        index = rng.randrange(len(groups))
        chat, user = groups[index], first_member(index) + rng.randrange(MEMBERS)
        roll = rng.random()
        if roll < 0.5:
            announcement = targets[chat]
            data = rng.choice(announcement.buttons())["callback_data"]
            load.append(("press", lambda c=chat, m=announcement.message_id, u=user, d=data: emu.press(c, m, u, d)))
        elif roll < 0.8:
            text = f"#AP{rng.randint(1, 3)} {rng.choice(STATUS_WORDS)} {rng.randint(1, 99)}% field teams report"
            load.append(("#AP", lambda c=chat, u=user, t=text: emu.send(c, u, t)))
        elif roll < 0.9:
            load.append(("/update", lambda c=chat, u=user: emu.send(c, u, "/update AP2 40% clearing sector 4")))
        else:
            load.append(("/actions", lambda c=chat, u=user: emu.send(c, u, "/actions")))
    return load


async def measure(emu: Emulator, stage: Stage, load: Load, warm_up: Load) -> tuple[float, dict[str, list[float]]]:
    """Push the warm-up, wait, push the load as one burst; returns (updates/s, durations by kind)."""
    async with stage.started():
        for _, act in warm_up:
            await act()
        await stage.wait(len(warm_up))
        first = emu.updates.last_update_id + 1
        kinds = {}
        started = time.monotonic()
        for kind, act in load:
            await act()
            kinds[emu.updates.last_update_id] = kind
        done_at, durations = await stage.wait(len(warm_up) + len(load))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for update_id, seconds in durations.items():
        if update_id >= first:
            by_kind[kinds[update_id]].append(seconds * 1000)
    return len(load) / (done_at - started), by_kind


@asynccontextmanager
async def _running(application: Application) -> AsyncIterator[Application]:
    """The full bot runs as `coalition-bot run` does; an echo bot as PTB runs it, polling alike."""
    if RUNTIME_KEY in application.bot_data:
        async with running(application, poll_timeout=1):
            yield application
        return
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


Before = Callable[[Update], Awaitable[None]]


def echo_application(base_url: str, before: Before | None = None, concurrency: int = 1) -> Application:
    """The bare PTB bot: answers every press, echoes every text message (after `before`);
    PTB's defaults, or the full bot's update processor with `concurrency` > 1."""

    async def echo(update: Update, _context: object) -> None:
        if before is not None:
            await before(update)
        message = update.effective_message
        assert message is not None and message.text is not None
        await message.reply_text(message.text)

    async def answer(update: Update, _context: object) -> None:
        if before is not None:
            await before(update)
        assert update.callback_query is not None
        await update.callback_query.answer("ok")

    builder = ApplicationBuilder().token(TOKEN).base_url(base_url)
    if concurrency > 1:
        builder = builder.concurrent_updates(ChatOrder(concurrency))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(answer))
    return application


def _record_and_look_up(db: Database) -> Before:
    """The database work every update of the full bot starts with, as the floor bot's `before`.

    One transaction per update, as in the full bot: record the update once and look up who
    speaks (`handlers/turn.py` does both before any handler runs). A bot that stores what
    its users do cannot do less on this stack, so floor/echo bounds the reachable ratio."""

    async def record(update: Update) -> None:
        assert update.effective_chat is not None and update.effective_user is not None
        async with db.transaction() as session:
            await updates.first_time(session, int(TOKEN.split(":")[0]), update.update_id, datetime.now(UTC))
            await members.speaker(session, update.effective_chat.id, update.effective_user.id)

    return record


async def echo_targets(emu: Emulator, groups: list[int]) -> dict[int, SentMessage]:
    """One message with three buttons per group, for the echo bot's presses."""
    bot = echo_application(emu.base_url).bot
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(x, callback_data=f"e:{x}") for x in ("yes", "online", "no")]]
    )
    targets = {}
    async with bot:
        for chat in groups:
            sent = await bot.send_message(chat, "Press", reply_markup=keyboard)
            targets[chat] = emu.sent_index[(chat, sent.message_id)]
    return targets


async def bot_targets(emu: Emulator, application: Application, groups: list[int]) -> dict[int, SentMessage]:
    """Each coalition's facilitator schedules a meeting and creates three action points."""
    when = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")  # coalitions are on UTC
    targets = {}
    async with running(application, poll_timeout=1):
        for index, chat in enumerate(groups):
            facilitator = first_member(index)
            await emu.send(chat, facilitator, f"/meeting {when} Bench meeting")
            targets[chat] = await emu.wait_for(lambda m, c=chat: m.chat_id == c and _is_rsvp(m), 30)
            for k in range(1, 4):
                await emu.send(chat, facilitator, f"/action operator Task {k} of the bench")
        await emu.wait_for(lambda m: m.chat_id == groups[-1] and "AP3" in (m.text or ""), 30)
    return targets


def _is_rsvp(message: SentMessage) -> bool:
    """The meeting announcement, not the echo bot's earlier message with buttons."""
    return any(b.get("callback_data", "").startswith("r:") for b in message.buttons())


@dataclass
class Run:
    """One run: updates/s of each bot in each placement, and the full bot's handler times."""

    rates: dict[tuple[str, str], float] = field(default_factory=dict)  # (placement, bot) -> updates/s
    times: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # placement -> kind -> ms

    def ratio(self, placement: str, bot: str, reference: str = "echo") -> float:
        return self.rates[(placement, bot)] / self.rates[(placement, reference)]


PLACEMENTS: dict[str, Callable[[Bot], Stage]] = {"own process": OwnProcess, "in-process": InProcess}


async def one_run(emu: Emulator, url: str, updates_: int, rng: random.Random, targets: dict) -> Run:
    """Every bot in both placements, the same kind of load each time (drawn afresh)."""
    concurrency = Settings(database_url=url).update_concurrency
    run = Run()
    for placement, stage in PLACEMENTS.items():
        for kind in BOTS:
            if kind == "echo, concurrent" and concurrency == 1:
                continue  # the full bot's settings are PTB's defaults here: the echo bot already ran
            aim = targets["bot" if kind == "full" else "echo"]
            rate, times = await measure(
                emu,
                stage(Bot(kind, emu.base_url, url, concurrency)),
                mixed_load(emu, rng, updates_, aim),
                mixed_load(emu, rng, 100, aim),
            )
            run.rates[(placement, kind)] = rate
            if kind == "full":
                run.times[placement] = times
    return run


async def main(updates_: int, group_count: int, url_given: str | None, runs: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=TOKEN) as emu:
            emu.privacy_mode = False  # `#AP` messages reach the bot (as an administrator bot's would)
            url = database_url(tmp, url_given)
            db = await migrated(url)
            groups = [-(800_000 + i) for i in range(group_count)]
            now = datetime.now(UTC)
            for index, chat in enumerate(groups):
                coalition_id = await coalition_with_members(db, emu, chat, MEMBERS, first_member(index), now)
                await _make_facilitator(db, coalition_id, first_member(index))
            await db.dispose()
            rng = random.Random(4)
            settings = Bot("full", emu.base_url, url, 1).settings()
            targets = {
                "echo": await echo_targets(emu, groups),
                "bot": await bot_targets(emu, build_application(settings, rate_limit=False), groups),
            }
            print(
                f"mixed load: {updates_} updates over {group_count} coalitions (50% RSVP presses, 30% #AP messages, "
                f"10% /update, 10% /actions); {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}, "
                f"full bot's CONCURRENT_UPDATES={settings.update_concurrency}; {load()}"
            )
            results = []
            for number in range(1, runs + 1):
                results.append(await one_run(emu, url, updates_, rng, targets))
                _report_run(number, results[-1])
            refused = [f"{r.method}: {r.error}" for r in emu.rejected]
    _report_median(results)
    print(f"requests the emulator refused: {len(refused)} {refused[:3]}")


async def _make_facilitator(db: Database, coalition_id: int, user: int) -> None:
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition_id)
        person = await members.person_by_user(s, user)
        assert coalition is not None and person is not None
        member = Member(await members.membership(s, coalition, person), person)
        await members.set_role(s, coalition, member, "facilitator", None, None, datetime.now(UTC))


def _summary(times: list[float]) -> str:
    return f"n={len(times):5d}  p50={percentile(times, 50):6.2f} ms  p99={percentile(times, 99):6.2f} ms"


def _every(by_kind: dict[str, list[float]]) -> list[float]:
    return [t for times in by_kind.values() for t in times]


def _report_run(number: int, run: Run) -> None:
    for placement in PLACEMENTS:
        rates = "  ".join(f"{kind} {rate:6.1f}" for (where, kind), rate in run.rates.items() if where == placement)
        print(f"run {number}, {placement:11s}: updates/s  {rates}")
        print(
            f"    ratio full/echo {run.ratio(placement, 'full'):.2f}   floor/echo {run.ratio(placement, 'floor'):.2f}"
        )
        times = run.times[placement]
        print(f"    full bot handler {_summary(_every(times))}")
        for kind in ("press", "#AP", "/update", "/actions"):
            print(f"        {kind:9s} {_summary(times[kind])}")


def _report_median(results: list[Run]) -> None:
    print(f"median of {len(results)} runs:")
    for placement in PLACEMENTS:
        full = [r.ratio(placement, "full") for r in results]
        line = f"  {placement:11s}: full/echo {median(full):.2f} (runs {', '.join(f'{x:.2f}' for x in full)})"
        if (placement, "echo, concurrent") in results[0].rates:
            line += f", full/(echo, concurrent) {median([r.ratio(placement, 'full', 'echo, concurrent') for r in results]):.2f}"
        line += f", floor/echo {median([r.ratio(placement, 'floor') for r in results]):.2f}"
        line += f", handler p99 {median([percentile(_every(r.times[placement]), 99) for r in results]):.1f} ms"
        print(line)
    print("  targets: full/echo >= 0.5 in both placements, on SQLite and PostgreSQL; handler p99 <= 50 ms")


if __name__ == "__main__":
    options = parser(__doc__)
    options.add_argument("--updates", type=int, default=1500)
    options.add_argument("--groups", type=int, default=10)
    options.set_defaults(runs=3)
    arguments = options.parse_args()
    asyncio.run(main(arguments.updates, arguments.groups, arguments.database_url, arguments.runs))
