"""Cached group administrator lists.

`getChatAdministrators` names the group, so every call spends the group's 20-per-minute
budget (SPEC §12): permission checks read a short-lived cache instead, refreshed when
Telegram reports a member change.
"""

from __future__ import annotations

import time

from telegram import Bot
from telegram.constants import ChatMemberStatus

TTL_SECONDS = 300.0


class AdminCache:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        cached = self._admins.get(chat_id)
        if cached is None or time.monotonic() - cached[0] > self._ttl:
            members = await bot.get_chat_administrators(chat_id)
            ids = frozenset(
                m.user.id for m in members if m.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
            )
            cached = (time.monotonic(), ids)
            self._admins[chat_id] = cached
        return user_id in cached[1]

    def forget(self, chat_id: int) -> None:
        self._admins.pop(chat_id, None)
