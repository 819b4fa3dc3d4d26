"""Update throughput of the full bot against a bare python-telegram-bot echo bot (SPEC §12).

One emulator, one run, the same mixed load for both: RSVP presses on meeting announcements
(half), `#AP` progress messages in the group chat (30 %), `/update AP2 …` (10 %) and
`/actions` (10 %), spread over several coalitions. The echo bot answers every press and
echoes every message; the full bot does its real work (database writes, replies,
acknowledgements). Both run on long polling with one update at a time (PTB's default),
without a client-side rate limiter and with the emulator's flood control off, so what is
compared is the cost of handling an update, not Telegram's limits.

Prints updates/s of both, the ratio (target >= 0.5), and the full bot's handler time per
update, p50 and p99 (target p99 <= 50 ms on SQLite), also per kind of update.

    python bench/throughput.py [--updates 1500] [--groups 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from bench.common import coalition_with_members, migrated, percentile
from bot.app import build_application, running
from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator, SentMessage
from bot.models import Coalition
from bot.runtime import RUNTIME_KEY
from bot.services import members, updates
from bot.services.members import Member
from bot.store.database import Database

TOKEN = "778:BENCH"
MEMBERS = 30
FIRST_USER = 30_000
STATUS_WORDS = ("progress", "en cours", "قيد التنفيذ", "blocked", "done", "ouvert")


class Tracker:
    """Wraps `Application.process_update`: counts handled updates and times each one."""

    def __init__(self, application: Application) -> None:
        self.durations: dict[int, float] = {}
        self.done_at: float = 0.0
        self._changed = asyncio.Event()
        handle = application.process_update

        async def tracked(update: object) -> None:
            started = time.perf_counter()
            try:
                await handle(update)
            finally:
                if isinstance(update, Update):
                    self.durations[update.update_id] = time.perf_counter() - started
                    self.done_at = time.perf_counter()
                    self._changed.set()

        application.process_update = tracked

    async def wait(self, count: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.durations) < count:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), max(0.1, deadline - time.perf_counter()))


Load = list[tuple[str, Callable[[], Awaitable[object]]]]


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


async def measure(
    emu: Emulator, application: Application, load: Load, warm_up: Load
) -> tuple[float, dict[str, list[float]]]:
    """Push the warm-up, wait, push the load as one burst; returns (updates/s, durations by kind)."""
    tracker = Tracker(application)
    async with _running(application):
        for _, act in warm_up:
            await act()
        await tracker.wait(len(warm_up), 120)
        first = emu.updates.last_update_id + 1
        kinds = {}
        started = time.perf_counter()
        for kind, act in load:
            await act()
            kinds[emu.updates.last_update_id] = kind
        await tracker.wait(len(warm_up) + len(load), 300)
        elapsed = tracker.done_at - started
        await asyncio.sleep(0.5)  # background work (acknowledgements, announcement edits) settles
    by_kind: dict[str, list[float]] = defaultdict(list)
    for update_id, seconds in tracker.durations.items():
        if update_id >= first:
            by_kind[kinds[update_id]].append(seconds * 1000)
    return len(load) / elapsed, by_kind


Before = Callable[[Update], Awaitable[None]]


@asynccontextmanager
async def _running(application: Application) -> AsyncIterator[Application]:
    """The full bot runs as `coalition-bot run` does; an echo bot as PTB runs it, polling alike."""
    if RUNTIME_KEY in application.bot_data:
        async with running(application, poll_timeout=1):
            yield application
        return
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


def echo_application(emu: Emulator, before: Before | None = None) -> Application:
    """The bare PTB bot: answers every press, echoes every text message (after `before`)."""

    async def echo(update: Update, _context) -> None:
        if before is not None:
            await before(update)
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, _context) -> None:
        if before is not None:
            await before(update)
        await update.callback_query.answer("ok")

    application = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(answer))
    return application


def floor_application(emu: Emulator, db: Database) -> Application:
    """The echo bot plus the database work every update of the full bot starts with.

    One transaction per update, as in the full bot: record the update once and look up who
    speaks (`handlers/turn.py` does both before any handler runs). A bot that stores what
    its users do cannot do less on this stack, so floor/echo bounds the reachable ratio."""

    async def record(update: Update) -> None:
        async with db.transaction() as session:
            await updates.first_time(session, int(TOKEN.split(":")[0]), update.update_id, datetime.now(UTC))
            await members.speaker(session, update.effective_chat.id, update.effective_user.id)

    return echo_application(emu, before=record)


async def echo_targets(emu: Emulator, groups: list[int]) -> dict[int, SentMessage]:
    """One message with three buttons per group, for the echo bot's presses."""
    bot = echo_application(emu).bot
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


