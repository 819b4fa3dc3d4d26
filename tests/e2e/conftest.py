"""End-to-end fixtures: the real `Application` on long polling against the local emulator.

Every test ends by checking that the bot never made a request Telegram would have refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import build_application, running
from bot.clock import FrozenClock
from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator
from bot.emulator.records import SentMessage
from jobs import DISPATCHER_KEY

TOKEN = "123456:TEST-token"
GROUP = -1001
ADMIN, NADIA, JOHN, SALIM = 1001, 1002, 1003, 1004


@dataclass
class Harness:
    """Acts as users through the emulator and reads what the bot answered."""

    emu: Emulator
    app: object
    clock: FrozenClock
    settings: Settings

    async def say(self, chat_id: int, user_id: int, text: str, *, reply_to: int | None = None,
                  contains: str | None = None, timeout: float = 5.0) -> SentMessage:
        """Send a message and wait for the bot's next message in that chat."""
        seen = self.snapshot()
        await self.emu.send(chat_id, user_id, text, reply_to=reply_to)
        return await self.next(chat_id, seen, contains=contains, timeout=timeout)

    def snapshot(self) -> set[tuple[int, int]]:
        return {(m.chat_id, m.message_id) for m in self.emu.sent}

    async def next(self, chat_id: int, seen: set, *, contains: str | None = None, timeout: float = 5.0) -> SentMessage:
        return await self.emu.wait_for(
            lambda m: m.chat_id == chat_id and (m.chat_id, m.message_id) not in seen
            and (contains is None or contains in m.content),
            timeout,
        )

    async def press(self, message: SentMessage, user_id: int, data: str) -> dict:
        query_id = await self.emu.press(message.chat_id, message.message_id, user_id, data)
        return await self.emu.wait_callback_answer(query_id)

    async def settle(self) -> None:
        """Wait until the bot has processed every pending update (a harmless round trip)."""
        await self.say(self.admin_private_chat, ADMIN, "/help")

    admin_private_chat = ADMIN

    @property
    def dispatcher(self):  # noqa: ANN201
        return self.app.bot_data[DISPATCHER_KEY]

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.emu.sent if m.chat_id == chat_id]


def make_settings(emu: Emulator, db_url: str) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=emu.base_url,
        database_url=db_url,
        locales_dir=PROJECT_ROOT / "locales",
        concern_secret="test-secret",
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


@pytest.fixture
async def bot(emu: Emulator, db_url: str, clock: FrozenClock) -> AsyncIterator[Harness]:
    settings = make_settings(emu, db_url)
    application = build_application(settings, clock=clock, rate_limit=False)
    async with running(application, poll_timeout=1.0):
        yield Harness(emu, application, clock, settings)
    assert [(r.method, r.error) for r in emu.rejected] == []


@pytest.fixture
async def coalition(bot: Harness) -> Harness:
    """A set-up Lebanese coalition (English first, for readable assertions) with three members."""
    await bot.say(GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
    await bot.say(GROUP, NADIA, "/join operator NPA")
    await bot.say(GROUP, JOHN, "/join donor Embassy of Norway")
    return bot
