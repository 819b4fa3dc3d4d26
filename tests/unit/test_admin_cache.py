"""The administrator cache never keeps a list that a member change may have overtaken
(`bot.runtime.admins`): with chats handled side by side, an administrator demoted while the
list was on its way must not keep a manager's rights for the cache's lifetime."""

from __future__ import annotations

import asyncio

from telegram import ChatMemberAdministrator, ChatMemberMember, User

from bot.runtime.admins import AdminCache

GROUP, AMIRA = -100, 7


def _admin(user_id: int) -> ChatMemberAdministrator:
    return ChatMemberAdministrator(User(user_id, "A", False), False, *([False] * 7), True, False, False, False)


class _Bot:
    """Telegram's answer is the list as it was when asked; the first answer waits for `release`."""

    def __init__(self) -> None:
        self.admin = True
        self.asked = 0
        self.release = asyncio.Event()

    async def get_chat_administrators(self, chat_id: int) -> list:
        listed = [_admin(AMIRA)] if self.admin else [ChatMemberMember(User(AMIRA, "A", False))]
        self.asked += 1
        if self.asked == 1:
            await self.release.wait()
        return listed


async def test_a_list_fetched_across_a_member_change_is_asked_for_again():
    cache, bot = AdminCache(), _Bot()
    asking = asyncio.create_task(cache.admins(bot, GROUP))  # a private chat's permission check
    await asyncio.sleep(0)
    bot.admin = False  # the owner demotes Amira; the group's chat_member update is handled meanwhile
    cache.forget(GROUP)
    bot.release.set()
    ids, fresh = await asking
    assert AMIRA not in ids and fresh and bot.asked == 2
    assert not await cache.is_admin(bot, GROUP, AMIRA)  # and not from the cache either
    assert bot.asked == 2


async def test_a_list_fetched_undisturbed_is_kept():
    cache, bot = AdminCache(), _Bot()
    bot.release.set()
    assert await cache.is_admin(bot, GROUP, AMIRA)
    assert await cache.is_admin(bot, GROUP, AMIRA)
    assert bot.asked == 1
