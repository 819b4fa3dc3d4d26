"""Edited messages are never executed (SPEC §3 "Edits"); this decides when the bot says so.

Telegram delivers an edit as a new update (also when nothing visible changed), so the bot
answers each edited message at most once, and in a group at most once per person per
`GROUP_QUIET`. Group messages are remembered in `edit_notice` rows, shared by every instance;
private chats only in `PrivateEdits` (process memory), so no row names a private chat.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import EditNotice
from bot.services import upserts

GROUP_QUIET = timedelta(minutes=10)
KEEP = timedelta(days=2)
"""Telegram lets people edit a message for about 48 hours; after that a notice row is useless."""
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,}))?(?=\s|$)")
_LEADING_MARKS = re.compile("^[\\s\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]+")


def command_for(text: str, bot_username: str | None, commands: frozenset[str]) -> bool:
    """Whether `text` starts with one of this bot's commands (`/meeting`, `/meeting@bot`)."""
    match = _COMMAND.match(_LEADING_MARKS.sub("", text))
    if match is None or match[1].lower() not in commands:
        return False
    return match[2] is None or (bot_username is not None and match[2].lower() == bot_username.lower())


_NOTE = upserts.build(
    lambda insert: (
        insert(EditNotice.__table__)
        .values(
            chat_id=bindparam("chat_id"),
            message_id=bindparam("message_id"),
            tg_user_id=bindparam("user_id"),
            noticed_at=bindparam("at"),
        )
        .on_conflict_do_nothing()
    )
)


async def first_group_notice(session: AsyncSession, chat_id: int, message_id: int, user_id: int, now: datetime) -> bool:
    """Record the notice in the caller's transaction; False when this message was already
    answered or this person got a notice in this group within `GROUP_QUIET`."""
    recent = (
        await session.exec(
            select(func.count())
            .select_from(EditNotice)
            .where(
                EditNotice.chat_id == chat_id,
                EditNotice.tg_user_id == user_id,
                EditNotice.noticed_at > now - GROUP_QUIET,
            )
        )
    ).one()
    if recent:
        return False
    return await upserts.run(session, _NOTE, chat_id=chat_id, message_id=message_id, user_id=user_id, at=now) == 1


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(EditNotice).where(EditNotice.noticed_at < now - KEEP))


class PrivateEdits:
    """Private-chat messages already answered, and those that answered a dialog step, in
    memory only and for `KEEP` at most.

    A restart (or another instance) may answer one edited message once more, or miss that a
    message was a dialog answer: a second "edits are not applied" (or none) is harmless, a
    row naming a private chat's messages is not."""

    def __init__(self, limit: int = 10_000) -> None:
        self._seen: OrderedDict[tuple[int, int], float] = OrderedDict()
        self._answers: deque[tuple[int, int]] = deque(maxlen=limit)
        self._limit = limit

    def note_answer(self, chat_id: int, message_id: int) -> None:
        self._answers.append((chat_id, message_id))

    def was_answer(self, chat_id: int, message_id: int) -> bool:
        return (chat_id, message_id) in self._answers

    def first(self, chat_id: int, message_id: int) -> bool:
        now = time.monotonic()
        while self._seen and (
            len(self._seen) >= self._limit or next(iter(self._seen.values())) < now - KEEP.total_seconds()
        ):
            self._seen.popitem(last=False)
        if (chat_id, message_id) in self._seen:
            return False
        self._seen[(chat_id, message_id)] = now
        return True
