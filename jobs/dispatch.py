"""The reminder dispatcher: claims due reminders and fans them out (SPEC §6).

The scheduler calls `tick` every `INTERVAL` seconds and once at start-up (catch-up after
downtime). The rules of claiming and recording live in `bot.services.reminders`; what each
kind of reminder says, and to whom, lives in its composer (`jobs.compose.Composer`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application

from bot.models import Coalition, Meeting, Reminder
from bot.outbox.delivery import BACKOFF, Outcome, deliver
from bot.runtime import Runtime, runtime_of
from bot.services import coalitions as coalition_service
from bot.services import members as member_service
from bot.services import reminders as rules
from bot.services.kinds import Kind
from bot.views import meetings as views
from bot.views.render import Render, multilingual
from jobs.compose import Compose, Composer, Message

log = logging.getLogger(__name__)

INTERVAL = 2.0
RENEW_EVERY = 10  # messages between lease renewals (10 messages take ~0.3 s at Telegram's pace)


class Dispatcher:
    def __init__(self, application: Application, composers: Mapping[str, Composer], worker: str | None = None) -> None:
        self.application = application
        self.composers = composers
        # host and pid make `claimed_by` tell an operator which process holds a reminder
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.backoff: tuple[float, ...] = BACKOFF
        self._busy = asyncio.Lock()
        self._next_send = 0.0

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

    @property
    def rate(self) -> float:
        """Fan-out pace (`BULK_MESSAGES_PER_SECOND`), under Telegram's global limit (SPEC §12)."""
        return self.runtime.settings.bulk_messages_per_second

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.runtime.settings.reminder_lease_seconds)

    async def tick(self) -> int:
        """Send everything due now; returns how many reminders were handled."""
        if self._busy.locked():
            return 0
        handled = 0
        async with self._busy:
            while True:
                async with self.runtime.db.transaction() as session:
                    claimed = await rules.claim_due(session, self.worker, self.runtime.clock.now(), self.lease)
                if not claimed:
                    return handled
                for reminder in claimed:
                    try:
                        await self._process(reminder)
                    except Exception:  # one broken reminder must not stop the others
                        log.exception("reminder %s failed; it is retried when its lease ends", reminder.key)
                    handled += 1

    async def _process(self, reminder: Reminder) -> None:
        runtime, now = self.runtime, self.runtime.clock.now()
        async with runtime.db.transaction() as session:
            coalition = await session.get(Coalition, reminder.coalition_id)
            meeting = await session.get(Meeting, reminder.meeting_id) if reminder.meeting_id else None
            context = Compose(runtime, session, reminder, coalition, meeting)
            status = rules.lateness(reminder, meeting, now, await rules.is_superseded(session, reminder, now))
            if status.dropped:
                why = "superseded by a later reminder" if status.superseded else "meeting already started"
                await rules.finish(session, reminder.id, self.worker, now, "dropped", why)
                log.warning("dropped reminder %s (due %s): %s", reminder.key, reminder.due_at, why)
                notices = [] if status.superseded else await self._notices(context, True)
            else:
                messages = await self.composers[reminder.kind](context)
                served = await rules.served(session, reminder.id)
                notices = await self._notices(context, False) if status.late else []
        if not status.dropped:
            await self._fan_out(reminder, [m for m in messages if m.recipient not in served])
            async with runtime.db.transaction() as session:
                lateness = runtime.clock.now() - reminder.due_at
                note = f"late by {int(lateness.total_seconds())} s" if status.late else ""
                await rules.finish(session, reminder.id, self.worker, runtime.clock.now(), "done", note)
            log.info("reminder %s done (%s)", reminder.key, note or "on time")
        for notice in notices:  # best effort: a notice is not itself a tracked delivery
            await deliver(self.application.bot, notice.chat_id, multilingual(notice.langs, notice.render))

    async def _notices(self, context: Compose, dropped: bool) -> list[Message]:
        """Managers hear of meeting reminders that left late or not at all (SPEC §6); only then
        are they looked up."""
        reminder = context.reminder
        if reminder.kind != Kind.MEETING:
            return []
        render: Render = lambda t: views.late_notice(t, context.meeting, reminder.label, dropped)  # noqa: E731
        return context.private(await context.managers(), render)

    async def _fan_out(self, reminder: Reminder, messages: list[Message]) -> None:
        """Send each message once. One commit per message: it records the previous outcome and
        the next "sending" row together (the "sending" row must be durable before the send)."""
        runtime, bot = self.runtime, self.application.bot
        previous: tuple[Message, int, Outcome] | None = None
        for index, message in enumerate([*messages, None]):
            async with runtime.db.transaction() as session:
                if previous is not None:
                    await self._record(session, *previous)
                if message is None:
                    return
                if index % RENEW_EVERY == 0 and not await rules.renew(
                    session, reminder.id, self.worker, runtime.clock.now(), self.lease
                ):
                    log.warning("lost the claim on %s; another dispatcher resumes it", reminder.key)
                    return
                delivery = await rules.begin_delivery(session, reminder.id, message.recipient)
            await self._pace()
            outcome = await deliver(
                bot,
                message.chat_id,
                multilingual(message.langs, message.render),
                keyboard=message.keyboard,
                thread_id=message.thread_id,
                on_migrated=self._migrated,
                backoff=self.backoff,
            )
            previous = (message, delivery.id, outcome)

    async def _record(self, session: AsyncSession, message: Message, delivery_id: int, outcome: Outcome) -> None:
        await rules.end_delivery(session, delivery_id, outcome.value, self.runtime.clock.now())
        if outcome is Outcome.UNREACHABLE and message.recipient != rules.GROUP:
            await member_service.mark_unreachable(session, message.chat_id)

    async def _pace(self) -> None:
        """Space bulk sends evenly: PTB's limiter lets bursts through, which Telegram answers with 429."""
        loop = asyncio.get_running_loop()
        wait = self._next_send - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_send = max(loop.time(), self._next_send) + 1 / self.rate

    async def _migrated(self, old_id: int, new_id: int) -> None:
        async with self.runtime.db.transaction() as session:
            await coalition_service.migrate(session, old_id, new_id)
