"""The sender's own bookkeeping under a long fan-out: idle chats are forgotten without
leaving the loop a chat it no longer knows (a KeyError there stopped every send for good)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from types import SimpleNamespace

from telegram.error import NetworkError

from bot.clock import FastClock
from bot.outbox.envelope import Job, Lane, Outcome
from bot.outbox.sender import Sender


class _Bot:
    """Answers at once, except that every tenth chat's first attempt meets a refused
    connection (retried after a back-off, while the others go on)."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.refused: set[int] = set()

    async def send_message(self, chat_id: int, text: str, **_: object) -> SimpleNamespace:
        await asyncio.sleep(0)
        if chat_id % 10 == 0 and chat_id not in self.refused:
            self.refused.add(chat_id)
            raise NetworkError("connection refused")
        self.sent.append(chat_id)
        return SimpleNamespace(message_id=len(self.sent))


async def test_a_fan_out_over_many_chats_in_waves_delivers_everything_once(caplog):
    """Waves of private messages to 40 chats at a time, 600 chats in all, some retried: chats
    served while an earlier one waits for its retry become forgettable while the loop still
    lists them as ready."""
    bot = _Bot()
    clock = FastClock(datetime(2027, 1, 1, tzinfo=UTC), speed=50)
    sender = Sender(lambda: bot, clock)  # type: ignore[arg-type, return-value]
    sender.start()
    futures: list[asyncio.Future[Outcome]] = []
    with caplog.at_level(logging.ERROR, logger="bot.outbox.sender"):
        try:
            for wave in range(15):
                for chat_id in range(wave * 40 + 1, wave * 40 + 41):
                    futures.append(sender.submit(Job(chat_id, Lane.BULK, texts=[f"reminder {chat_id}"])))
                await asyncio.sleep(0.02)
            outcomes = await asyncio.wait_for(asyncio.gather(*futures), 30)
        finally:
            await sender.stop()
    assert outcomes == [Outcome.SENT] * 600
    assert sorted(bot.sent) == list(range(1, 601))
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_forgotten_chat_leaves_the_ready_lists_too():
    """The case the fan-out above can reach by timing: chat 5 finished while chat 1 waited for
    its retry behind the closed bulk gate, so the loop stopped before it and still lists it as
    ready when the idle chats are forgotten. The next pass must not meet a chat it forgot."""
    bot = _Bot()
    clock = FastClock(datetime(2027, 1, 1, tzinfo=UTC), speed=1)
    sender = Sender(lambda: bot, clock)  # type: ignore[arg-type, return-value]
    sender.submit(Job(1, Lane.BULK, texts=["waits for its retry"]))
    for chat_id in range(2, 151):
        sender.submit(Job(chat_id, Lane.BULK, texts=["sent"]))
        sender._chats[chat_id].lanes[Lane.BULK].clear()  # delivered, as far as the loop knows
        if chat_id != 5:
            del sender._ready_bulk[chat_id]  # passed over by an earlier loop
    later = clock.monotonic() + 60
    sender._chats[1].not_before = sender._next_bulk = later
    sender._dispatch()
    assert set(sender._ready_bulk) <= set(sender._chats)
    sender._chats[1].not_before = sender._next_bulk = 0.0
    sender._dispatch()  # reaches the chats behind chat 1
    await sender.stop()
