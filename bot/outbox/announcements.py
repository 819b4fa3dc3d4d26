"""Meeting announcements: posting them and re-rendering their counts, coalesced.

Every edit names the group and spends its 20-per-minute budget (SPEC §12). A burst of RSVP
presses therefore marks the announcement dirty; one edit per `delay` window renders the
counts from the database, so the last press is always shown and a burst costs few edits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import Application

from bot.models import Coalition, Meeting
from bot.services import meetings as meeting_service
from bot.views import meetings as views
from bot.views.render import LANGUAGE_SEPARATOR

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def render(
    runtime: Runtime, coalition: Coalition, meeting: Meeting, counts: Counter[str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The announcement in every group language (one message) and its RSVP buttons."""
    langs = runtime.catalogs.group(coalition.language_list, coalition.timezone, coalition.country)
    text = LANGUAGE_SEPARATOR.join(views.announcement(t, coalition, meeting, counts) for t in langs)
    keyboard = None if meeting.cancelled else views.rsvp_keyboard(langs[0], meeting)
    return text, keyboard


class AnnouncementRefresher:
    def __init__(self, delay: float = 2.0) -> None:
        self.delay = delay
        self._dirty: set[int] = set()
        self.shown: dict[int, str] = {}  # meeting id → text last posted, to skip no-op edits

    def request(self, application: Application, meeting_id: int) -> None:
        if meeting_id in self._dirty:
            return
        self._dirty.add(meeting_id)
        application.create_task(self._refresh(application, meeting_id), name=f"announcement-{meeting_id}")

    async def _refresh(self, application: Application, meeting_id: int) -> None:
        await asyncio.sleep(self.delay)
        self._dirty.discard(meeting_id)  # presses from now on schedule the next edit
        await refresh_now(application, meeting_id)


async def refresh_now(application: Application, meeting_id: int) -> None:
    """Edit the announcement to the database's current state (idempotent)."""
    runtime = application.bot_data["runtime"]
    shown = runtime.announcements.shown
    async with runtime.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None or meeting.announcement_message_id is None:
            return
        coalition = await session.get(Coalition, meeting.coalition_id)
        counts = await meeting_service.counts(session, meeting)
    text, keyboard = render(runtime, coalition, meeting, counts)
    if shown.get(meeting_id) == text:
        return
    try:
        await application.bot.edit_message_text(
            text, chat_id=coalition.chat_id, message_id=meeting.announcement_message_id, reply_markup=keyboard
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            log.warning("could not refresh the announcement of meeting %s: %s", meeting_id, error.message)
            return
    shown[meeting_id] = text  # only once Telegram shows it: a failed edit is tried again on the next press
