"""Hostile and random input against the running bot (property-based, with Hypothesis).

The bot runs on its own event loop in a background thread for the whole test; Hypothesis
drives it synchronously. After every input: the bot logged no unexpected error, made no
request Telegram would reject, and the coalition's data that the sender may not change
is unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import build_application, running
from bot.clock import FrozenClock
from bot.emulator import Emulator
from bot.models import Coalition, Meeting, Membership
from bot.store.database import Database
from tests.conftest import database_url, prepare
from tests.e2e.conftest import ADMIN, GROUP, NADIA, TOKEN, make_settings

INTRUDER = 6666
COMMANDS = [
    "start",
    "help",
    "join",
    "members",
    "language",
    "timezone",
    "setup",
    "settings",
    "role",
    "approve",
    "meeting",
    "meetings",
    "rsvps",
    "reschedule",
    "cancel",
    "ics",
    "need",
    "pledge",
    "needs",
    "nosuchcommand",
]
TRICKY = st.sampled_from(
    [
        "\u202e",
        "\u200b",
        "\u2066",
        "\u2069",
        "\ufeff",
        "<b>",
        "</i>",
        "&",
        "&amp;",
        "<a href='x'>",
        "@",
        "#AP1",
        "M1",
        "M999999999999",
        "2027-02-30",
        "25:99",
        "-1",
        "١٢",
        "💣",
        "\n",
        "|",
        "\\",
        "'",
    ]
)
WORDS = st.one_of(TRICKY, st.text(min_size=1, max_size=30), st.from_regex(r"[A-Za-z0-9/@_:-]{1,20}", fullmatch=True))


class Events(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage())


class BotThread:
    """The emulator and the real application on a private event loop."""

    def __init__(self, tmp_path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = database_url(tmp_path)
        self.processed = 0
        self.run(self._start())

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _start(self) -> None:
        await prepare(self.url)
        self.emu = Emulator(token=TOKEN)
        await self.emu.start()
        self.emu.add_user(ADMIN, "Rania", username="rania", language_code="ar")
        self.emu.add_user(NADIA, "Nadia", username="nadia", language_code="fr")
        self.emu.add_user(INTRUDER, "Mallory\u202eyrollaM", username="mallory", language_code="en")
        self.emu.add_group(GROUP, "Lebanon", admins=[ADMIN], creator=ADMIN)
        application = build_application(
            make_settings(self.emu, self.url), clock=FrozenClock(datetime(2027, 1, 10, tzinfo=UTC)), rate_limit=False
        )
        handle = application.process_update

        async def tracked(update):
            try:
                await handle(update)
            finally:
                self.processed = max(self.processed, update.update_id)

        application.process_update = tracked
        self.application = application
        self._running = running(application, poll_timeout=1)
        await self._running.__aenter__()
        # the planners (cadence, mid-term, Article 7…) run only when a test means them to: their
        # scheduled look would add rows between two snapshots of the database
        application.job_queue.scheduler.remove_job("watchdogs")
        for user, text in [
            (ADMIN, "/setup Lebanon Asia/Beirut ar"),
            (NADIA, "/join operator NPA"),
            (ADMIN, "/meeting 2027-04-15 09:30 Spring @ LMAC"),
        ]:
            await self.emu.send(GROUP, user, text)
            await self.idle()
        self.announcement = next(m for m in self.emu.sent if m.buttons() and "M1" in m.content)

    async def idle(self) -> None:
        target = self.emu.updates.last_update_id
        for _ in range(1000):
            if self.processed >= target:
                await self.application.bot_data["runtime"].sender.idle()  # replies leave after the handler
                return
            await asyncio.sleep(0.005)
        raise TimeoutError("the bot did not handle the input in 5 s")

    async def protected_state(self) -> tuple:
        db = Database(self.url)
        async with db.transaction() as s:
            coalition = (await s.exec(select(Coalition))).one()
            meetings = [(m.number, m.starts_at, m.cancelled, m.title) for m in (await s.exec(select(Meeting))).all()]
            others = sorted(
                (m.person_id, m.role, m.pending_role, m.organisation)
                for m in (await s.exec(select(Membership))).all()
                if m.person_id <= 2
            )
        await db.dispose()
        return (
            coalition.country,
            coalition.timezone,
            coalition.languages,
            coalition.reminder_offsets,
            coalition.cadence_months,
            coalition.baseline_m2,
            meetings,
            others,
        )

    def stop(self) -> None:
        async def _stop() -> None:
            await self._running.__aexit__(None, None, None)
            await self.emu.stop()

        self.run(_stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def bot_thread(tmp_path_factory):
    bot = BotThread(tmp_path_factory.mktemp("fuzz"))
    yield bot
    bot.stop()
    print(f"\nfuzz: {COUNT['inputs']} inputs sent to the running bot")


@pytest.fixture(scope="module")
def errors():
    handler = Events()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def _check(bot: BotThread, errors: Events, before: tuple) -> None:
    assert errors.errors == []
    assert [(r.method, r.error) for r in bot.emu.rejected] == []
    assert bot.run(bot.protected_state()) == before


COUNT = {"inputs": 0}


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    command=st.sampled_from(COMMANDS), words=st.lists(WORDS, max_size=6), private=st.booleans(), mention=st.booleans()
)
def test_random_commands_from_an_outsider(bot_thread, errors, command, words, private, mention):
    before = bot_thread.run(bot_thread.protected_state())
    text = f"/{command}{'@coalition_test_bot' if mention else ''} " + " ".join(words)
    chat = INTRUDER if private else GROUP
    bot_thread.run(bot_thread.emu.send(chat, INTRUDER, text[:4096]))
    bot_thread.run(bot_thread.idle())
    COUNT["inputs"] += 1
    _check(bot_thread, errors, before)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(min_size=1, max_size=40).map(lambda s: (s * 10000)[:10000]),
        st.lists(TRICKY, min_size=1, max_size=50).map("".join),
    )
)
def test_random_text_and_unicode_edge_cases(bot_thread, errors, text):
    before = bot_thread.run(bot_thread.protected_state())
    if text.strip():
        bot_thread.run(bot_thread.emu.send(INTRUDER, INTRUDER, text))
        bot_thread.run(bot_thread.emu.send(GROUP, INTRUDER, "/join " + text[:200]))
        bot_thread.run(bot_thread.idle())
        COUNT["inputs"] += 2
    _check(bot_thread, errors, before)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.from_regex(r"[rja]:[0-9a-z:_-]{0,30}", fullmatch=True),
        st.text(alphabet=st.characters(codec="ascii"), min_size=1, max_size=64),
    )
)
def test_forged_callback_data(bot_thread, errors, data):
    before = bot_thread.run(bot_thread.protected_state())
    message = bot_thread.announcement
    forged = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    message.reply_markup = message.message["reply_markup"] = forged
    for user in (INTRUDER, NADIA):
        query = bot_thread.run(bot_thread.emu.press(GROUP, message.message_id, user, data))
        answer = bot_thread.run(bot_thread.emu.wait_callback_answer(query))
        assert answer is not None
    COUNT["inputs"] += 2
    _check(bot_thread, errors, before)
