"""Meeting announcements: recording where they were posted and re-rendering their counts, coalesced.

Every edit names the group and spends its 20-per-minute budget (SPEC §12). A burst of RSVP
presses therefore marks the announcement dirty; one edit per `delay` window renders the
counts from the database, so the last press is always shown and a burst costs few edits.
The edits leave through the sender on the scheduled lane, ahead of replies in the group.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram import Message as TelegramMessage

from bot.i18n import Catalogs
from bot.models import Coalition, Meeting
from bot.outbox import audience
from bot.outbox.envelope import Job, Lane
from bot.outbox.sender import Sender
from bot.services import meetings as meeting_service
from bot.store.database import Database
from bot.views import meetings as views
from bot.views.render import LANGUAGE_SEPARATOR

log = logging.getLogger(__name__)

COMPLETION = "announcement"
"""The durable completion that records a posted announcement (`AnnouncementRefresher.posted`)."""


class AnnouncementRefresher:
    def __init__(self, db: Database, catalogs: Catalogs, sender: Sender, delay: float = 2.0) -> None:
        self.db, self.catalogs, self.sender = db, catalogs, sender
        self.delay = delay
        self._dirty: set[int] = set()
        self.shown: dict[int, str] = {}  # meeting id → text last posted, to skip no-op edits
        self._queued: dict[int, str] = {}  # meeting id → text of an edit handed to the sender

    def render(
        self, coalition: Coalition, meeting: Meeting, counts: Counter[str]
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The announcement in every group language (one message) and its RSVP buttons."""
        langs = audience.group_langs(self.catalogs, coalition)
        text = LANGUAGE_SEPARATOR.join(views.announcement(t, coalition, meeting, counts) for t in langs)
        keyboard = None if meeting.cancelled else views.rsvp_keyboard(langs[0], meeting)
        return text, keyboard

    async def posted(self, session: AsyncSession, meeting_id: int, sent: list[TelegramMessage]) -> None:
        """The durable announcement was accepted: remember where, so presses can edit it."""
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            return
        meeting.announcement_chat_id, meeting.announcement_message_id = sent[-1].chat_id, sent[-1].message_id
        session.add(meeting)
        coalition = await session.get(Coalition, meeting.coalition_id)
        if coalition is not None:
            self.shown[meeting_id] = self.render(coalition, meeting, await meeting_service.counts(session, meeting))[0]

    def request(self, meeting_id: int) -> None:
        """Refresh soon; presses until then cost nothing more."""
        if meeting_id in self._dirty:
            return
        self._dirty.add(meeting_id)
        self.sender.spawn(self._refresh(meeting_id))

    async def _refresh(self, meeting_id: int) -> None:
        await asyncio.sleep(self.delay)
        self._dirty.discard(meeting_id)  # presses from now on schedule the next edit
        await self.refresh_now(meeting_id)

    async def refresh_now(self, meeting_id: int) -> None:
        """Queue an edit to the database's current state (idempotent)."""
        async with self.db.transaction() as session:
            meeting = await session.get(Meeting, meeting_id)
            if meeting is None or meeting.announcement_message_id is None:
                return
            coalition = await session.get(Coalition, meeting.coalition_id)
            if coalition is None:
                return
            counts = await meeting_service.counts(session, meeting)
        text, keyboard = self.render(coalition, meeting, counts)
        if self._queued.get(meeting_id, self.shown.get(meeting_id)) == text:
            return
        chat_id, message_id = coalition.chat_id, meeting.announcement_message_id

        async def edit(bot: Bot) -> object:
            return await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard)

        async def shown(_results: list[TelegramMessage]) -> None:  # only once Telegram shows it
            self.shown[meeting_id] = text

        self._queued[meeting_id] = text
        future = self.sender.submit(
            Job(chat_id, Lane.SCHEDULED, call=edit, after=shown, label=f"announcement of M{meeting.number}")
        )

        def settled(_future: object) -> None:
            if self._queued.get(meeting_id) == text:
                del self._queued[meeting_id]

        future.add_done_callback(settled)