async def _empty(db) -> None:
    from sqlalchemy import text

    async with db.engine.begin() as conn:
        tables = (
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")
                )
            )
            .scalars()
            .all()
        )
        await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


async def main(updates: int, group_count: int, database_url: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=TOKEN) as emu:
            emu.privacy_mode = False  # `#AP` messages reach the bot (as an administrator bot's would)
            url = Settings(database_url=database_url or f"sqlite:///{Path(tmp) / 'bench.db'}").database_url
            db = await migrated(url)
            if not db.is_sqlite:  # a server database is reused: start from empty tables
                await _empty(db)
            groups = [-(800_000 + i) for i in range(group_count)]
            now = datetime.now(UTC)
            for index, chat in enumerate(groups):
                coalition_id = await coalition_with_members(db, emu, chat, MEMBERS, first_member(index), now)
                await _make_facilitator(db, coalition_id, first_member(index))
            await db.dispose()
            rng = random.Random(4)

            echo_targets_ = await echo_targets(emu, groups)
            echo_rate, echo_times = await measure(
                emu,
                echo_application(emu),
                mixed_load(emu, rng, updates, echo_targets_),
                mixed_load(emu, rng, 100, echo_targets_),
            )
            floor_db = Database(url)
            floor_rate, _ = await measure(
                emu,
                floor_application(emu, floor_db),
                mixed_load(emu, rng, updates, echo_targets_),
                mixed_load(emu, rng, 100, echo_targets_),
            )
            await floor_db.dispose()
            settings = Settings(
                telegram_bot_token=TOKEN,
                telegram_api_base_url=emu.base_url,
                database_url=url,
                locales_dir=PROJECT_ROOT / "locales",
            )
            targets = await bot_targets(emu, build_application(settings, rate_limit=False), groups)
            bot_rate, bot_times = await measure(
                emu,
                build_application(settings, rate_limit=False),
                mixed_load(emu, rng, updates, targets),
                mixed_load(emu, rng, 100, targets),
            )
            refused = [f"{r.method}: {r.error}" for r in emu.rejected]
    _report(updates, group_count, echo_rate, echo_times, floor_rate, bot_rate, bot_times)
    print(f"requests the emulator refused: {len(refused)} {refused[:3]}")


async def _make_facilitator(db, coalition_id: int, user: int) -> None:
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition_id)
        person = await members.person_by_user(s, user)
        member = Member(await members.membership(s, coalition, person), person)
        await members.set_role(s, coalition, member, "facilitator", None, None, datetime.now(UTC))


def _summary(times: list[float]) -> str:
    return f"n={len(times):5d}  p50={percentile(times, 50):6.2f} ms  p99={percentile(times, 99):6.2f} ms"


def _report(updates, groups, echo_rate, echo_times, floor_rate, bot_rate, bot_times) -> None:
    every = lambda by_kind: [t for times in by_kind.values() for t in times]  # noqa: E731
    print(
        f"mixed load: {updates} updates over {groups} coalitions (50% RSVP presses, 30% #AP messages, "
        f"10% /update, 10% /actions)"
    )
    print(f"echo bot : {echo_rate:7.1f} updates/s   handler {_summary(every(echo_times))}")
    print(f"floor    : {floor_rate:7.1f} updates/s   (echo + the transaction every update of the bot starts with)")
    print(f"full bot : {bot_rate:7.1f} updates/s   handler {_summary(every(bot_times))}")
    for kind in ("press", "#AP", "/update", "/actions"):
        print(f"    {kind:9s} {_summary(bot_times[kind])}")
    print(f"ratio full/echo: {bot_rate / echo_rate:.2f}  (target >= 0.5)")
    print(f"ratio floor/echo: {floor_rate / echo_rate:.2f}  (the full bot approaches this, cannot pass it)")
    print(f"ratio full/floor: {bot_rate / floor_rate:.2f}  (the cost of the bot's own work beyond that floor)")
    print(f"full bot handler p99: {percentile(every(bot_times), 99):.1f} ms  (target <= 50 ms on SQLite)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1/bench (default: a SQLite file)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.updates, arguments.groups, arguments.database_url))
