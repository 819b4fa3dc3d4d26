"""Cached group administrator lists.

`getChatAdministrators` names the group, so every call spends the group's 20-per-minute
budget (SPEC §12): permission checks read a short-lived cache instead, dropped when Telegram
reports a member change (`chat_member`, a member leaving or arriving, the bot's own status)
so a demoted administrator loses the rights at once. Whoever holds a database session stores
a freshly fetched list (`services.group_admins`), which private chats read.
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
        self._changes: dict[int, int] = {}  # member changes seen per group (see `admins`)

    async def admins(self, bot: Bot, chat_id: int) -> tuple[frozenset[int], bool]:
        """The group's administrators, and whether they were fetched from Telegram just now.

        A member change reported while a list is on its way may postdate it (an administrator
        demoted meanwhile, with updates of other chats handled side by side): that list is
        neither kept nor used, and the list is asked for again. Raises Telegram's error when
        it cannot tell (the bot is no longer in the group)."""
        cached = self._admins.get(chat_id)
        if cached is not None and time.monotonic() - cached[0] <= self._ttl:
            return cached[1], False
        while True:
            seen = self._changes.get(chat_id, 0)
            members = await bot.get_chat_administrators(chat_id)
            if self._changes.get(chat_id, 0) == seen:
                break
        ids = frozenset(  # bots (this one among them) manage nothing
            m.user.id
            for m in members
            if m.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR) and not m.user.is_bot
        )
        self._admins[chat_id] = (time.monotonic(), ids)
        return ids, True

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        return user_id in (await self.admins(bot, chat_id))[0]

    def forget(self, chat_id: int) -> None:
        self._admins.pop(chat_id, None)
        self._changes[chat_id] = self._changes.get(chat_id, 0) + 1
