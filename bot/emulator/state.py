"""The simulated Telegram side: users, chats, messages, polls, and the record of what the bot did.

Both halves of the emulator work on this state: the Bot API methods (the bot's view) and
the test-user actions (what people do in their Telegram apps).  Waiting helpers live here
too, because they wait on changes to this state, never by polling it.
"""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .records import ApiRequest, SentMessage
from .updates import UpdateQueue
from .validation import UploadedFile

DEFAULT_TOKEN = "123456789:TEST-coalition-emulator"
BOT_FIRST_NAME = "Coalition Bot"
BOT_USERNAME = "coalition_test_bot"
MEMBER_STATUSES = frozenset({"creator", "administrator", "member"})
ADMIN_STATUSES = frozenset({"creator", "administrator"})
T = TypeVar("T")


@dataclass
class Chat:
    """A private chat (``user`` set) or a (super)group with its members' statuses."""

    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    user: dict | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    # Kept apart from members so the bot's membership survives a change of token.
    bot_status: str = "left"
    migrated_to: int | None = None
    messages: dict[int, dict] = field(default_factory=dict)  # current state, deleted ones removed
    last_message_id: int = 0

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def as_json(self) -> dict[str, Any]:
        """The short Chat object Telegram puts into messages and updates."""
        if self.user:
            names = {k: self.user[k] for k in ("first_name", "last_name", "username") if k in self.user}
            return {"id": self.id, **names, "type": "private"}
        chat: dict[str, Any] = {"id": self.id, "title": self.title, "type": self.type}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class PollState:
    """A poll the bot sent, with each voter's current choice."""

    chat_id: int
    message_id: int
    poll: dict[str, Any]
    votes: dict[int, list[int]] = field(default_factory=dict)


def scope_key(scope: dict | None) -> tuple:
    """Key of a BotCommandScope; chat ids are compared as text since they may be @usernames."""
    scope = scope or {"type": "default"}
    return (scope.get("type"), str(scope.get("chat_id", "")), scope.get("user_id"))


class World:
    """All emulator state plus the read-back and waiting helpers tests use."""

    def __init__(self, token: str = DEFAULT_TOKEN):
        self.token = token
        # Telegram's default for bots: in groups only commands, replies to the bot and service
        # messages are delivered unless the bot is an admin.
        self.privacy_mode = True
        # the domain linked with @BotFather's /setdomain: login_url buttons must point there
        self.login_domain: str | None = None
        self.users: dict[int, dict] = {}
        self.chats: dict[int, Chat] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.updates = UpdateQueue()
        self.polls: dict[str, PollState] = {}
        self.open_callbacks: set[str] = set()
        self.callback_answers: dict[str, dict] = {}
        self.reactions: list[dict] = []
        self.files: dict[str, UploadedFile] = {}
        self.webhook: dict[str, Any] = {}
        self.bot_commands: dict[tuple[tuple, str], list[dict]] = {}
        self.sent: list[SentMessage] = []
        self.sent_index: dict[tuple[int, int], SentMessage] = {}
        self.requests: list[ApiRequest] = []
        self.unimplemented: list[str] = []
        self.flood_responses: list[ApiRequest] = []
        self.ids = itertools.count(1)  # callback query, poll and file ids
        self._changed = asyncio.Event()

    @property
    def bot(self) -> dict[str, Any]:
        """The bot as a User object; its id is the number before the token's colon."""
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    @property
    def rejected(self) -> list[ApiRequest]:
        """Requests refused with a 4xx other than 429; stays empty while the bot behaves."""
        return [r for r in self.requests if r.rejected]

    def new_message(
        self,
        chat: Chat,
        sender: dict,
        *,
        reply_to: dict | None = None,
        thread_id: int | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """Store a new message in ``chat`` with the next message id, as Telegram would show it."""
        chat.last_message_id += 1
        message: dict[str, Any] = {
            "message_id": chat.last_message_id,
            "from": sender,
            "chat": chat.as_json(),
            "date": int(time.time()),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        message.update({k: v for k, v in content.items() if v not in (None, [], "")})
        chat.messages[message["message_id"]] = message
        return message

    def record_sent(self, record: SentMessage) -> None:
        self.sent_index[(record.chat_id, record.message_id)] = record
        self.touch(record)

    def touch(self, record: SentMessage) -> None:
        """A bot message was sent or changed: make it visible to waiters, even after reset_sent()."""
        if record not in self.sent:
            self.sent.append(record)
        self.notify()

    def notify(self) -> None:
        """Wake every waiter; they re-check their condition against the new state."""
        self._changed.set()
        self._changed = asyncio.Event()

    def messages(self, chat_id: int) -> list[dict]:
        """The chat's messages as Telegram currently shows them (edits applied, deletions gone)."""
        return [self.chats[chat_id].messages[k] for k in sorted(self.chats[chat_id].messages)]

    def commands(self, scope: str | dict = "default", language_code: str = "") -> list[dict]:
        """The command list the bot set for this scope (a type name or a full scope dict)."""
        scope_dict = {"type": scope} if isinstance(scope, str) else scope
        return self.bot_commands.get((scope_key(scope_dict), language_code), [])

    def reset_sent(self) -> None:
        """Forget earlier outgoing messages so the next wait only sees the next step's output.

        A forgotten message that the bot later edits or deletes reappears in ``sent``.
        """
        self.sent.clear()

    async def wait_for(self, predicate: Callable[[SentMessage], bool], timeout: float = 5.0) -> SentMessage:
        """The first message in ``sent`` (current state) satisfying ``predicate``, waiting if needed."""
        return await self._wait_until(
            lambda: next((m for m in self.sent if predicate(m)), None),
            timeout,
            "no sent message matched",
        )

    async def wait_sent(self, chat_id: int, timeout: float = 5.0, *, contains: str | None = None) -> SentMessage:
        """A message to ``chat_id`` whose text, caption or poll question contains ``contains``."""
        return await self.wait_for(
            lambda m: m.chat_id == chat_id and not m.deleted and (contains is None or contains in m.content),
            timeout,
        )

    async def wait_callback_answer(self, callback_query_id: str, timeout: float = 5.0) -> dict:
        """The answerCallbackQuery parameters the bot used for this query, waiting if needed."""
        return await self._wait_until(
            lambda: self.callback_answers.get(callback_query_id),
            timeout,
            f"callback query {callback_query_id} was not answered",
        )

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, failure: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := check()) is None:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                if (found := check()) is not None:
                    return found
                raise TimeoutError(f"{failure} within {timeout}s; {self._summary()}") from None
        return found

    def _summary(self) -> str:
        """What the bot did so far, to make a failed wait self-explanatory."""
        sent = [f"{m.chat_id}#{m.message_id} {m.kind} {m.content[:60]!r}" for m in self.sent]
        rejected = [f"{r.method}: {r.error}" for r in self.rejected]
        return f"sent={sent}, rejected={rejected}, unimplemented={self.unimplemented}"
