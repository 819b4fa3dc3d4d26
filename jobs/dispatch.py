"""The reminder dispatcher: claims due reminders and fans them out (SPEC §6).

The scheduler calls `tick` every `INTERVAL` seconds and once at start-up (catch-up after
downtime), and once more at the due time of a reminder that falls due sooner than the next
look (`until_next_due`), so a reminder leaves within a fraction of a second of its time,
not up to an interval later (SPEC §12, punctuality). The rules of claiming and recording live in `bot.services.reminders`; what each
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

from telegram.ext import Application

from bot.models import Coalition, Meeting, Reminder
from bot.outbox.envelope import Job, Lane, Outcome
from bot.runtime import Runtime, runtime_of
from bot.services import reminders as rules
from bot.services import undelivered, workers
from bot.services.kinds import Kind
from bot.views import meetings as views
from bot.views.render import Render
from jobs.compose import Compose, Composer, Message

log = logging.getLogger(__name__)

INTERVAL = 2.0
BATCH = 200  # Delivery rows committed at once, before their messages are queued


class Dispatcher:
    def __init__(self, application: Application, composers: Mapping[str, Composer], worker: str | None = None) -> None:
        self.application = application
        self.composers = composers
        # host and pid make `claimed_by` tell an operator which process holds a reminder
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._busy = asyncio.Lock()

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.runtime.settings.reminder_lease_seconds)

    async def tick(self, *, wait: bool = True) -> int:
        """Send everything due now; returns how many reminders were handled.

        The scheduler's looks (`wait=False`) return at once while a fan-out is running; a
        caller that must know everything due has been handed over waits for it, then looks."""
        async with self.runtime.db.transaction() as session:  # the lease of rows that keep no time
            await workers.beat(session, self.worker, self.runtime.clock.now(), self.lease)
        if self._busy.locked() and not wait:
            return 0
        handled = 0
        await self.runtime.outbox.resume()  # durable messages of a process that died, if any
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
                        log.exception("%s failed; it is retried when its lease ends", _named(reminder))
                    handled += 1

    async def until_next_due(self) -> float | None:
        """Wall seconds until the earliest pending reminder falls due (None: none planned)."""
        runtime = self.runtime
        async with runtime.db.transaction() as session:
            due = await rules.next_due(session)
        return None if due is None else (due - runtime.clock.now()).total_seconds() / runtime.clock.speed

    async def _process(self, reminder: Reminder) -> None:
        runtime, now = self.runtime, self.runtime.clock.now()
        async with runtime.db.transaction() as session:
            coalition = await session.get(Coalition, reminder.coalition_id)
            meeting = await session.get(Meeting, reminder.meeting_id) if reminder.meeting_id else None
            context = Compose(runtime, session, reminder, coalition, meeting)
            status = rules.lateness(reminder, meeting, now, await rules.is_superseded(session, reminder, now))
            if status.dropped:
                why = "superseded by a later reminder" if status.superseded else "meeting already started"
                await rules.finish(session, reminder, self.worker, now, "dropped", why)
                log.warning("dropped reminder %s (due %s): %s", reminder.key, reminder.due_at, why)
                notices = [] if status.superseded else await self._notices(context, True)
            else:
                messages = await self.composers[reminder.kind](context)
                served = await rules.served(session, reminder.id)
                notices = await self._notices(context, False) if status.late else []
                notices += context.notices
        if not status.dropped:
            await self._fan_out(reminder, [m for m in messages if m.recipient not in served])
            async with runtime.db.transaction() as session:
                lateness = runtime.clock.now() - reminder.due_at
                note = (
                    f"late by {int(lateness.total_seconds())} s" if status.late and not rules.timeless(reminder) else ""
                )
                await rules.finish(session, reminder, self.worker, runtime.clock.now(), "done", note)
            log.info("%s done (%s)", _named(reminder), note or "on time")
        for notice in notices:  # a notice is not itself a tracked delivery
            runtime.sender.submit(_job(notice, reminder))

    async def _notices(self, context: Compose, dropped: bool) -> list[Message]:
        """Managers hear of meeting reminders that left late or not at all (SPEC §6); only then
        are they looked up."""
        reminder = context.reminder
        if reminder.kind != Kind.MEETING:
            return []
        render: Render = lambda t: views.late_notice(t, context.meeting, reminder.label, dropped)  # noqa: E731
        return context.private(await context.managers(), render)

    async def _fan_out(self, reminder: Reminder, messages: list[Message]) -> None:
        """Hand every message to the sender; each recipient's Delivery row is committed before
        its message is queued, and its outcome once the sender is done with it. The sender
        retries transient failures until they pass, so an outage only delays a fan-out.
        The next batch is queued while half of the previous one is still waiting, so the
        sender never runs dry between batches."""
        runtime = self.runtime
        pending: dict[asyncio.Future[Outcome], int] = {}
        for start in range(0, len(messages), BATCH):
            batch = messages[start : start + BATCH]
            async with runtime.db.transaction() as session:
                if not await rules.renew(session, reminder, self.worker, runtime.clock.now(), self.lease):
                    log.warning("lost the claim on %s; another dispatcher resumes it", _named(reminder))
                    return
                ids = await rules.queue_deliveries(session, reminder.id, [m.recipient for m in batch])
            for message, delivery_id in zip(batch, ids, strict=True):
                pending[runtime.sender.submit(self._tracked(message, reminder, delivery_id))] = delivery_id
            await self._record(reminder, pending, until=BATCH // 2)
        await self._record(reminder, pending, until=0)

    async def _record(self, reminder: Reminder, pending: dict[asyncio.Future[Outcome], int], until: int) -> None:
        """Record outcomes as they come until at most `until` remain; the claim is renewed
        meanwhile (an outage can hold a fan-out for minutes)."""
        runtime = self.runtime
        renew_every = self.lease.total_seconds() / 3 / runtime.clock.speed
        while len(pending) > until:
            done, _ = await asyncio.wait(pending, timeout=renew_every, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.sleep(0.2 / runtime.clock.speed)  # record in batches, not one commit per message
            done = {future for future in pending if future.done()}
            async with runtime.db.transaction() as session:
                now = runtime.clock.now()
                outcomes = {future.result().value for future in done}
                for future in done:
                    await rules.end_delivery(
                        session, pending.pop(future), future.result().value, rules.stamp(reminder, now)
                    )
                if outcomes & set(undelivered.FAILED) and _reported(reminder):
                    coalition = await session.get(Coalition, reminder.coalition_id)
                    if coalition is not None:
                        await undelivered.plan_notice(session, coalition, now)
                await rules.renew(session, reminder, self.worker, now, self.lease)

    def _tracked(self, message: Message, reminder: Reminder, delivery_id: int) -> Job:
        """The job of one recipient: its row turns `sending` just before the first request leaves,
        so a crash can lose at most the requests in flight, and never repeats a sent one."""
        job = _job(message, reminder)
        db = self.runtime.db

        async def starting() -> None:
            async with db.transaction() as session:
                await rules.begin_delivery(session, delivery_id)

        job.on_start = starting
        return job


def _named(reminder: Reminder) -> str:
    """How the log names a reminder: an anonymous concern's delivery by nothing that could
    be matched with its concern (SPEC §8)."""
    return "an anonymous concern's delivery" if rules.timeless(reminder) else f"reminder {reminder.key}"


def _reported(reminder: Reminder) -> bool:
    """Whether its failures go into the managers' notice (not the notice's own, not a concern's)."""
    return reminder.kind != Kind.UNDELIVERED and not rules.timeless(reminder)


def _job(message: Message, reminder: Reminder) -> Job:
    """Group posts lead inside their group's budget; private ones are bulk, behind replies."""
    lane = Lane.SCHEDULED if message.recipient == rules.GROUP else Lane.BULK
    return Job(
        message.chat_id,
        lane,
        texts=message.texts(),
        keyboard=message.keyboard,
        thread_id=message.thread_id,
        label=f"{reminder.key} → {message.recipient}",
    )
