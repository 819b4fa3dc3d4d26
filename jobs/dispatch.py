"""The reminder dispatcher: claims due reminders and fans them out (SPEC §6).

The scheduler calls `tick` every `INTERVAL` seconds and once at start-up (catch-up after
downtime); the rules of claiming and recording live in `bot.services.reminders`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from telegram.ext import Application

from bot.delivery import BACKOFF, Outcome, deliver
from bot.i18n import Lang
from bot.models import Coalition, Meeting, Reminder
from bot.runtime import Runtime, runtime_of
from bot.services import coalitions as coalition_service
from bot.services import meetings as meeting_service
from bot.services import members as member_service
from bot.services import recipients
from bot.services import reminders as rules
from bot.services.members import Member
from bot.services.roles import MANAGER_ROLES
from bot.views import meetings as views
from bot.views.render import Render, multilingual

log = logging.getLogger(__name__)

INTERVAL = 2.0
RENEW_EVERY = 10  # messages between lease renewals (10 messages take ~0.3 s at Telegram's pace)
CADENCE_ROLES = frozenset({"national_authority", "facilitator"})


@dataclass
class Message:
    """One message of a fan-out: its recipient key, chat, texts and keyboard."""

    recipient: str
    chat_id: int
    render: Render
    langs: list[Lang]
    keyboard: object | None = None  # InlineKeyboardMarkup
    thread_id: int | None = None


class Dispatcher:
    def __init__(self, application: Application, worker: str | None = None) -> None:
        self.application = application
        self.worker = worker or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self.backoff: tuple[float, ...] = BACKOFF
        self._busy = asyncio.Lock()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.runtime.settings.reminder_lease_seconds)

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

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
                        log.exception("reminder %s failed; it will be retried when its lease ends", reminder.key)
                    handled += 1

    async def _process(self, reminder: Reminder) -> None:
        runtime, now = self.runtime, self.runtime.clock.now()
        async with runtime.db.transaction() as session:
            coalition = await session.get(Coalition, reminder.coalition_id)
            meeting = await session.get(Meeting, reminder.meeting_id) if reminder.meeting_id else None
            status = rules.lateness(reminder, meeting, now, await rules.is_superseded(session, reminder, now))
            if status.dropped:
                why = "superseded by a later reminder" if status.superseded else "meeting already started"
                await rules.finish(session, reminder.id, self.worker, now, "dropped", why)
                log.warning("dropped reminder %s (due %s): %s", reminder.key, reminder.due_at, why)
                managers = [] if status.superseded else await self._managers(session, coalition)
            else:
                messages = await self._compose(session, reminder, coalition, meeting)
                served = await rules.served(session, reminder.id)
        if status.dropped:
            await self._notify_managers(coalition, managers, lambda t: views.late_notice(t, meeting, reminder.label, True))
            return
        await self._fan_out(reminder, [m for m in messages if m.recipient not in served])
        async with runtime.db.transaction() as session:
            lateness = runtime.clock.now() - reminder.due_at
            note = f"late by {int(lateness.total_seconds())} s" if status.late else ""
            await rules.finish(session, reminder.id, self.worker, runtime.clock.now(), "done", note)
            managers = await self._managers(session, coalition) if status.late else []
        log.info("reminder %s done (%s)", reminder.key, note or "on time")
        if status.late and reminder.kind == "meeting":
            await self._notify_managers(coalition, managers, lambda t: views.late_notice(t, meeting, reminder.label, False))

    async def _fan_out(self, reminder: Reminder, messages: list[Message]) -> None:
        runtime, bot = self.runtime, self.application.bot
        for index, message in enumerate(messages):
            async with runtime.db.transaction() as session:
                if index % RENEW_EVERY == 0 and not await rules.renew(
                    session, reminder.id, self.worker, runtime.clock.now(), self.lease
                ):
                    log.warning("lost the claim on %s; another dispatcher resumes it", reminder.key)
                    return
                delivery = await rules.begin_delivery(session, reminder.id, message.recipient)
            outcome = await deliver(
                bot,
                message.chat_id,
                multilingual(message.langs, message.render),
                keyboard=message.keyboard,
                thread_id=message.thread_id,
                on_migrated=self._migrated,
                backoff=self.backoff,
            )
            async with runtime.db.transaction() as session:
                await rules.end_delivery(session, delivery.id, outcome.value, runtime.clock.now())
                if outcome is Outcome.UNREACHABLE and message.recipient != rules.GROUP:
                    await member_service.mark_unreachable(session, message.chat_id)

    async def _migrated(self, old_id: int, new_id: int) -> None:
        async with self.runtime.db.transaction() as session:
            await coalition_service.migrate(session, old_id, new_id)

    async def _compose(self, session, reminder: Reminder, coalition: Coalition, meeting: Meeting | None) -> list[Message]:  # noqa: ANN001
        if reminder.kind == "meeting":
            return await self._meeting_reminder(session, coalition, meeting)
        if reminder.kind == "post_meeting":
            managers = await self._managers(session, coalition)
            return self._private(coalition, managers, lambda t: views.post_meeting_prompt(t, coalition, meeting))
        if reminder.kind == "cadence":
            people = await recipients.with_roles(session, coalition.id, CADENCE_ROLES)
            last = await meeting_service.last_held(session, coalition.id, self.runtime.clock.now())
            starts = last.starts_at if last else None
            return self._private(
                coalition, people, lambda t: views.cadence_nudge(t, coalition, starts, coalition.cadence_months)
            )
        raise ValueError(f"unknown reminder kind {reminder.kind}")

    async def _meeting_reminder(self, session, coalition: Coalition, meeting: Meeting) -> list[Message]:  # noqa: ANN001
        attendance = await meeting_service.attendance(session, meeting)
        counts = await meeting_service.counts(session, meeting)
        audience = recipients.split_by_reach(attendance.silent)
        langs = self._group_langs(coalition)
        group = Message(
            rules.GROUP,
            coalition.chat_id,
            lambda t: views.reminder_group(t, coalition, meeting, counts, audience.mention_in_group),
            langs,
            views.rsvp_keyboard(langs[0], meeting),
            coalition.topic_id,
        )
        private = self._private(
            coalition,
            audience.private,
            lambda t: views.reminder_private(t, coalition, meeting, t.tz.key),
            keyboard=lambda t: views.rsvp_keyboard(t, meeting),
        )
        return [group, *private]

    def _group_langs(self, coalition: Coalition) -> list[Lang]:
        return [self.runtime.catalogs.lang(code, coalition.timezone) for code in coalition.language_list]

    def _private(self, coalition: Coalition, people: list[Member], render: Render, keyboard=None) -> list[Message]:  # noqa: ANN001
        messages = []
        for member in people:
            if not recipients.reachable(member):
                continue
            person = member.person
            lang = self.runtime.catalogs.lang(
                member_service.reader_language(person, coalition), person.timezone or coalition.timezone
            )
            messages.append(
                Message(
                    rules.person_recipient(person.id),
                    person.tg_user_id,
                    render,
                    [lang],
                    keyboard(lang) if keyboard else None,
                )
            )
        return messages

    async def _managers(self, session, coalition: Coalition) -> list[Member]:  # noqa: ANN001
        return await recipients.with_roles(session, coalition.id, MANAGER_ROLES)

    async def _notify_managers(self, coalition: Coalition, managers: list[Member], render: Render) -> None:
        """Best-effort notice (late or dropped reminder); not itself a tracked delivery."""
        for message in self._private(coalition, managers, render):
            await deliver(self.application.bot, message.chat_id, multilingual(message.langs, message.render))
