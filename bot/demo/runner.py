"""`coalition-bot demo`: the real application against the built-in emulator, as a transcript.

A scripted Lebanese coalition (members reading Arabic, French and English) is set up,
people join and are approved, a meeting is scheduled, answered and reminded; every step
and every message the bot writes is printed. No token and no network are needed: the
emulator plays Telegram on 127.0.0.1 and the database is a temporary SQLite file.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application, running
from bot.clock import FrozenClock
from bot.config import Settings
from bot.demo import actions as demo_actions
from bot.demo import agenda as demo_agenda
from bot.demo import needs as demo_needs
from bot.demo import progress as demo_progress
from bot.demo import treaty as demo_treaty
from bot.demo.cast import CLAIRE, GROUP, JOHN, NADIA, NAMES, RANIA, SALIM, START, TOKEN, Transcript
from bot.emulator import Emulator
from bot.store.database import Database
from bot.store.migrate import upgrade


async def run_demo(settings: Settings, charts: Path | None = None) -> None:
    """Play the script and print it; with `charts`, the chart pictures are also written there."""
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=TOKEN) as emu:
            demo_settings = settings.model_copy(
                update={
                    "telegram_bot_token": TOKEN,
                    "telegram_api_base_url": emu.base_url,
                    "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}",
                    "commands_per_minute": 0,  # the cast types a week of commands in seconds
                }
            )
            db = Database(demo_settings.database_url)
            await upgrade(db.engine)
            await db.dispose()
            clock = FrozenClock(START)
            application = build_application(demo_settings, clock=clock, rate_limit=False)
            show = Transcript(emu, charts)
            show.follow(application)
            async with running(application, poll_timeout=1):
                await _script(emu, application, clock, show)


async def _script(emu: Emulator, application: Application, clock: FrozenClock, show: Transcript) -> None:
    emu.add_user(RANIA, "Rania", username="rania", language_code="ar")
    emu.add_user(NADIA, "Nadia", username="nadia", language_code="fr")
    emu.add_user(JOHN, "John", username="john", language_code="en")
    emu.add_user(SALIM, "Salim", username="salim", language_code="ar")
    emu.add_user(CLAIRE, "Claire", username="claire", language_code="fr")
    emu.add_group(GROUP, "Lebanon Country Coalition", admins=[RANIA], creator=RANIA, type="supergroup")
    step = _printer()

    step("The national authority adds the bot and sets the coalition up (Arabic first, then French and English)")
    print(f"\n▶ {NAMES[RANIA]} adds the bot to the group")
    await emu.add_bot_to_group(GROUP, RANIA)
    await show.quiet()
    await show.act(RANIA, GROUP, "/setup Lebanon Asia/Beirut ar")
    await show.act(RANIA, GROUP, "/language ar,fr,en")

    step("Members join; a manager confirms who acts for which organisation, and approves privileged roles")
    await show.act(NADIA, GROUP, "/join operator NPA")
    await show.press(RANIA, show.last_with_buttons(GROUP), _label(emu, GROUP))
    await show.act(JOHN, GROUP, "/join donor Embassy of Norway")
    await show.act(RANIA, GROUP, "/approve @john")
    await show.act(CLAIRE, GROUP, "/join facilitator GICHD")
    await show.press(RANIA, show.last_with_buttons(GROUP), _label(emu, GROUP))
    await show.act(SALIM, GROUP, "/join")
    await show.press(SALIM, show.last_with_buttons(GROUP), "👁 مراقب")

    step("Private chats: each member in their own language")
    await show.act(NADIA, NADIA, "/start")
    await show.act(JOHN, JOHN, "/start")
    await show.act(JOHN, JOHN, "/timezone Europe/Oslo")
    await show.act(SALIM, SALIM, "/start")
    await show.act(SALIM, SALIM, "/help")
    await show.act(RANIA, GROUP, "/members")

    await _meetings(emu, application, clock, show, step)
    for chapter in (demo_agenda, demo_actions, demo_progress, demo_needs, demo_treaty):
        await chapter.play(show, emu, application, clock, step)
    print(show.summary())


async def _meetings(
    emu: Emulator, application: Application, clock: FrozenClock, show: Transcript, step: Callable[[str], None]
) -> None:
    from jobs import DISPATCHER_KEY

    step("The facilitator schedules the spring meeting; members answer with the buttons")
    await show.act(CLAIRE, GROUP, "/meeting 2027-04-15 09:30 Spring coalition meeting @ LMAC, Beirut")
    announcement = show.last_with_buttons(GROUP)
    await show.press(NADIA, announcement, announcement.buttons()[0]["text"])
    await show.press(CLAIRE, announcement, announcement.buttons()[1]["text"])
    await asyncio.sleep(application.bot_data["runtime"].announcements.delay + 0.2)
    await show.quiet()
    await show.act(JOHN, JOHN, "/meetings")

    step("Fourteen days before: the reminder goes to the group and privately to those who have not answered")
    clock.set(datetime(2027, 4, 1, 6, 31, tzinfo=UTC))
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()
    await show.act(RANIA, GROUP, "/rsvps M1")
    await show.act(RANIA, GROUP, "/ics M1")

    step("The day before: the last reminder, again only to those who have not answered")
    clock.set(datetime(2027, 4, 14, 6, 31, tzinfo=UTC))
    await application.bot_data[DISPATCHER_KEY].tick()
    await show.quiet()


def _label(emu: Emulator, chat_id: int) -> str:
    return next(m for m in reversed(emu.sent) if m.chat_id == chat_id and m.buttons()).buttons()[0]["text"]


def _printer() -> Callable[[str], None]:
    """Prints numbered chapter titles; chapters (bot/demo_*.py) do not number themselves."""
    numbers = iter(range(1, 100))

    def step(title: str) -> None:
        print("\n" + "═" * 78 + f"\n{next(numbers)}. {title}\n" + "═" * 78)

    return step
