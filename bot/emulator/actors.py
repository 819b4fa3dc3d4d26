"""What people do in their Telegram apps, turned into the updates the bot receives.

These helpers are for tests, so misuse (an unknown user, a button that is not on the
message) raises ``ValueError`` at once instead of producing an update Telegram never would.
"""

import time
from typing import Any

from .entities import auto_entities, bot_commands
from .state import ADMIN_STATUSES, BOT_USERNAME, MEMBER_STATUSES, Chat, World


class Actors(World):
    """Test-user actions: create users and groups, write, press buttons, vote, block, join and
    leave groups, promote and demote administrators, remove the bot."""

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """Create a Telegram user (who has not started the bot yet); returns the User object."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        user.update({k: v for k, v in (("last_name", last_name), ("username", username)) if v})
        user["language_code"] = language_code
        self.users[user_id] = user
        self.chats[user_id] = Chat(id=user_id, type="private", user=user)
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        admins: list[int] | tuple[int, ...] = (),
        creator: int | None = None,
        type: str = "group",
        is_forum: bool = False,
        bot_status: str = "member",
    ) -> dict[str, Any]:
        """Create a group; returns the Chat.

        The bot is already in it (``bot_status``, no update), as for a group set up before the
        test; pass ``bot_status="left"`` to model a group the bot must first be added to.
        """
        if chat_id >= 0 or type not in ("group", "supergroup") or (is_forum and type != "supergroup"):
            raise ValueError("groups need a negative id; forums must be supergroups")
        if bot_status not in ("member", "administrator", "left"):
            raise ValueError(f"unsupported bot_status {bot_status!r}")
        members = {self._user(uid)["id"]: "administrator" for uid in admins}
        if creator is not None:
            members[self._user(creator)["id"]] = "creator"
        chat = Chat(id=chat_id, type=type, title=title, is_forum=is_forum, members=members, bot_status=bot_status)
        self.chats[chat_id] = chat
        return chat.as_json()

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends now fail with 403; writing to the bot again unblocks."""
        user = self._user(user_id)
        self.blocked.add(user_id)
        if user_id in self.started:
            self._bot_member_update(self.chats[user_id], user, "member", "kicked")

    async def send(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user writes ``text`` in a chat (``chat_id == user_id`` for the private chat)."""
        user, chat = self._user(user_id), self._live_chat(chat_id)
        if chat.is_private:
            if chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            if user_id in self.blocked:
                self.blocked.discard(user_id)
                self._bot_member_update(chat, user, "kicked", "member")
            self.started.add(user_id)
        elif chat.members.setdefault(user_id, "member") not in MEMBER_STATUSES:
            raise ValueError(f"user {user_id} is not in chat {chat_id}")
        replied = None
        if reply_to is not None and (replied := chat.messages.get(reply_to)) is None:
            raise ValueError(f"no message {reply_to} in chat {chat_id}")
        message = self.new_message(
            chat, user, reply_to=replied, thread_id=thread_id, text=text, entities=auto_entities(text)
        )
        if self._bot_sees(chat, message):
            self.updates.push("message", message)
        return message

    async def edit(self, chat_id: int, message_id: int, user_id: int, text: str) -> dict[str, Any]:
        """The user edits their message: Telegram sends ``edited_message`` with a new update id,
        also when the text did not change."""
        self._user(user_id)  # known users only
        chat = self._live_chat(chat_id)
        original = chat.messages.get(message_id)
        if original is None or original.get("from", {}).get("id") != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} in chat {chat_id}")
        edited = {**original, "text": text, "entities": auto_entities(text), "edit_date": original["date"] + 1}
        if not edited["entities"]:
            edited.pop("entities")
        chat.messages[message_id] = edited
        if self._bot_sees(chat, edited):
            self.updates.push("edited_message", edited)
        return edited

    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        """The user taps the inline button carrying ``data``; returns the callback query id."""
        user, chat = self._user(user_id), self._live_chat(chat_id)
        message = chat.messages.get(message_id)
        buttons = [b for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            raise ValueError(f"message {chat_id}#{message_id} has no button with callback_data {data!r}")
        query_id = str(4_000_000_000 + next(self.ids))
        self.open_callbacks.add(query_id)
        self.updates.push(
            "callback_query",
            {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(abs(chat_id) * 7919 + 1_000_003),
                "data": data,
            },
        )
        return query_id

    async def add_bot_to_group(self, chat_id: int, by_user_id: int, *, as_admin: bool = False) -> None:
        """A member adds the bot: ``my_chat_member`` plus the ``new_chat_members`` service message.

        Reported as a fresh addition (old status "left") even if ``add_group`` put the bot in.
        """
        user, chat = self._user(by_user_id), self._live_chat(chat_id)
        if chat.is_private or chat.members.get(by_user_id) not in MEMBER_STATUSES:
            raise ValueError(f"user {by_user_id} is not a member of group {chat_id}")
        self._bot_member_update(chat, user, "left", "administrator" if as_admin else "member")
        self.updates.push("message", self.new_message(chat, user, new_chat_members=[self.bot]))

    async def join_group(self, chat_id: int, user_id: int) -> None:
        """The user joins the group (again): ``new_chat_members``, and ``chat_member`` for an admin bot."""
        user, chat = self._user(user_id), self._group(chat_id)
        old = chat.members.get(user_id, "left")
        if old in MEMBER_STATUSES:
            raise ValueError(f"user {user_id} is already in chat {chat_id}")
        chat.members[user_id] = "member"
        self._member_update(chat, user, user, old, "member")
        if chat.bot_status in MEMBER_STATUSES:
            self.updates.push("message", self.new_message(chat, user, new_chat_members=[user]))

    async def leave_group(self, chat_id: int, user_id: int) -> None:
        """The user leaves the group: the ``left_chat_member`` service message, and a
        ``chat_member`` update when the bot is an administrator (as Telegram sends them)."""
        self._departure(chat_id, user_id, user_id, "left")

    async def remove_from_group(self, chat_id: int, user_id: int, *, by_user_id: int) -> None:
        """An administrator removes (bans) the user from the group."""
        chat = self._group(chat_id)
        if chat.members.get(by_user_id) not in ADMIN_STATUSES:
            raise ValueError(f"user {by_user_id} is not an administrator of chat {chat_id}")
        self._departure(chat_id, user_id, by_user_id, "kicked")

    async def set_admin(self, chat_id: int, user_id: int, admin: bool, *, by_user_id: int) -> None:
        """Promote a member to administrator or demote one (only ``chat_member`` tells the bot)."""
        chat, user, by = self._group(chat_id), self._user(user_id), self._user(by_user_id)
        old, new = chat.members.get(user_id), "administrator" if admin else "member"
        if old not in MEMBER_STATUSES or old == "creator" or chat.members.get(by_user_id) not in ADMIN_STATUSES:
            raise ValueError(f"user {by_user_id} cannot make {user_id} {new} in chat {chat_id}")
        chat.members[user_id] = new
        self._member_update(chat, by, user, old, new)

    async def remove_bot_from_group(self, chat_id: int, by_user_id: int, *, ban: bool = False) -> None:
        """An administrator removes the bot: only ``my_chat_member`` reaches it (it is no longer
        in the group to see the service message)."""
        chat, by = self._group(chat_id), self._user(by_user_id)
        if chat.bot_status not in MEMBER_STATUSES or chat.members.get(by_user_id) not in ADMIN_STATUSES:
            raise ValueError(f"user {by_user_id} cannot remove the bot from chat {chat_id}")
        self._bot_member_update(chat, by, chat.bot_status, "kicked" if ban else "left")

    def _departure(self, chat_id: int, user_id: int, by_user_id: int, new: str) -> None:
        chat, user, by = self._group(chat_id), self._user(user_id), self._user(by_user_id)
        old = chat.members.get(user_id)
        if old not in MEMBER_STATUSES:
            raise ValueError(f"user {user_id} is not in chat {chat_id}")
        chat.members[user_id] = new
        self._member_update(chat, by, user, old, new)
        if chat.bot_status in MEMBER_STATUSES:
            self.updates.push("message", self.new_message(chat, by, left_chat_member=user))

    def _group(self, chat_id: int) -> Chat:
        chat = self._live_chat(chat_id)
        if chat.is_private:
            raise ValueError(f"chat {chat_id} is not a group")
        return chat

    def _member_update(self, chat: Chat, by: dict, user: dict, old: str, new: str) -> None:
        """``chat_member``: Telegram sends it only to bots that administer the group (and ask for it)."""
        if chat.bot_status not in ADMIN_STATUSES:
            return
        self.updates.push(
            "chat_member",
            {
                "chat": chat.as_json(),
                "from": by,
                "date": int(time.time()),
                "old_chat_member": {"user": user, "status": old, **_member_extras(old)},
                "new_chat_member": {"user": user, "status": new, **_member_extras(new)},
            },
        )

    async def migrate_group(self, old_id: int, new_id: int, *, by_user_id: int | None = None) -> None:
        """Upgrade a basic group to a supergroup, with both service messages Telegram sends."""
        old = self._live_chat(old_id)
        if old.type != "group" or new_id in self.chats:
            raise ValueError("only an existing basic group can migrate, to a new id")
        by = by_user_id or next(
            (uid for uid, s in sorted(old.members.items(), key=lambda m: m[1] != "creator") if s in ADMIN_STATUSES),
            None,
        )
        if by is None:
            raise ValueError("pass by_user_id: the group has no creator or administrator")
        user = self._user(by)
        new = Chat(id=new_id, type="supergroup", title=old.title, members=dict(old.members), bot_status=old.bot_status)
        self.chats[new_id] = new
        to_old = self.new_message(old, user, migrate_to_chat_id=new_id)
        old.migrated_to = new_id
        to_new = self.new_message(new, user, migrate_from_chat_id=old_id)
        if new.bot_status in MEMBER_STATUSES:
            self.updates.push("message", to_old)
            self.updates.push("message", to_new)

    async def poll_answer(self, poll_id: str, user_id: int, option_ids: list[int]) -> None:
        """The user votes (``[]`` retracts); pushes ``poll_answer`` if not anonymous, then ``poll``."""
        user, state = self._user(user_id), self.polls.get(poll_id)
        if state is None or state.poll["is_closed"]:
            raise ValueError(f"poll {poll_id} does not exist or is closed")
        options = state.poll["options"]
        if any(not 0 <= i < len(options) for i in option_ids) or len(set(option_ids)) != len(option_ids):
            raise ValueError(f"invalid option ids {option_ids}")
        if len(option_ids) > 1 and not state.poll["allows_multiple_answers"]:
            raise ValueError("this poll allows one answer only")
        for i in state.votes.pop(user_id, []):
            options[i]["voter_count"] -= 1
        if option_ids:
            state.votes[user_id] = list(option_ids)
        for i in option_ids:
            options[i]["voter_count"] += 1
        state.poll["total_voter_count"] = len(state.votes)
        if not state.poll["is_anonymous"]:
            persistent = [options[i]["persistent_id"] for i in option_ids]
            answer = {"poll_id": poll_id, "user": user, "option_ids": option_ids, "option_persistent_ids": persistent}
            self.updates.push("poll_answer", answer)
        self.updates.push("poll", state.poll)
        self.touch(self.sent_index[(state.chat_id, state.message_id)])

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            raise ValueError(f"unknown user {user_id}: call add_user first")
        return self.users[user_id]

    def _live_chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None or chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} does not exist or was migrated")
        return chat

    def _bot_sees(self, chat: Chat, message: dict) -> bool:
        """Group delivery rules: membership first, then privacy mode unless the bot is an admin."""
        if chat.is_private:
            return True
        if chat.bot_status not in MEMBER_STATUSES:
            return False
        if not self.privacy_mode or chat.bot_status in ADMIN_STATUSES:
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot["id"]:
            return True
        return any("@" not in c or c.endswith(f"@{BOT_USERNAME}") for c in bot_commands(message["text"]))

    def _bot_member_update(self, chat: Chat, by: dict, old: str, new: str) -> None:
        if not chat.is_private:
            chat.bot_status = new
        self.updates.push(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": by,
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot, "status": old, **_member_extras(old)},
                "new_chat_member": {"user": self.bot, "status": new, **_member_extras(new)},
            },
        )


def _member_extras(status: str) -> dict[str, Any]:
    """Required fields of the ChatMember variants (creator, administrator, banned)."""
    if status == "creator":
        return {"is_anonymous": False}
    if status == "administrator":
        return admin_rights()
    if status == "kicked":
        return {"until_date": 0}
    return {}


def admin_rights() -> dict[str, Any]:
    """A typical group administrator's rights, with every field ChatMemberAdministrator requires."""
    return {
        "can_be_edited": False,
        "is_anonymous": False,
        "can_manage_chat": True,
        "can_delete_messages": True,
        "can_manage_video_chats": True,
        "can_restrict_members": True,
        "can_promote_members": False,
        "can_change_info": True,
        "can_invite_users": True,
        "can_post_stories": False,
        "can_edit_stories": False,
        "can_delete_stories": False,
        "can_pin_messages": True,
    }
